"""Load one raw REST v2 record into the SDK's pydantic model without letting API drift stop a sync.

The SDK's models are strict (notes §2.10): an enum value outside the
contract's list, a numeric id, or a payment plan missing a required field
makes the whole page fail when read through the typed methods. The source
therefore reads raw JSON pages and loads each record here, field by field:

- an unknown field lands in `additional_properties` (as the SDK does);
- an enum value the model does not know: the field is set to None and the raw
  value is kept under `additional_properties[SET_ASIDE]`, where
  `raw_value(model, field)` finds it for the converter; logged once per
  (model, field, value);
- a JSON number where the model wants a string (ids): converted with str(),
  an integral number (4900.0) or digit string where it wants an integer
  (CurrencyValue.amount) converted with int(); logged once per (model, field,
  JSON type), not per value, since every id differs;
- a nested object missing a required field (payment_plan without
  plan_start_date) is dropped, logged once per (model, field, missing
  field). An element of a list (an order item, a plan installment) is never
  dropped: losing one would change an invoice's lines without a word;
- anything else (a date that does not parse, a fractional minor-unit amount,
  a record that is not an object) raises `UnreadableRecord` naming the
  record and the field: a record is never silently lost.
"""

from __future__ import annotations

import re
from functools import lru_cache
from types import NoneType, UnionType
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from syncsvc.infusionsoft.errors import InfusionsoftError
from syncsvc.infusionsoft.rest.notices import NOTICES, Notices

# additional_properties key under which the raw values of fields set to None are kept.
SET_ASIDE = "_syncsvc_set_aside"

_ENUM_FAILURE = "must be one of enum values"
_INTEGER_TEXT = re.compile(r"^-?\d+$")


class UnreadableRecord(InfusionsoftError):
    """A Keap record the SDK's model cannot hold even with the tolerances above."""


class _MissingRequired(Exception):
    def __init__(self, field: str) -> None:
        super().__init__(field)
        self.field = field


class _Unloadable(Exception):
    pass


def load(model: type[BaseModel], raw: Any, record: str, notices: Notices = NOTICES) -> BaseModel:
    """`raw` (one JSON object) as an instance of `model`; `record` names it in messages ("order 123")."""
    try:
        if not isinstance(raw, dict):
            raise _Unloadable(f"expected a JSON object, got {type(raw).__name__}")
        return _load(model, raw, notices, model.__name__)
    except _MissingRequired as missing:
        problem = f"required field {missing.field!r} is missing"
    except _Unloadable as unloadable:
        problem = str(unloadable)
    raise UnreadableRecord(f"Keap {record} cannot be read into the SDK's {model.__name__}: {problem}")


def raw_value(model: BaseModel, field: str) -> Any:
    """The field's value, or the raw value `load` set aside when the model refused it."""
    value = getattr(model, field)
    if value is not None:
        return value
    return (model.additional_properties.get(SET_ASIDE) or {}).get(field)


def record_name(kind: str, raw: Any, key: str = "id") -> str:
    """'order 123' (or 'order without id') for messages, read straight off the raw JSON."""
    identifier = raw.get(key) if isinstance(raw, dict) else None
    return f"{kind} {identifier}" if identifier not in (None, "") else f"{kind} without {key}"


# -- internals -------------------------------------------------------------------------


def _load(model: type[BaseModel], raw: dict, notices: Notices, path: str) -> BaseModel:
    by_key = _keys(model)
    values: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    for key, value in raw.items():
        name = by_key.get(key)
        if name is None:
            extra[key] = value
        else:
            values[name] = _prepare(model, name, value, notices, f"{path}.{key}")
    set_aside: dict[str, Any] = {}
    for _ in range(len(values) + 1):  # each round sets at least one more field aside, or raises
        try:
            instance = model.model_validate(values)
            break
        except ValidationError as exc:
            for error in exc.errors():
                _tolerate(model, error, values, set_aside, notices, path)
    else:
        raise _Unloadable(f"{path}: the SDK's model keeps refusing the record")
    instance.additional_properties = {**extra, **({SET_ASIDE: set_aside} if set_aside else {})}
    return instance


def _tolerate(model, error: dict, values: dict, set_aside: dict, notices: Notices, path: str) -> None:
    """Make `values` pass the next validation for this one error, or raise."""
    location = error.get("loc") or ()
    name = location[0] if location else None
    if error.get("type") == "missing" and isinstance(name, str):
        raise _MissingRequired(_keys_by_name(model).get(name, name))
    if isinstance(name, str) and name in values and name not in set_aside and _ENUM_FAILURE in str(error.get("msg", "")):
        raw = values[name]
        set_aside[name] = raw
        values[name] = None
        notices.once(
            ("enum", model.__name__, name, str(raw)),
            "Keap sent %s.%s = %r, which the SDK's model does not list; the value is kept and read as unknown",
            model.__name__, _keys_by_name(model).get(name, name), raw,
        )
        return
    where = ".".join(str(part) for part in location) or "?"
    raise _Unloadable(f"{path}.{where}: {error.get('msg')} (got {error.get('input')!r})")


def _prepare(model, name: str, value: Any, notices: Notices, path: str) -> Any:
    if value is None:
        return None
    shape, inner = _shape(model, name)
    if shape == "model":
        if not isinstance(value, dict):
            raise _Unloadable(f"{path}: expected an object, got {type(value).__name__}")
        try:
            return _load(inner, value, notices, path)
        except _MissingRequired as missing:
            notices.once(
                ("dropped", model.__name__, name, missing.field),
                "Keap sent %s.%s without its required field %r; that %s is ignored",
                model.__name__, name, missing.field, inner.__name__,
            )
            return None
    if shape == "models":
        if not isinstance(value, list):
            raise _Unloadable(f"{path}: expected a list, got {type(value).__name__}")
        loaded = []
        for index, element in enumerate(value):
            if not isinstance(element, dict):
                raise _Unloadable(f"{path}[{index}]: expected an object, got {type(element).__name__}")
            try:
                loaded.append(_load(inner, element, notices, f"{path}[{index}]"))
            except _MissingRequired as missing:
                raise _Unloadable(f"{path}[{index}]: required field {missing.field!r} is missing") from None
        return loaded
    if shape == "str":
        return _as_text(model, name, value, notices)
    if shape == "strs" and isinstance(value, list):
        return [_as_text(model, name, element, notices) for element in value]
    if shape == "int":
        return _as_integer(model, name, value, notices)
    return value


def _as_text(model, name: str, value: Any, notices: Notices) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        notices.once(
            ("number-as-text", model.__name__, name),
            "Keap sent %s.%s as a JSON number where the contract has a string; read as text",
            model.__name__, name,
        )
        return str(value)
    return value


def _as_integer(model, name: str, value: Any, notices: Notices) -> Any:
    if isinstance(value, float) and value.is_integer():
        converted = int(value)
    elif isinstance(value, str) and _INTEGER_TEXT.match(value.strip()):
        converted = int(value.strip())
    else:
        return value  # an int passes; anything else fails validation and is reported
    notices.once(
        ("integer", model.__name__, name, type(value).__name__),
        "Keap sent %s.%s as a JSON %s where the contract has an integer; read as %d",
        model.__name__, name, "number with a fraction part" if isinstance(value, float) else "string", converted,
    )
    return converted


@lru_cache(maxsize=None)
def _keys(model: type[BaseModel]) -> dict[str, str]:
    """JSON key -> model field name (the SDK aliases 'field' as var_field)."""
    return {
        (info.alias or name): name
        for name, info in model.model_fields.items()
        if name != "additional_properties"
    }


@lru_cache(maxsize=None)
def _keys_by_name(model: type[BaseModel]) -> dict[str, str]:
    return {name: key for key, name in _keys(model).items()}


@lru_cache(maxsize=None)
def _shape(model: type[BaseModel], name: str) -> tuple[str, Any]:
    """('model', cls) | ('models', cls) | ('str'|'strs'|'int', None) | ('other', None)."""
    annotation = _unwrap(model.model_fields[name].annotation)
    if get_origin(annotation) is list:
        element = _unwrap(get_args(annotation)[0])
        if isinstance(element, type) and issubclass(element, BaseModel):
            return "models", element
        return ("strs", None) if element is str else ("other", None)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "model", annotation
    if annotation is str:
        return "str", None
    if annotation is int:
        return "int", None
    return "other", None


def _unwrap(annotation: Any) -> Any:
    """Optional[X] -> X and Annotated[X, Strict()] -> X; a Union of several types stays as it is."""
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, UnionType):
            members = [arg for arg in get_args(annotation) if arg is not NoneType]
            if len(members) != 1:
                return annotation
            annotation = members[0]
        else:
            return annotation


__all__ = ["SET_ASIDE", "UnreadableRecord", "load", "raw_value", "record_name"]

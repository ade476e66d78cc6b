"""The `filter=` grammar of Keap REST v2 and its predicates.

`filter=<field><op><value>;<field><op><value>...`, clauses ANDed, operators
== != <= >= < >. Each listing declares its fields: which operators a field takes,
how its value parses (whole number, list, ISO time, boolean, enum word, amount,
text with a trailing * wildcard) and how a record is tested. Anything else is a
400 whose message names the field.
"""

from __future__ import annotations

import operator as op
import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Callable, Iterable, Mapping

from .errors import bad_request

COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "==": op.eq, "!=": op.ne, "<": op.lt, "<=": op.le, ">": op.gt, ">=": op.ge,
}
EQUALITY = frozenset({"=="})
EVERY_OPERATOR = frozenset(COMPARISONS)
ORDERED = frozenset({"==", "<", "<=", ">", ">="})
MAX_LIST_VALUES = 1000
WILDCARD = "*"

# Longer operators first, so "<=" is not read as "<" followed by "=".
_CLAUSE = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(==|!=|<=|>=|<|>)(.*)$", re.S)
_WHOLE_NUMBER = re.compile(r"\d{1,18}")

Record = Any
ValueParser = Callable[[str, str], Any]  # (field name, text) -> value
RecordTest = Callable[[Record, str, Any], bool]  # (record, operator, value) -> matches


@dataclass(frozen=True)
class Clause:
    field: str
    operator: str
    text: str


@dataclass(frozen=True)
class FilterField:
    operators: frozenset[str]
    parse: ValueParser
    test: RecordTest


def parse_clauses(text: str | None) -> list[Clause]:
    if text is None or not text.strip():
        return []
    clauses = []
    for part in text.split(";"):
        if not part.strip():
            continue
        match = _CLAUSE.match(part)
        if match is None:
            raise bad_request(f"filter: {part!r} is not <field><operator><value> with one of == != < <= > >=")
        clauses.append(Clause(match.group(1), match.group(2), match.group(3).strip()))
    return clauses


@dataclass(frozen=True)
class Condition:
    """A checked clause: the field, its operator and its parsed value."""
    field: str
    operator: str
    value: Any


def parse_filter(
    text: str | None, fields: Mapping[str, FilterField], unserved: frozenset[str] = frozenset(),
) -> list[Condition]:
    """The filter's clauses, checked and parsed; raises RestError(400) on an unknown field, operator or
    value. `unserved`: fields of Keap's contract the sandbox has no data for (refused, saying so)."""
    conditions = []
    for clause in parse_clauses(text):
        spec = fields.get(clause.field)
        if clause.field in unserved:
            raise bad_request(f"filter: {clause.field} is in Keap's contract but the sandbox does not serve it")
        if spec is None:
            raise bad_request(f"filter: unknown field {clause.field!r}; allowed: {', '.join(fields)}")
        if clause.operator not in spec.operators:
            allowed = " ".join(o for o in COMPARISONS if o in spec.operators)
            raise bad_request(f"filter: operator {clause.operator} is not allowed on {clause.field} (allowed: {allowed})")
        if clause.text == "":
            raise bad_request(f"filter: {clause.field} has no value")
        conditions.append(Condition(clause.field, clause.operator, spec.parse(clause.field, clause.text)))
    return conditions


def predicate(conditions: Iterable[Condition], fields: Mapping[str, FilterField]) -> Callable[[Record], bool]:
    """One test for all the conditions (ANDed, in their order)."""
    tests = [(fields[c.field].test, c.operator, c.value) for c in conditions]
    return lambda record: all(test(record, operator, value) for test, operator, value in tests)


def compile_filter(
    text: str | None, fields: Mapping[str, FilterField], unserved: frozenset[str] = frozenset(),
) -> Callable[[Record], bool]:
    """One predicate for the whole filter; raises RestError(400) as `parse_filter` does."""
    return predicate(parse_filter(text, fields, unserved), fields)


# --- value parsers ----------------------------------------------------------------


def whole_number(field: str, text: str) -> int:
    if not _WHOLE_NUMBER.fullmatch(text):
        raise bad_request(f"filter: {field} needs a whole number, got {text!r}")
    return int(text)


def number_list(field: str, text: str) -> frozenset[int]:
    parts = text.split(",")
    if len(parts) > MAX_LIST_VALUES:
        raise bad_request(f"filter: {field} takes at most {MAX_LIST_VALUES} values, got {len(parts)}")
    return frozenset(whole_number(field, part.strip()) for part in parts)


def timestamp(field: str, text: str) -> datetime:
    """ISO-8601 date and time with "Z" or an offset; fractions of a second are allowed."""
    try:
        moment = datetime.fromisoformat(text) if "T" in text else None
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise bad_request(
            f"filter: {field} needs an ISO-8601 date-time with a zone (e.g. 2024-05-21T23:00:00Z), got {text!r}"
        )
    return moment


def boolean(field: str, text: str) -> bool:
    word = text.lower()
    if word not in ("true", "false"):
        raise bad_request(f"filter: {field} needs true or false, got {text!r}")
    return word == "true"


def amount(field: str, text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite():
        raise bad_request(f"filter: {field} needs a number, got {text!r}")
    return value


def one_of(words: Iterable[str]) -> ValueParser:
    allowed = tuple(words)

    def parse(field: str, text: str) -> str:
        word = text.upper()
        if word not in allowed:
            raise bad_request(f"filter: {field} must be one of {', '.join(allowed)}, got {text!r}")
        return word

    return parse


def text_pattern(field: str, text: str) -> Callable[[str], bool]:
    """Case-insensitive; a trailing * matches any rest, a * anywhere else is a literal *."""
    if text.endswith(WILDCARD):
        prefix = text[:-1].casefold()
        return lambda value: value.casefold().startswith(prefix)
    wanted = text.casefold()
    return lambda value: value.casefold() == wanted


# --- record tests ---------------------------------------------------------------


def compared(extract: Callable[[Record], Any]) -> RecordTest:
    """The record's value against the filter value; an absent value never matches (as in SQL)."""

    def test(record, operator, value):
        found = extract(record)
        return found is not None and COMPARISONS[operator](found, value)

    return test


def one_of_values(extract: Callable[[Record], Any]) -> RecordTest:
    """`ids==1,2,3`: the record's value is in the list."""
    return lambda record, operator, values: extract(record) in values


def shares_value(extract: Callable[[Record], Iterable[Any]]) -> RecordTest:
    """`order_ids==1,2`: the record's values and the list meet."""
    return lambda record, operator, values: not values.isdisjoint(extract(record))


def contains(extract: Callable[[Record], Iterable[Any]]) -> RecordTest:
    """`product_id==7` on orders: one of the record's values equals it."""
    return lambda record, operator, value: value in extract(record)


def since(extract: Callable[[Record], datetime | None]) -> RecordTest:
    """`*_since_time==T`: at or after T."""
    return lambda record, operator, moment: (found := extract(record)) is not None and found >= moment


def until(extract: Callable[[Record], datetime | None]) -> RecordTest:
    """`*_until_time==T`: strictly before T."""
    return lambda record, operator, moment: (found := extract(record)) is not None and found < moment


def matches_text(extract: Callable[[Record], Iterable[str] | str | None]) -> RecordTest:
    """A text pattern against the record's text (or any of its texts)."""

    def test(record, operator, pattern):
        found = extract(record)
        if found is None:
            return False
        texts = [found] if isinstance(found, str) else found
        return any(pattern(text) for text in texts)

    return test


# --- field kinds ------------------------------------------------------------------


def id_field(extract: Callable[[Record], int | None], operators: frozenset[str] = EQUALITY) -> FilterField:
    return FilterField(operators, whole_number, compared(extract))


def id_list_field(extract: Callable[[Record], int | None]) -> FilterField:
    return FilterField(EQUALITY, number_list, one_of_values(extract))


def since_field(extract: Callable[[Record], datetime | None]) -> FilterField:
    return FilterField(EQUALITY, timestamp, since(extract))


def until_field(extract: Callable[[Record], datetime | None]) -> FilterField:
    return FilterField(EQUALITY, timestamp, until(extract))


def text_field(extract: Callable[[Record], Iterable[str] | str | None]) -> FilterField:
    return FilterField(EQUALITY, text_pattern, matches_text(extract))


def enum_field(extract: Callable[[Record], str | None], words: Iterable[str]) -> FilterField:
    return FilterField(EQUALITY, one_of(words), compared(extract))


def boolean_field(extract: Callable[[Record], bool | None]) -> FilterField:
    return FilterField(EQUALITY, boolean, compared(extract))


def amount_field(extract: Callable[[Record], Decimal | None]) -> FilterField:
    return FilterField(EVERY_OPERATOR, amount, compared(extract))

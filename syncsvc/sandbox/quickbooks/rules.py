"""Rules shared by every entity: empty values, references, SyncToken, lengths, metadata."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from .company import Company
from .faults import (inactive_reference, invalid_reference, malformed_request, required_missing, stale_object,
                     string_length)
from .wire import BadAmount, meta_time, to_decimal

# Properties the server computes; what a client sends for them is ignored (python-quickbooks sends them all).
SERVER_OWNED = {"Id", "SyncToken", "MetaData", "domain", "sparse", "status", "FullyQualifiedName", "Level",
                "Balance", "BalanceWithJobs", "HomeBalance", "HomeTotalAmt", "TotalAmt", "UnappliedAmt",
                "CurrentBalance", "CurrentBalanceWithSubAccounts", "InvoiceLink", "LinkedTxn", "TxnStatus"}


@dataclass
class WriteContext:
    company: Company
    now: float
    include: set[str] = field(default_factory=set)

    @property
    def stamp(self) -> str:
        return meta_time(self.now)


def is_empty(value) -> bool:
    """python-quickbooks' "unset" values: None, "", and empty containers."""
    return value is None or value == "" or value == [] or value == {}


def present(body: dict, key: str):
    value = body.get(key)
    return None if is_empty(value) else value


def ref_value(ref) -> str | None:
    """The id inside a Ref ({"value": "1", "name": "", "type": ""}); a default-valued Ref is no Ref."""
    if is_empty(ref):
        return None
    if isinstance(ref, dict):
        value = ref.get("value")
        return None if is_empty(value) else str(value)
    return str(ref)


def resolve_ref(ctx: WriteContext, entity: str, ref, prop: str, required: bool = False,
                name_field: str = "Name") -> dict | None:
    """Check a reference exists and is active; return it as QBO echoes it (value + name)."""
    ref_id = ref_value(ref)
    if ref_id is None:
        if required:
            raise required_missing(prop)
        return None
    record = ctx.company.get(entity, ref_id)
    if record is None:
        raise invalid_reference(entity, ref_id)
    if record.get("Active") is False:
        raise inactive_reference(entity, ref_id)
    return {"value": ref_id, "name": record.get(name_field, "")}


def amount(body: dict, key: str, prop: str, required: bool = False, default: Decimal | None = None):
    try:
        value = to_decimal(body.get(key), default)
    except BadAmount:
        raise malformed_request(f"Property Name:{prop} has an invalid numeric value {body.get(key)!r}")
    if value is None and required:
        raise required_missing(prop)
    return value


def check_length(prop: str, value: str | None, maximum: int) -> None:
    if value is not None and len(value) > maximum:
        raise string_length(prop, maximum, len(value))


def check_sync_token(body: dict, current: dict) -> None:
    token = body.get("SyncToken")
    if is_empty(token) and token != 0:
        raise required_missing("SyncToken")
    if str(token) != current["SyncToken"]:
        raise stale_object()


def next_sync_token(current: dict) -> str:
    return str(int(current["SyncToken"]) + 1)


def merge_for_update(body: dict, current: dict, sparse: bool, keep_when_omitted: tuple[str, ...] = ()) -> dict:
    """The input a full or sparse update stands for.

    Sparse: the stored record with the supplied non-empty fields laid over it.
    Full: only what was sent (omitted writable fields become empty, as on QBO),
    except `keep_when_omitted` (e.g. DocNumber, TxnDate), which QBO keeps.
    """
    if sparse:
        merged = {k: v for k, v in current.items() if k not in SERVER_OWNED}
        merged.update({k: v for k, v in body.items() if not is_empty(v) or k == "Line"})
        if "Line" in body and body["Line"] in (None, []):
            merged["Line"] = current.get("Line", [])
        return merged
    merged = dict(body)
    for key in keep_when_omitted:
        if is_empty(merged.get(key)) and key in current:
            merged[key] = current[key]
    return merged


def metadata(ctx: WriteContext, current: dict | None) -> dict:
    created = current["MetaData"]["CreateTime"] if current else ctx.stamp
    return {"CreateTime": created, "LastUpdatedTime": ctx.stamp}


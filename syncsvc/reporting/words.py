"""Words for what the state database stores as keys, and times that carry their zone."""

from __future__ import annotations

import re
from datetime import datetime, timezone

# Each count a run records (syncsvc/sync/processing.py COUNT_KEYS and the rest), as a bookkeeper says it.
COUNT_LABELS = {
    "orders": "orders looked at",
    "invoices": "invoices created",
    "sales_receipts": "sales receipts created",
    "updated": "documents updated",
    "payments": "payments posted",
    "duplicates_avoided": "duplicates avoided (already in QuickBooks)",
    "customers_created": "customers created",
    "items_created": "items created",
    "unknown_items": "lines posted on the unknown item",
    "held": "orders held",
    "skipped": "orders skipped",
    "errors": "orders failed",
    "payments_skipped": "payments skipped",
    "refund_receipts": "refund receipts created",
    "credit_memos": "credit memos created",
    "deleted_in_keap": "posted orders found deleted in Keap",
}
# customers_by_<rule>: posted orders whose QuickBooks customer was found (or made) by that rule
CUSTOMER_RULES = {
    "linked": "customers matched by earlier link",
    "email": "customers matched by email",
    "name": "customers matched by name",
    "company_city": "customers matched by company and city",
    "created": "customers new to QuickBooks",
    "created_other_email": "customers new to QuickBooks (a name matched, with another email)",
}
ORDER = tuple(COUNT_LABELS)[:6] + tuple(f"customers_by_{rule}" for rule in CUSTOMER_RULES) + tuple(COUNT_LABELS)[6:]

WATERMARK_LABELS = {
    "orders_updated_through": "orders changed in Keap up to",
    "payments_dated_through": "payments dated up to",
    "payments_max_id": "payments read up to Keap payment id",
    "posted_orders_checked_at": "posted orders last checked for deletion in Keap",
    "read_through_api": "Keap API the last cycle read through",
}


def count_label(key: str) -> str:
    """The words for a count key; a key not listed here still reads as words."""
    if key in COUNT_LABELS:
        return COUNT_LABELS[key]
    if key.startswith("customers_by_"):
        rule = key.removeprefix("customers_by_")
        return CUSTOMER_RULES.get(rule, f"customers matched by {rule.replace('_', ' ')}")
    return key.replace("_", " ")


_PLURAL = re.compile(r"\b(orders|customers|invoices|receipts|memos|documents|payments|duplicates|items|lines)\b")


def counted(n: int, label: str) -> str:
    """`297 orders looked at`, `1 order looked at`."""
    return f"{n} {_PLURAL.sub(lambda m: m.group(1)[:-1], label, count=1) if n == 1 else label}"


def counts_in_words(counts: dict) -> str:
    """`297 orders looked at, 297 invoices created, ...`: the counts that are not zero, in a steady order."""
    keys = sorted((k for k, v in counts.items() if v), key=lambda k: (ORDER.index(k) if k in ORDER else len(ORDER), k))
    return ", ".join(counted(counts[k], count_label(k)) for k in keys)


def utc(moment: datetime | None) -> datetime | None:
    """An aware UTC time: SQLite gives back the UTC times we store without their offset."""
    if moment is None:
        return None
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def when(moment: datetime | None, seconds: bool = False) -> str:
    """`2026-11-30 03:12 UTC`."""
    moment = utc(moment)
    if moment is None:
        return "(not yet)"
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC" if seconds else "%Y-%m-%d %H:%M UTC")


def iso(moment: datetime | None) -> str | None:
    """ISO 8601 with its offset (`2026-11-30T03:12:00+00:00`), for --json."""
    moment = utc(moment)
    return moment.isoformat() if moment is not None else None


def watermark_value(value: str | None) -> str:
    """A stored watermark as shown: a time in UTC (Keap's own zone converted), anything else as it is."""
    if value is None:
        return "(not yet)"
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    if moment.tzinfo is None:
        return f"{moment:%Y-%m-%d %H:%M:%S} (Keap's clock; no zone recorded)"
    return when(moment, seconds=True)

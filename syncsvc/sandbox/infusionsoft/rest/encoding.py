"""How store values go on the REST v2 wire: ids, times, dates and money.

The store keeps naive account-local datetimes and Decimal money; REST v2 speaks
UTC ISO-8601 with "Z", string ids, CurrencyValue objects in minor units and, on
Payment and TransactionV2, plain dollar numbers. Money leaves Decimal only here.
"""

from __future__ import annotations

from datetime import date, datetime, timezone, tzinfo
from decimal import ROUND_HALF_UP, Decimal

UTC = timezone.utc
CURRENCY_CODE = "USD"
_ONE = Decimal(1)
_HUNDRED = Decimal(100)


def id_text(value: int | None) -> str | None:
    """A row id as REST v2 writes ids (JSON strings); an absent or 0 id is left out."""
    return str(value) if value else None


def utc_moment(naive_local: datetime | None, zone: tzinfo) -> datetime | None:
    """A stored (naive, account-zone) datetime as an aware UTC datetime."""
    if naive_local is None:
        return None
    return naive_local.replace(tzinfo=zone).astimezone(UTC)


def utc_text(moment: datetime | None) -> str | None:
    """An aware datetime as "YYYY-MM-DDTHH:MM:SSZ" (seconds precision, like the store)."""
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def date_text(naive_local: datetime | date | None) -> str | None:
    """The calendar date in the account's zone (plan dates), "YYYY-MM-DD"."""
    if naive_local is None:
        return None
    return naive_local.strftime("%Y-%m-%d")


def minor_units(amount: Decimal) -> int:
    """Whole cents, rounding half away from zero."""
    return int((amount * _HUNDRED).quantize(_ONE, rounding=ROUND_HALF_UP))


def formatted_amount(cents: int) -> str:
    """"$1,234.56" / "-$5.00", as a US-locale tenant shows money."""
    sign = "-" if cents < 0 else ""
    return f"{sign}${Decimal(abs(cents)).scaleb(-2):,.2f}"


def currency_value(amount: Decimal | None) -> dict | None:
    """A CurrencyValue: {"amount": <int cents>, "currency_code": "USD", "formatted_amount": ...};
    both say the same rounded amount."""
    if amount is None:
        return None
    cents = minor_units(amount)
    return {"amount": cents, "currency_code": CURRENCY_CODE, "formatted_amount": formatted_amount(cents)}


def dollars(amount: Decimal | None) -> float | None:
    """A JSON number of dollars (Payment.amount, TransactionV2.amount); repr keeps 12.34 as 12.34."""
    if amount is None:
        return None
    return float(amount)


def without_absent(fields: dict) -> dict:
    """The object with its None values left out (REST v2 omits unknown properties)."""
    return {name: value for name, value in fields.items() if value is not None}

"""Wire helpers: money as Decimal in, JSON numbers out; QBO's time formats.

python-quickbooks sends Decimals as JSON strings ("10.10") and default-valued
amounts as "" or 0, so amounts are parsed leniently; QBO answers with JSON
numbers, which the stdlib encoder cannot write from a Decimal, hence `dumps`.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, tzinfo
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from zoneinfo import ZoneInfo

CENT = Decimal("0.01")
# Sandbox companies live in US Pacific time, like Intuit's sandbox companies.
COMPANY_TZ: tzinfo = ZoneInfo("America/Los_Angeles")


class BadAmount(ValueError):
    pass


def to_decimal(value, default: Decimal | None = None) -> Decimal | None:
    """A JSON amount (number, numeric string, or python-quickbooks' "" default) as Decimal."""
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        raise BadAmount(repr(value))
    if isinstance(value, float):
        value = repr(value)  # the shortest text that round-trips, not the binary expansion
    try:
        result = Decimal(str(value))
    except InvalidOperation as exc:
        raise BadAmount(repr(value)) from exc
    if not result.is_finite():
        raise BadAmount(repr(value))
    return result


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT)


def cents_half_up(value: Decimal) -> Decimal:
    """To the cent, half away from zero: how QBO rounds Qty x UnitPrice (a field report of a 6070 on
    128.350 x 14.50 = 1861.075 says QBO expected 1861.08)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _encode(value) -> str:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dict):
        return "{" + ",".join(json.dumps(str(k)) + ":" + _encode(v) for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(_encode(v) for v in value) + "]"
    return json.dumps(value)


def dumps(value) -> str:
    """JSON text with Decimals written as numbers (QBO writes 100.00, not "100.00")."""
    return _encode(value)


def loads(text: str | bytes):
    """Parse JSON keeping numbers exact."""
    return json.loads(text, parse_float=Decimal)


def local_now(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, COMPANY_TZ)


def meta_time(epoch: float) -> str:
    """MetaData times: second precision with the company's offset, e.g. 2020-09-29T05:58:07-07:00."""
    return local_now(epoch).replace(microsecond=0).isoformat()


def response_time(epoch: float) -> str:
    """The envelope's "time": milliseconds with offset, e.g. 2020-09-29T05:58:07.300-07:00."""
    return local_now(epoch).isoformat(timespec="milliseconds")


def local_date(epoch: float) -> date:
    return local_now(epoch).date()


def parse_date(text: str) -> date:
    return date.fromisoformat(text[:10])


def parse_datetime(text: str) -> datetime:
    """A query or MetaData timestamp; a bare date or naive time is company-local."""
    text = text.strip()
    if len(text) == 10:
        return datetime.combine(date.fromisoformat(text), datetime.min.time(), COMPANY_TZ)
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    parsed = datetime.fromisoformat(text)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=COMPANY_TZ)


def add_days(day: date, days: int) -> date:
    return day + timedelta(days=days)


"""Date filters in DataService's operator syntax, rendered in the account's zone.

The API compares naive wall-clock strings ('~>=~ 2026-11-01 00:00:00'). In the
hour November repeats, wall-clock order and real order disagree: a row stamped
01:10 in the second (standard-time) pass is later than 01:50 in the first pass.
So a lower bound that falls in the first pass is widened back by the DST
shift, and an upper bound in the second pass forward by it. A filter may then
return up to one extra hour of rows (callers dedupe by Id), never miss one.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import Enum
from zoneinfo import ZoneInfo

LITERAL_FORMAT = "%Y-%m-%d %H:%M:%S"


class Op(str, Enum):
    AFTER = "~>~"
    AT_OR_AFTER = "~>=~"
    BEFORE = "~<~"
    AT_OR_BEFORE = "~<=~"
    NOT = "~<>~"


def _wall(moment: datetime, zone: ZoneInfo) -> datetime:
    if moment.tzinfo is None:
        raise ValueError(f"naive datetime {moment!r} in an Infusionsoft filter: give it a time zone")
    return moment.astimezone(zone)


def _dst_shift(local: datetime) -> timedelta:
    """How far the other reading of an ambiguous wall time is (zero when unambiguous)."""
    other = local.replace(fold=1 - local.fold)
    return abs(local.utcoffset() - other.utcoffset())


def literal(moment: datetime, zone: ZoneInfo) -> str:
    """The account-local wall-clock text of an aware datetime: 'YYYY-MM-DD HH:MM:SS'."""
    return _wall(moment, zone).strftime(LITERAL_FORMAT)


def lower_bound_literal(moment: datetime, zone: ZoneInfo) -> str:
    """A wall-clock literal no later than any instant at or after `moment`."""
    local = _wall(moment, zone)
    if local.fold == 0:
        local = local - _dst_shift(local)  # naive arithmetic on the wall clock, on purpose
    return local.strftime(LITERAL_FORMAT)


def upper_bound_literal(moment: datetime, zone: ZoneInfo) -> str:
    """A wall-clock literal no earlier than any instant at or before `moment`."""
    local = _wall(moment, zone)
    if local.fold == 1:
        local = local + _dst_shift(local)
    return local.strftime(LITERAL_FORMAT)


def since(moment: datetime, zone: ZoneInfo, inclusive: bool = True) -> str:
    """'~>=~ <literal>' (or '~>~'): rows stamped at or after `moment`."""
    op = Op.AT_OR_AFTER if inclusive else Op.AFTER
    return f"{op.value} {lower_bound_literal(moment, zone)}"


def until(moment: datetime, zone: ZoneInfo, inclusive: bool = True) -> str:
    """'~<=~ <literal>' (or '~<~'): rows stamped at or before `moment`."""
    op = Op.AT_OR_BEFORE if inclusive else Op.BEFORE
    return f"{op.value} {upper_bound_literal(moment, zone)}"


def id_above(last_id: int) -> str:
    return f"{Op.AFTER.value} {int(last_id)}"

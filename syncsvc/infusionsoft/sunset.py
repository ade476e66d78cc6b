"""Keap's XML-RPC sunset: the date, and the words an operator sees about it.

Keap switches XML-RPC off after 2026-12-31 ("Firm Deadline - No Extensions
Available"); from 2027-01-01 only REST v2 answers. Before that Keap runs
brownouts (hours-long windows in which XML-RPC fails); those are retried like
any outage. What the endpoint answers after the cut-off is unconfirmed, so an
HTTP 404 or 410 from the XML-RPC endpoint on or after that day, or 410 at any
time, is read as the switch-off.
"""

from __future__ import annotations

from datetime import date, datetime, timezone

LAST_DAY = date(2026, 12, 31)
SWITCH = 'set [infusionsoft].api = "rest" in the config file (README: "Moving from XML-RPC to REST v2")'


def is_past(now: datetime | None = None) -> bool:
    """True from 2027-01-01 (UTC; the earliest any Keap time zone reaches that day is later)."""
    today = (now or datetime.now(timezone.utc)).astimezone(timezone.utc).date()
    return today > LAST_DAY


def notice() -> str:
    """The warning a connection still on XML-RPC carries in logs and `syncsvc status`."""
    return f"Keap switches XML-RPC off after {LAST_DAY.isoformat()}; this connection still reads through it: {SWITCH}"


def retired(url: str, status: int) -> str:
    """The one line `syncsvc sync` prints once Keap no longer answers XML-RPC."""
    return (f"Keap answered HTTP {status} at {url}: its XML-RPC API was switched off after {LAST_DAY.isoformat()}. "
            f"To keep syncing, {SWITCH}")

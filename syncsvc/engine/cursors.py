"""Where the next read starts, as pure arithmetic on a small state dict.

State keys (all optional; absent on the first run):
  orders_updated_through  ISO datetime: the highest Job/Invoice LastUpdated read
  payments_dated_through  ISO datetime: the highest Payment PayDate read
  payments_max_id         int: the highest Payment Id read

Watermarks move only to what was actually read, never to "now": a row
committed in Infusionsoft after our read but stamped before it is still
inside the next window.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from typing import Any, Iterable, Mapping

from syncsvc.engine.settings import EngineSettings
from syncsvc.infusionsoft.records import Payment

ORDERS_THROUGH = "orders_updated_through"
PAYMENTS_THROUGH = "payments_dated_through"
PAYMENTS_MAX_ID = "payments_max_id"
# The Keap API ("xmlrpc" or "rest") the watermarks were last read through.
READ_THROUGH_API = "read_through_api"

# After a move between Keap's APIs the first cycle reads further back than usual, once:
# the two APIs may stamp a change at slightly different instants (REST v2 times are UTC,
# XML-RPC's are the account's wall clock to the second), and re-reading costs only reads,
# since nothing already posted is posted again.
SWITCH_ORDER_OVERLAP_MINUTES = 24 * 60
SWITCH_PAYMENT_LOOKBACK_HOURS = 48


@dataclass(frozen=True)
class PaymentWindow:
    """Read payments with PayDate >= dated_since (None: no bound) and, as a
    second query, every payment with Id > id_above (None: skip that query).
    Payment rows have no LastUpdated; the id rule catches back-dated ones."""

    dated_since: datetime | None
    id_above: int | None


def order_window(state: Mapping[str, Any], settings: EngineSettings) -> datetime | None:
    """Read orders and invoices with LastUpdated >= this (None: everything).
    Windows are exact instants; convert with astimezone(account zone) before
    formatting an Infusionsoft query literal."""
    return _since(state.get(ORDERS_THROUGH), timedelta(minutes=settings.order_overlap_minutes), settings)


def payment_window(state: Mapping[str, Any], settings: EngineSettings) -> PaymentWindow:
    since = _since(state.get(PAYMENTS_THROUGH), timedelta(hours=settings.payment_lookback_hours), settings)
    max_id = state.get(PAYMENTS_MAX_ID)
    return PaymentWindow(dated_since=since, id_above=int(max_id) if max_id is not None else None)


def advance_orders(state: Mapping[str, Any], last_updated_read: Iterable[datetime | None]) -> dict[str, Any]:
    """The state after reading orders/invoices with these LastUpdated values."""
    return _advance(state, ORDERS_THROUGH, last_updated_read)


def advance_payments(state: Mapping[str, Any], payments_read: Iterable[Payment]) -> dict[str, Any]:
    """The state after reading these payments (from both queries of the window)."""
    payments_read = list(payments_read)
    new_state = _advance(state, PAYMENTS_THROUGH, (p.pay_date for p in payments_read))
    ids = [p.id for p in payments_read]
    if state.get(PAYMENTS_MAX_ID) is not None:
        ids.append(int(state[PAYMENTS_MAX_ID]))
    if ids:
        new_state[PAYMENTS_MAX_ID] = max(ids)
    return new_state


def after_api_switch(settings: EngineSettings) -> EngineSettings:
    """The settings of the first cycle after a connection moved to another Keap API: the
    same, with the order overlap and payment lookback widened to at least a day and two."""
    return replace(
        settings,
        order_overlap_minutes=max(settings.order_overlap_minutes, SWITCH_ORDER_OVERLAP_MINUTES),
        payment_lookback_hours=max(settings.payment_lookback_hours, SWITCH_PAYMENT_LOOKBACK_HOURS),
    )


def _since(watermark: str | None, back: timedelta, settings: EngineSettings) -> datetime | None:
    start = settings.start_date
    if watermark is None:
        return start
    mark = datetime.fromisoformat(watermark)
    # Subtract in UTC: aware arithmetic in a DST zone is wall-clock arithmetic.
    since = (mark.astimezone(timezone.utc) - back).astimezone(mark.tzinfo)
    if start is not None and since < start:
        return start
    return since


def _advance(state: Mapping[str, Any], key: str, stamps: Iterable[datetime | None]) -> dict[str, Any]:
    new_state = dict(state)
    seen = [s for s in stamps if s is not None]
    if state.get(key) is not None:
        seen.append(datetime.fromisoformat(state[key]))
    if seen:
        new_state[key] = max(seen).isoformat()
    return new_state

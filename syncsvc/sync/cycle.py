"""One incremental sync cycle.

Watermarks -> orders and invoices changed since the order window, payments in
the payment window (by PayDate and by Id) -> their order ids, plus orders
still held or failed -> batches -> plan -> execute. Watermarks then move to
the highest values actually read, never to "now".
"""

from __future__ import annotations

from datetime import datetime, timezone

from syncsvc.config import SyncSettings
from syncsvc.engine import cursors
from syncsvc.infusionsoft.source import OrderSource
from syncsvc.store.state import StateStore
from syncsvc.sync.processing import OrderSync, SyncSummary, not_before, run_record

WATERMARKS = (cursors.ORDERS_THROUGH, cursors.PAYMENTS_THROUGH, cursors.PAYMENTS_MAX_ID)
RETRIED_KINDS = ("error", "held")
_EVERYTHING = datetime(2000, 1, 1, tzinfo=timezone.utc)


def read_watermarks(state: StateStore) -> dict:
    with state.unit() as uow:
        marks = {name: uow.watermark(name) for name in WATERMARKS}
    if marks[cursors.PAYMENTS_MAX_ID] is not None:
        marks[cursors.PAYMENTS_MAX_ID] = int(marks[cursors.PAYMENTS_MAX_ID])
    return {k: v for k, v in marks.items() if v is not None}


def run_cycle(source: OrderSource, qb, state: StateStore, settings: SyncSettings) -> SyncSummary:
    """Sync everything that changed since the last cycle; returns the run's summary."""
    summary = SyncSummary()
    run_record(state, summary, lambda: _cycle(OrderSync(source, qb, state, settings), summary))
    return summary


def _cycle(sync: OrderSync, summary: SyncSummary) -> None:
    engine = sync.settings.engine
    source = sync.source
    marks = read_watermarks(sync.state)

    since = cursors.order_window(marks, engine) or _EVERYTHING
    orders = list(source.orders_changed_since(since))
    invoices = list(source.invoices_changed_since(since))
    window = cursors.payment_window(marks, engine)
    payments = []
    if window.dated_since is not None:
        payments += source.payments_since(window.dated_since)
    if window.id_above is not None or window.dated_since is None:
        payments += source.payments_after_id(window.id_above or 0)

    order_ids = {o.id for o in orders} | {i.order_id for i in invoices}
    known_invoices = {i.id for i in invoices}
    paid_invoice_ids = {p.invoice_id for p in payments if p.invoice_id} - known_invoices
    if paid_invoice_ids:
        order_ids |= {i.order_id for i in source.invoices_by_ids(paid_invoice_ids)}
    with sync.state.unit() as uow:
        retried = {i.subject_id for i in uow.open_issues() if i.subject == "order" and i.kind in RETRIED_KINDS}

    missing = sync.sync(order_ids | retried, summary, keep=not_before(engine.start_date))
    with sync.state.unit() as uow:
        for order_id in missing & retried:  # deleted in Infusionsoft since: nothing left to post
            uow.resolve_issue("order", order_id)

    new_marks = cursors.advance_orders(marks, [o.last_updated for o in orders] + [i.last_updated for i in invoices])
    new_marks = cursors.advance_payments(new_marks, payments)
    with sync.state.unit() as uow:
        for name, value in new_marks.items():
            if value is not None and value != marks.get(name):
                uow.set_watermark(name, str(value))
    summary.watermarks = {k: str(v) for k, v in new_marks.items()}

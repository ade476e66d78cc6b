"""One incremental sync cycle.

Watermarks -> orders and invoices changed since the order window, payments in
the payment window (by PayDate and by Id) -> their order ids, plus orders
still held or failed -> batches -> plan -> execute. Watermarks then move to
the highest values actually read, never to "now".
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import Callable

from syncsvc import stopping
from syncsvc.config import API_NAMES, SyncSettings
from syncsvc.engine import cursors
from syncsvc.infusionsoft.source import OrderSource
from syncsvc.store.state import StateStore
from syncsvc.sync import deleted
from syncsvc.sync.processing import OrderSync, SyncSummary, never_stop, no_progress, not_before, run_record

WATERMARKS = (cursors.ORDERS_THROUGH, cursors.PAYMENTS_THROUGH, cursors.PAYMENTS_MAX_ID)
RETRIED_KINDS = ("error", "held")
log = logging.getLogger(__name__)
_EVERYTHING = datetime(2000, 1, 1, tzinfo=timezone.utc)


def read_watermarks(state: StateStore) -> dict:
    with state.unit() as uow:
        marks = {name: uow.watermark(name) for name in WATERMARKS}
    if marks[cursors.PAYMENTS_MAX_ID] is not None:
        marks[cursors.PAYMENTS_MAX_ID] = int(marks[cursors.PAYMENTS_MAX_ID])
    return {k: v for k, v in marks.items() if v is not None}


def run_cycle(source: OrderSource, qb, state: StateStore, settings: SyncSettings,
              progress: Callable[[int, int], None] = no_progress,
              should_stop: Callable[[], bool] = never_stop) -> SyncSummary:
    """Sync everything that changed since the last cycle; returns the run's summary.
    `progress(done, total)` follows the orders as they are dealt with. `should_stop()` is asked
    between orders: once true, the run ends after the order in hand and the watermarks stay put
    (so the next run reads the unfinished orders again). The clients' waits (throttling, backoff, rate
    limits) hear it too: a stop during one ends the run at once, the order in hand left for the next run."""
    summary = SyncSummary()
    with stopping.stop_on(None if should_stop is never_stop else should_stop):
        run_record(state, summary, lambda: _cycle(OrderSync(source, qb, state, settings), summary, progress,
                                                   should_stop))
    return summary


def _cycle(sync: OrderSync, summary: SyncSummary, progress: Callable[[int, int], None] = no_progress,
           should_stop: Callable[[], bool] = never_stop) -> None:
    engine = sync.settings.engine
    source = sync.source
    marks = read_watermarks(sync.state)
    api = source.api
    with sync.state.unit() as uow:
        read_through = uow.watermark(cursors.READ_THROUGH_API)
    switched = read_through is not None and read_through != api and bool(marks)
    if switched:
        engine = cursors.after_api_switch(engine)
    # Once a day: which posted orders has Keap deleted since (they are never read again otherwise)?
    deleted.check_posted_orders(source, sync.qb, sync.state, summary)

    # The scans stream: only ids and the watermark maxima are kept, so a backfill of a
    # large account does not hold every order, invoice and payment in memory at once.
    since = cursors.order_window(marks, engine) or _EVERYTHING
    order_ids: set[int] = set()
    known_invoices: set[int] = set()
    updated = _Latest()
    for order in source.orders_changed_since(since):
        order_ids.add(order.id)
        updated.see(order.last_updated)
    for invoice in source.invoices_changed_since(since):
        order_ids.add(invoice.order_id)
        known_invoices.add(invoice.id)
        updated.see(invoice.last_updated)
    window = cursors.payment_window(marks, engine)
    scans = []
    if window.dated_since is not None:  # which orders they pay is all the scan needs (details=False)
        scans.append(source.payments_since(window.dated_since, details=False))
    if window.id_above is not None or window.dated_since is None:
        scans.append(source.payments_after_id(window.id_above or 0, details=False))
    paid_invoice_ids: set[int] = set()
    last_dated, highest_id = None, None  # the payments that carry the new payment watermarks
    orphans: set[int] = set()  # payments naming no order nor invoice (REST v2, once their order is deleted)
    for payment in (p for scan in scans for p in scan):
        if payment.order_id:  # REST v2 names the order; XML-RPC only the invoice
            order_ids.add(payment.order_id)
        elif payment.invoice_id:
            paid_invoice_ids.add(payment.invoice_id)
        else:
            orphans.add(payment.id)
        if payment.pay_date is not None and (last_dated is None or payment.pay_date > last_dated.pay_date):
            last_dated = payment
        if highest_id is None or payment.id > highest_id.id:
            highest_id = payment
    paid_invoice_ids -= known_invoices
    if paid_invoice_ids:
        found = source.invoices_by_ids(paid_invoice_ids)
        order_ids |= {i.order_id for i in found}
        # A payment whose invoice is gone: if that invoice was posted, its order is asked for, found
        # missing, and noted as deleted in Keap.
        order_ids |= deleted.orders_of_invoices(sync.state, paid_invoice_ids - {i.id for i in found})
    if orphans:  # posted once: their order is asked for, found missing, and noted as deleted in Keap
        order_ids |= deleted.orders_of_payments(sync.state, orphans)
    with sync.state.unit() as uow:
        retried = uow.open_issue_ids("order", RETRIED_KINDS)

    missing = sync.sync(order_ids | retried, summary, keep=not_before(engine.start_date), progress=progress,
                        should_stop=should_stop)
    # Deleted in Keap since: a posted one becomes a "deleted" issue naming its QuickBooks document; one
    # never posted (held, failed) has nothing left to post.
    noted = deleted.note_deleted(sync.state, missing, summary)
    with sync.state.unit() as uow:
        for order_id in (missing & retried) - set(noted):
            uow.resolve_issue("order", order_id)
    if summary.stopped or summary.unread_batches:
        return  # the watermarks stay: the next run reads what this one did not finish again

    new_marks = cursors.advance_orders(marks, [updated.value])
    new_marks = cursors.advance_payments(new_marks, [p for p in (last_dated, highest_id) if p is not None])
    with sync.state.unit() as uow:
        for name, value in new_marks.items():
            if value is not None and value != marks.get(name):
                uow.set_watermark(name, str(value))
        if read_through != api:
            uow.set_watermark(cursors.READ_THROUGH_API, api)
    if switched:
        # Said once the move has worked: a cycle that fails says only why it failed.
        log.warning("connection %s now reads Keap through %s (it read through %s before): this cycle re-read %d h of "
                    "orders and %d h of payments once; nothing already in QuickBooks was posted again",
                    sync.state.connection, API_NAMES.get(api, api), API_NAMES.get(read_through, read_through),
                    cursors.SWITCH_ORDER_OVERLAP_MINUTES // 60, cursors.SWITCH_PAYMENT_LOOKBACK_HOURS)
    summary.watermarks = {k: str(v) for k, v in new_marks.items()}


class _Latest:
    """The highest non-None datetime seen."""

    def __init__(self) -> None:
        self.value: datetime | None = None

    def see(self, stamp: datetime | None) -> None:
        if stamp is not None and (self.value is None or stamp > self.value):
            self.value = stamp

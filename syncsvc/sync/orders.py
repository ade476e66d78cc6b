"""Re-sync named orders now, whatever the watermarks or earlier errors (`syncsvc sync --orders`)."""

from __future__ import annotations

from typing import Callable, Iterable

from syncsvc.config import SyncSettings
from syncsvc.infusionsoft.source import OrderSource
from syncsvc.store.state import StateStore
from syncsvc.sync import deleted
from syncsvc.sync.processing import OrderSync, SyncSummary, no_progress, run_record


def sync_orders(source: OrderSource, qb, state: StateStore, settings: SyncSettings,
                order_ids: Iterable[int], progress: Callable[[int, int], None] = no_progress) -> SyncSummary:
    """Sync exactly these orders (by order id) and their payments; watermarks do not move.
    Items are read from QuickBooks afresh, so an item fixed since is used."""
    summary = SyncSummary()
    ids = sorted(set(order_ids))

    def run() -> None:
        sync = OrderSync(source, qb, state, settings)
        missing = sync.sync(ids, summary, progress=progress)
        noted = deleted.note_deleted(state, missing, summary)  # posted, then deleted in Keap
        for order_id in sorted(missing):
            reason = noted.get(order_id) or (
                f"order {order_id} was not found in Infusionsoft (order ids are the invoice numbers)")
            summary.failed[order_id] = reason
            summary.counts["errors"] += 1

    run_record(state, summary, run)
    return summary


def serve_queued_resyncs(source: OrderSource, qb, state: StateStore,
                         settings: SyncSettings) -> SyncSummary | None:
    """Re-sync the orders `syncsvc sync --orders` queued while a daemon held the connection; None when none
    are queued. The requests are dropped once served (failed orders stay open issues, retried each cycle)."""
    queued = state.queued_resyncs()
    if not queued:
        return None
    summary = sync_orders(source, qb, state, settings, [request.order_id for request in queued])
    state.clear_resyncs(queued)
    return summary

"""Sync a set of order ids: bulk-read in batches, plan each order, execute, record, count.

Shared by the incremental cycle and the re-sync of named orders. Each order is
planned and executed inside its own unit of work; an order that fails is
recorded with its reason and the others go on.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Callable, Iterable

from syncsvc.config import SyncSettings
from syncsvc.engine import customers as customer_rules
from syncsvc.engine.actions import CreateCustomer
from syncsvc.engine.plan import OrderBundle, OrderPlan, plan_order
from syncsvc.infusionsoft.source import OrderSource
from syncsvc.stopping import Stopped
from syncsvc.store.state import StateStore
from syncsvc.sync.ahead import ReadAhead
from syncsvc.sync.batched import RUN_STOPPERS, BatchedOrders
from syncsvc.sync.executor import ERROR, HELD, POSTED, SKIPPED, OrderOutcome, PlanExecutor
from syncsvc.sync.posted import posted_state
from syncsvc.sync.preload import ReadBatch, ReadBatches
from syncsvc.sync.resolve import QboDirectory
from syncsvc.sync.writes import Steps, run_alone

log = logging.getLogger(__name__)

COUNT_KEYS = ("orders", "invoices", "sales_receipts", "updated", "payments", "duplicates_avoided",
              "customers_created", "items_created", "unknown_items", "held", "skipped", "errors")


@dataclass
class SyncSummary:
    """What one run did: counts (see COUNT_KEYS, plus customers_by_<rule>) and the orders not posted."""

    run_id: int | None = None
    counts: Counter = field(default_factory=Counter)
    failed: dict[int, str] = field(default_factory=dict)  # order id -> reason (errors)
    held: dict[int, str] = field(default_factory=dict)
    watermarks: dict[str, str] = field(default_factory=dict)
    stopped: bool = False  # asked to stop between orders; the rest waits for the next run
    # Batches whose bulk reads QuickBooks kept refusing: their orders are recorded as errors (retried next
    # run) and the cycle leaves its watermarks where they were.
    unread_batches: int = 0

    @property
    def ok(self) -> bool:
        return not self.failed

    def as_dict(self) -> dict:
        counts = {key: self.counts.get(key, 0) for key in COUNT_KEYS}
        counts.update({k: v for k, v in sorted(self.counts.items()) if k not in counts})
        return {"run_id": self.run_id, "counts": counts, "failed": self.failed, "held": self.held,
                "watermarks": self.watermarks}

    def line(self) -> str:
        c = self.counts
        rules = ", ".join(f"{k[len('customers_by_'):]} {v}" for k, v in sorted(c.items())
                          if k.startswith("customers_by_"))
        text = (f"{c['orders']} orders: {c['invoices']} invoices, {c['sales_receipts']} sales receipts, "
                f"{c['updated']} updated, {c['payments']} payments, {c['duplicates_avoided']} duplicates avoided, "
                f"{c['customers_created']} customers created, {c['unknown_items']} unknown-item lines, "
                f"{c['held']} held, {c['skipped']} skipped, {c['payments_skipped']} payments skipped, "
                f"{c['errors']} errors")
        if rules:
            text += f" (customers matched: {rules})"
        if c["refund_receipts"] or c["credit_memos"]:
            text += f"; refunds booked: {c['refund_receipts']} refund receipts, {c['credit_memos']} credit memos"
        if c["deleted_in_keap"]:
            text += (f"; {c['deleted_in_keap']} posted orders deleted in Keap (void them in QuickBooks if the "
                     f"sale did not happen: see syncsvc status)")
        if self.stopped:
            text += "; stopped early (the rest follows next run)"
        if self.failed:
            text += "; " + self.failures()  # last: `syncsvc status` shows a failed run's message from here on
        return text

    def failures(self, shown: int = 3, width: int = 160) -> str:
        """`4 orders failed: 1001 (reason), 1002 (reason), 1003 (reason) and 1 more`: which orders failed
        and why, the first few, each reason on one line and cut to `width` characters."""
        ids = sorted(self.failed)
        named = []
        for order_id in ids[:shown]:
            reason = " ".join(str(self.failed[order_id]).split()) or "no reason given"
            named.append(f"{order_id} ({reason if len(reason) <= width else reason[:width - 3] + '...'})")
        more = f" and {len(ids) - shown} more" if len(ids) > shown else ""
        return f"{len(ids)} order{'s' if len(ids) != 1 else ''} failed: {', '.join(named)}{more}"


def no_progress(done: int, total: int) -> None:
    """The default progress callback: report nothing."""


def never_stop() -> bool:
    """The default stop check: run to the end."""
    return False


class OrderSync:
    """Everything one run needs: the source, a QuickBooks client, the state store and settings."""

    def __init__(self, source: OrderSource, qb, state: StateStore, settings: SyncSettings) -> None:
        self.source = source
        self.qb = qb
        self.state = state
        self.settings = settings
        self.directory = QboDirectory(qb)
        self.executor = PlanExecutor(qb, self.directory, settings)
        qb_settings = getattr(getattr(qb, "company", None), "settings", None)
        self.batched = None  # writes one request each
        if qb_settings is not None and qb_settings.batch_writes and qb_settings.batch_size > 1:
            self.batched = BatchedOrders(qb, state, self._begin, self._finish, self._fail, qb_settings.batch_size)

    def sync(self, order_ids: Iterable[int], summary: SyncSummary,
             keep: Callable[[OrderBundle], bool] = lambda bundle: True,
             progress: Callable[[int, int], None] = no_progress,
             should_stop: Callable[[], bool] = never_stop) -> set[int]:
        """Sync these orders (batch by batch); returns the ids Infusionsoft did not return.
        `progress(done, total)` is called as each batch and order is dealt with. When `should_stop()`
        turns true it returns between orders with `summary.stopped` set."""
        self._summary = summary  # what _finish and _fail count into
        self._first_rules: dict[int, str] = {}
        try:
            return self._sync(order_ids, summary, keep, progress, should_stop)
        finally:
            self.state.forget_batch()  # what the last batch learnt is not kept past this run

    def _sync(self, order_ids: Iterable[int], summary: SyncSummary, keep: Callable[[OrderBundle], bool],
              progress: Callable[[int, int], None], should_stop: Callable[[], bool]) -> set[int]:
        ids = sorted(set(order_ids))
        done = 0
        progress(0, len(ids))
        missing: set[int] = set()
        size = self.settings.batch_size
        chunks = [ids[start:start + size] for start in range(0, len(ids), size)]
        batches = ReadBatches(self.source, self.qb, self.state, self.settings, keep)
        # Each read batch is read while the one before it syncs, its QuickBooks answers kept apart until
        # its turn (preload.py).
        with ReadAhead(chunks, lambda chunk: partial(batches.read, chunk, self.directory.ahead())) as reads:
            for chunk in chunks:
                if should_stop():
                    summary.stopped = True
                    return missing
                batch = reads.next(self._adopt)
                missing.update(set(chunk) - set(batch.bundles))
                wanted = batch.wanted
                done += len(chunk) - len(wanted)  # missing or kept out: nothing to do for them
                progress(done, len(ids))

                def one_done() -> None:
                    nonlocal done
                    done += 1
                    progress(done, len(ids))

                if batch.refused is not None:
                    summary.unread_batches += 1
                    for bundle in wanted:
                        self._not_read(bundle, batch.refused, summary)
                        one_done()
                elif self.batched is not None and len(wanted) > 1:
                    if self.batched.run(wanted, one_done, should_stop):
                        summary.stopped = True
                        return missing
                else:
                    for bundle in wanted:
                        if should_stop():
                            summary.stopped = True
                            return missing
                        self._one(bundle)
                        one_done()
        return missing

    def _adopt(self, batch: ReadBatch) -> ReadBatch:
        """The read batch's turn: what it learnt becomes what the run knows (its QuickBooks answers only
        when all of them came: otherwise its orders are not synced now)."""
        self.state.adopt_batch(batch.absent)
        if batch.refused is None:
            self.directory.adopt(batch.directory)
        return batch

    def _not_read(self, bundle: OrderBundle, reason: str, summary: SyncSummary) -> None:
        order_id = bundle.order.id
        summary.counts["orders"] += 1
        summary.counts["errors"] += 1
        summary.failed[order_id] = reason
        with self.state.unit() as uow:
            uow.record_issue("order", order_id, "error", reason)

    def _one(self, bundle: OrderBundle) -> None:
        """Sync one order, each write its own request."""
        try:
            with self.state.order_unit() as uow:
                plan, rule, steps = self._begin(bundle, uow)
                outcome = run_alone(steps, self.qb, uow)
        except RUN_STOPPERS:
            # The whole run stops (the connection paused, this process lost it, or a stop came while a client
            # waited), not this one order: a stopped order is not an error, the next run takes it again.
            raise
        except Exception as exc:  # noqa: BLE001 - recorded and reported; the run goes on
            self._fail(bundle, exc)
        else:
            self._finish(bundle, plan, rule, outcome)

    def _begin(self, bundle: OrderBundle, uow) -> tuple[OrderPlan, str, Steps]:
        """Plan the order from what is posted; the plan, the rule that matched its customer, its execution."""
        posted = posted_state(uow, bundle, self.directory, self.settings.engine)
        plan = plan_order(bundle, posted, self.settings.engine)
        resolution = posted.customer
        customer_id = resolution.customer_id if isinstance(resolution, customer_rules.Matched) else None
        # An order planned again after waiting for another (batched.py) finds the link its first planning
        # made (a match by email, name, ...): that match is the rule that counts.
        rule = getattr(resolution, "rule", "")
        if isinstance(resolution, customer_rules.Matched) and rule != "linked":
            self._first_rules.setdefault(bundle.order.id, rule)
        rule = self._first_rules.get(bundle.order.id, rule)
        # Writes of an order a stop leaves half done are counted too (the next run does only the rest).
        return plan, rule, self.executor.steps(plan, bundle, uow, customer_id or None,
                                               stopped_midway=self._summary.counts.update)

    def _fail(self, bundle: OrderBundle, exc: Exception) -> None:
        """The order failed outside the executor's own rules: recorded as an error; the run goes on."""
        order_id = bundle.order.id
        self._first_rules.pop(order_id, None)
        log.warning("order %s failed: %s", order_id, exc)
        outcome = OrderOutcome(order_id, ERROR, f"{type(exc).__name__}: {exc}")
        with self.state.unit() as uow:
            uow.record_issue("order", order_id, "error", outcome.reason)
        self._count(outcome)

    def _finish(self, bundle: OrderBundle, plan: OrderPlan, rule: str, outcome: OrderOutcome) -> None:
        self._first_rules.pop(bundle.order.id, None)
        if outcome.status == POSTED:
            rule = "created" if any(isinstance(a, CreateCustomer) for a in plan.actions) else rule
            self._summary.counts[f"customers_by_{rule}"] += 1
        self._count(outcome)

    def _count(self, outcome: OrderOutcome) -> None:
        summary, order_id = self._summary, outcome.order_id
        summary.counts["orders"] += 1
        summary.counts.update(outcome.counts)
        if outcome.status == ERROR:
            summary.counts["errors"] += 1
            summary.failed[order_id] = outcome.reason
        elif outcome.status == HELD:
            summary.counts["held"] += 1
            summary.held[order_id] = outcome.reason
        elif outcome.status == SKIPPED:
            summary.counts["skipped"] += 1


def run_record(state: StateStore, summary: SyncSummary, started: Callable[[], None]) -> None:
    """Run `started` between start_run and finish_run, recording counts, status and a message: the
    summary line, which ends with the failed orders and their reasons when any failed; or, when `started`
    raised, the exception's one line (and the orders that had failed before it)."""
    summary.run_id = state.start_run()
    status, message = "failed", ""
    try:
        try:
            started()
        except Stopped as exc:  # asked to stop while a client waited (throttled, backing off): ends as stopped
            log.info("stopping: %s", exc)
            summary.stopped = True
        status = "stopped" if summary.stopped else "ok" if summary.ok else "failed"
        message = summary.line()
    except BaseException as exc:  # the run stops here; KeyboardInterrupt and SystemExit say so too
        message = " ".join(f"{type(exc).__name__}: {exc}".split()).removesuffix(":")
        if summary.failed:
            message += "; " + summary.failures()
        raise
    finally:
        state.finish_run(summary.run_id, status, summary.as_dict()["counts"], message)


def not_before(start: datetime | None) -> Callable[[OrderBundle], bool]:
    """Orders created before [sync].start_date are never posted by the cycle."""
    if start is None:
        return lambda bundle: True
    return lambda bundle: bundle.order.date_created is None or bundle.order.date_created >= start

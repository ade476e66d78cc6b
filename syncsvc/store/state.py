"""The state repository: what the sync reads and records, one connection at a time.

A unit of work (`with state.unit() as uow:`) is one transaction. An order's unit
(`state.order_unit()`) is different: it spans the order's QuickBooks calls, so each
of its writes is committed at once and no write transaction (SQLite's one write
lock) is held across a network call, where it would keep the lease keeper, `link`
and a queued re-sync waiting. Each QuickBooks answer is therefore recorded as soon
as it arrives; a crash between a QuickBooks write and its record is the only gap,
and the QuickBooks layer closes that gap by looking documents up by natural key.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from typing import Iterable, Iterator, Protocol

from sqlalchemy import delete, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from syncsvc.errors import SyncsvcError
from syncsvc.store.db import stored_utc
from syncsvc.store.queue_models import ResyncRequest
from syncsvc.store.request_models import RefusedRequest

from syncsvc.store.sync_models import (
    CustomerLink,
    ItemLink,
    SyncedDocument,
    SyncedPayment,
    SyncedRefund,
    SyncIssue,
    SyncRun,
    Watermark,
)


_IN_CHUNK = 500  # ids per IN list


def _now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class QueuedResync:
    order_id: int
    requested_at: datetime
    requested_by: str


@dataclass(frozen=True)
class OpenIssue:
    subject: str
    subject_id: int
    kind: str
    reason: str
    attempts: int
    last_seen: datetime


class LeaseLost(SyncsvcError):
    """This process no longer holds the connection's lease: it must not write to QuickBooks (another
    process may be posting the same orders). The run stops; the lease's new holder carries on."""


class Fence(Protocol):
    """The lease a process must still hold to write (syncsvc/service/locking.py, LeaseFence)."""

    def verify(self, session: Session) -> bool:
        """Raise when the lease is no longer ours; True when it had lapsed (we may have been paused)."""


class Absent:
    """What the state holds nothing of, for the orders of one read batch, from a few bulk reads
    (`StateStore.study_batch`): the per-order reads of those orders then cost no query. A write under
    a key drops it from here, so what this process records is read back from the database. (Only the
    process holding the connection's lease writes these records. Customer links are not kept here:
    `syncsvc link` writes them beside a running sync.)"""

    def __init__(self) -> None:
        self.documents: set[int] = set()  # order ids with no document recorded
        self.payments: set[int] = set()  # order ids with no payment recorded
        self.refunds: set[int] = set()  # order ids with no refund recorded
        self.issues: set[tuple[str, int]] = set()  # (subject, id) with no issue row, open or resolved


class UnitOfWork:
    """Reads and writes for one connection: inside one transaction, or (`commit_each_write`) each write
    committed as it is made."""

    def __init__(self, session: Session, connection: str, fence: Fence | None = None,
                 commit_each_write: bool = False, absent: Absent | None = None) -> None:
        self.session = session
        self.connection = connection
        self.fence = fence
        self.commit_each_write = commit_each_write
        self.absent = absent if absent is not None else Absent()

    def _written(self) -> None:
        if self.commit_each_write:
            self.session.commit()

    def end_transaction(self) -> None:
        """Commit what is open (reads included), so no transaction is held over the next network call."""
        if self.session.in_transaction():
            self.session.commit()

    def ensure_lease(self) -> bool:
        """Before a QuickBooks write: raise unless this process still holds the connection's lease.
        True when the lease had lapsed meanwhile (the process was paused): what QuickBooks holds should
        then be read afresh, not taken from the batch's reads. In an order's unit the check (and a renewal)
        is committed before the write goes out, so no transaction is open during it."""
        lapsed = self.fence.verify(self.session) if self.fence is not None else False
        self._written()
        return lapsed

    # -- watermarks -----------------------------------------------------------------

    def watermark(self, name: str) -> str | None:
        row = self.session.get(Watermark, (self.connection, name))
        return row.value if row else None

    def set_watermark(self, name: str, value: str) -> None:
        row = self.session.get(Watermark, (self.connection, name))
        if row is None:
            self.session.add(Watermark(connection=self.connection, name=name, value=value, updated_at=_now()))
        else:
            row.value, row.updated_at = value, _now()
        self._written()

    # -- documents and payments ---------------------------------------------------------

    def document(self, order_id: int) -> SyncedDocument | None:
        if order_id in self.absent.documents:
            return None
        return self.session.scalar(
            select(SyncedDocument).where(SyncedDocument.connection == self.connection, SyncedDocument.order_id == order_id)
        )

    def record_document(
        self, *, order_id: int, invoice_id: int, qbo_type: str, qbo_id: str, doc_number: str,
        total: Decimal, content_hash: str,
    ) -> None:
        row = self.document(order_id)
        if row is None:
            row = SyncedDocument(connection=self.connection, order_id=order_id)
            self.session.add(row)
        row.invoice_id, row.qbo_type, row.qbo_id, row.doc_number = invoice_id, qbo_type, qbo_id, doc_number
        row.total, row.content_hash, row.synced_at = total, content_hash, _now()
        self.absent.documents.discard(order_id)
        self._written()

    def posted_payment_refs(self, order_id: int) -> dict[int, str]:
        """Infusionsoft payment id -> PaymentRefNum as posted, for this order's recorded payments."""
        if order_id in self.absent.payments:
            return {}
        rows = self.session.execute(
            select(SyncedPayment.payment_id, SyncedPayment.qbo_ref)
            .where(SyncedPayment.connection == self.connection, SyncedPayment.order_id == order_id)
        )
        return {payment_id: qbo_ref for payment_id, qbo_ref in rows}

    def payment_owners(self, qbo_refs: Iterable[str]) -> dict[str, int]:
        """PaymentRefNum as posted -> the Infusionsoft payment recorded with it, across the connection."""
        wanted = sorted(set(qbo_refs))
        owners: dict[str, int] = {}
        for start in range(0, len(wanted), _IN_CHUNK):
            rows = self.session.execute(
                select(SyncedPayment.qbo_ref, SyncedPayment.payment_id)
                .where(SyncedPayment.connection == self.connection, SyncedPayment.qbo_ref.in_(wanted[start:start + _IN_CHUNK]))
            )
            owners.update({qbo_ref: payment_id for qbo_ref, payment_id in rows})
        return owners

    def payment_for_qbo_id(self, qbo_id: str, invoice_id: int) -> int | None:
        """The Infusionsoft payment of this Infusionsoft invoice recorded as QuickBooks payment `qbo_id`, if
        any (by invoice: a sales receipt's payments are recorded under the receipt's id, another sequence)."""
        return self.session.scalar(select(SyncedPayment.payment_id).where(
            SyncedPayment.connection == self.connection, SyncedPayment.qbo_id == qbo_id,
            SyncedPayment.invoice_id == invoice_id).limit(1))

    def paid_on_order(self, order_id: int) -> Decimal:
        """What the order's recorded payments add up to."""
        if order_id in self.absent.payments:
            return Decimal(0)
        total = self.session.scalar(select(func.sum(SyncedPayment.amount)).where(
            SyncedPayment.connection == self.connection, SyncedPayment.order_id == order_id))
        return Decimal(total or 0)

    def record_payment(
        self, *, payment_id: int, order_id: int, invoice_id: int, ref_num: str, qbo_ref: str, qbo_id: str, amount: Decimal,
    ) -> None:
        self.session.add(SyncedPayment(
            connection=self.connection, payment_id=payment_id, order_id=order_id, invoice_id=invoice_id,
            ref_num=ref_num, qbo_ref=qbo_ref, qbo_id=qbo_id, amount=amount, synced_at=_now(),
        ))
        self.absent.payments.discard(order_id)
        self._written()

    def posted_refunds(self, order_id: int) -> frozenset[int]:
        """The order's Keap refunds recorded as booked in QuickBooks (refund payment ids)."""
        if order_id in self.absent.refunds:
            return frozenset()
        return frozenset(self.session.scalars(select(SyncedRefund.refund_payment_id).where(
            SyncedRefund.connection == self.connection, SyncedRefund.order_id == order_id)))

    def refunds(self, order_id: int) -> list[SyncedRefund]:
        if order_id in self.absent.refunds:
            return []
        return list(self.session.scalars(select(SyncedRefund).where(
            SyncedRefund.connection == self.connection, SyncedRefund.order_id == order_id)
            .order_by(SyncedRefund.refund_payment_id)))

    def record_refund(
        self, *, refund_payment_id: int, refunded_payment_id: int | None, order_id: int, invoice_id: int,
        qbo_type: str, qbo_id: str, doc_number: str, applied_qbo_id: str | None, amount: Decimal,
    ) -> None:
        self.session.add(SyncedRefund(
            connection=self.connection, refund_payment_id=refund_payment_id, refunded_payment_id=refunded_payment_id,
            order_id=order_id, invoice_id=invoice_id, qbo_type=qbo_type, qbo_id=qbo_id, doc_number=doc_number,
            applied_qbo_id=applied_qbo_id, amount=amount, synced_at=_now(),
        ))
        self.absent.refunds.discard(order_id)
        self._written()

    # -- requestids QuickBooks refused ---------------------------------------------------------

    def request_refused(self, request_id: str) -> bool:
        return self.session.get(RefusedRequest, (self.connection, request_id)) is not None

    def record_refused_request(self, request_id: str, what: str, reason: str) -> None:
        if not self.request_refused(request_id):
            self.session.add(RefusedRequest(connection=self.connection, request_id=request_id, what=what[:300],
                                            reason=reason, refused_at=_now()))
        self._written()

    # -- links ---------------------------------------------------------------------------

    def customer_link(self, contact_id: int) -> CustomerLink | None:
        return self.session.get(CustomerLink, (self.connection, contact_id))

    def link_customer(self, contact_id: int, qbo_customer_id: str, rule: str) -> None:
        row = self.customer_link(contact_id)
        if row is None:
            self.session.add(CustomerLink(connection=self.connection, contact_id=contact_id,
                                          qbo_customer_id=qbo_customer_id, rule=rule, linked_at=_now()))
        else:
            row.qbo_customer_id, row.rule, row.linked_at = qbo_customer_id, rule, _now()
        self._written()

    def item_link(self, product_id: int) -> ItemLink | None:
        return self.session.get(ItemLink, (self.connection, product_id))

    def link_item(self, product_id: int, qbo_item_id: str, rule: str) -> None:
        row = self.item_link(product_id)
        if row is None:
            self.session.add(ItemLink(connection=self.connection, product_id=product_id,
                                      qbo_item_id=qbo_item_id, rule=rule, linked_at=_now()))
        else:
            row.qbo_item_id, row.rule, row.linked_at = qbo_item_id, rule, _now()
        self._written()

    # -- issues ----------------------------------------------------------------------------

    def _issue(self, subject: str, subject_id: int) -> SyncIssue | None:
        if (subject, subject_id) in self.absent.issues:
            return None
        return self.session.scalar(select(SyncIssue).where(
            SyncIssue.connection == self.connection, SyncIssue.subject == subject, SyncIssue.subject_id == subject_id))

    def record_issue(self, subject: str, subject_id: int, kind: str, reason: str) -> int:
        """Open (or re-open) an issue; returns how many times it has been seen."""
        row, now = self._issue(subject, subject_id), _now()
        if row is None:
            row = SyncIssue(connection=self.connection, subject=subject, subject_id=subject_id,
                            kind=kind, reason=reason, attempts=1, first_seen=now, last_seen=now)
            self.session.add(row)
            self.absent.issues.discard((subject, subject_id))
        else:
            row.attempts = 1 if row.resolved_at else row.attempts + 1
            row.kind, row.reason, row.last_seen, row.resolved_at = kind, reason, now, None
        self._written()
        return row.attempts

    def resolve_issue(self, subject: str, subject_id: int) -> None:
        row = self._issue(subject, subject_id)
        if row is not None and row.resolved_at is None:
            row.resolved_at = _now()
            self._written()

    def issue_recorded(self, subject: str, subject_id: int, kind: str) -> bool:
        row = self._issue(subject, subject_id)
        return row is not None and row.resolved_at is None and row.kind == kind

    def open_issues(self) -> list[OpenIssue]:
        rows = self.session.scalars(select(SyncIssue).where(
            SyncIssue.connection == self.connection, SyncIssue.resolved_at.is_(None)
        ).order_by(SyncIssue.subject, SyncIssue.subject_id))
        return [OpenIssue(r.subject, r.subject_id, r.kind, r.reason, r.attempts, r.last_seen) for r in rows]

    def open_issue_ids(self, subject: str, kinds: Iterable[str]) -> set[int]:
        """The subject ids of this connection's open issues of `subject` whose kind is one of `kinds`:
        filtered in SQL, only the id column read (open_issues() builds every open row, which a cycle
        does not need)."""
        kinds = _kind_list(kinds)
        if not kinds:
            return set()
        return set(self.session.scalars(select(SyncIssue.subject_id).where(
            SyncIssue.connection == self.connection, SyncIssue.resolved_at.is_(None),
            SyncIssue.subject == subject, SyncIssue.kind.in_(kinds))))

    def open_issue_keys(self, kinds: Iterable[str]) -> set[tuple[str, int]]:
        """(subject, subject id) of this connection's open issues, of any subject, whose kind is one of
        `kinds`; filtered in SQL like open_issue_ids()."""
        kinds = _kind_list(kinds)
        if not kinds:
            return set()
        rows = self.session.execute(select(SyncIssue.subject, SyncIssue.subject_id).where(
            SyncIssue.connection == self.connection, SyncIssue.resolved_at.is_(None),
            SyncIssue.kind.in_(kinds)))
        return {(subject, subject_id) for subject, subject_id in rows}


def _kind_list(kinds: Iterable[str]) -> list[str]:
    if isinstance(kinds, str):  # "held" would otherwise be read as the kinds "h", "e", "l", "d"
        raise TypeError("kinds is a collection of issue kinds, not one string")
    return sorted(set(kinds))


class StateStore:
    """Opens units of work and run records for one connection."""

    def __init__(self, engine: Engine, connection: str, fence: Fence | None = None) -> None:
        self.engine = engine
        self.connection = connection
        self.fence = fence
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self.absent = Absent()  # nothing known until a batch is adopted (adopt_batch)

    @contextmanager
    def unit(self, absent: Absent | None = None) -> Iterator[UnitOfWork]:
        """A unit of work in one transaction; `absent`: what is known absent for it (by default the
        current batch's, adopt_batch)."""
        with self._sessions.begin() as session:
            yield UnitOfWork(session, self.connection, self.fence, absent=self.absent if absent is None else absent)

    def adopt_batch(self, absent: Absent) -> None:
        """Make what `study_batch` found the current batch's knowledge, replacing the previous batch's."""
        self.absent = absent

    def study_batch(self, order_ids: Iterable[int], payment_ids: Iterable[int]) -> Absent:
        """Find out in a few bulk reads which of these orders and payments the state holds nothing of
        (see Absent), without making it the current batch's: a read batch is studied in another thread
        while the current one is synced. (Only the orders' own writes change it, and read batches never
        share an order or a payment.)"""
        orders, payments = sorted(set(order_ids)), sorted(set(payment_ids))
        absent = Absent()
        with self._sessions() as session:
            def present(column, ids, *where) -> set[int]:
                found: set[int] = set()
                for start in range(0, len(ids), _IN_CHUNK):
                    found.update(session.scalars(select(column).where(
                        column.class_.connection == self.connection, column.in_(ids[start:start + _IN_CHUNK]),
                        *where)))
                return found

            absent.documents = set(orders) - present(SyncedDocument.order_id, orders)
            absent.payments = set(orders) - present(SyncedPayment.order_id, orders)
            absent.refunds = set(orders) - present(SyncedRefund.order_id, orders)
            absent.issues = ({("order", i) for i in set(orders) - present(SyncIssue.subject_id, orders,
                                                                          SyncIssue.subject == "order")}
                             | {("payment", i) for i in set(payments) - present(SyncIssue.subject_id, payments,
                                                                                SyncIssue.subject == "payment")})
        return absent

    def forget_batch(self) -> None:
        self.absent = Absent()

    @contextmanager
    def order_unit(self) -> Iterator[UnitOfWork]:
        """The unit of one order's sync, which calls QuickBooks between its writes: each write is
        committed as it is made (what already happened in QuickBooks stays recorded when the order then
        fails), and the lease check before each QuickBooks write ends any transaction left open."""
        with self._sessions() as session:
            yield UnitOfWork(session, self.connection, self.fence, commit_each_write=True, absent=self.absent)
            session.commit()

    def start_run(self) -> int:
        with self._sessions.begin() as session:
            run = SyncRun(connection=self.connection, started_at=_now(), status="running", counts={}, message="")
            session.add(run)
            session.flush()
            return run.id

    def finish_run(self, run_id: int, status: str, counts: dict, message: str = "") -> None:
        with self._sessions.begin() as session:
            run = session.get(SyncRun, run_id)
            run.finished_at, run.status, run.counts, run.message = _now(), status, dict(counts), message

    def last_runs(self, limit: int = 10) -> list[SyncRun]:
        with self._sessions() as session:
            return list(session.scalars(
                select(SyncRun).where(SyncRun.connection == self.connection).order_by(SyncRun.id.desc()).limit(limit)))

    # -- re-sync requests left for the daemon ---------------------------------------------

    def queue_resync(self, order_ids, requested_by: str) -> None:
        """Ask the daemon to re-sync these orders at its next cycle (asking again refreshes the request)."""
        for attempt in (1, 2):
            try:
                with self._sessions.begin() as session:
                    for order_id in sorted(set(order_ids)):
                        row = session.get(ResyncRequest, (self.connection, order_id))
                        if row is None:
                            row = ResyncRequest(connection=self.connection, order_id=order_id)
                            session.add(row)
                        row.requested_at, row.requested_by = _now(), requested_by
                return
            except IntegrityError:  # another process queued one of them a moment ago: update it instead
                if attempt == 2:
                    raise

    def queued_resyncs(self) -> list[QueuedResync]:
        with self._sessions() as session:
            rows = session.scalars(select(ResyncRequest).where(ResyncRequest.connection == self.connection)
                                   .order_by(ResyncRequest.order_id))
            return [QueuedResync(r.order_id, stored_utc(r.requested_at), r.requested_by) for r in rows]

    def clear_resyncs(self, done: list[QueuedResync]) -> None:
        """Drop the requests a re-sync has served; one asked again since it started stays queued."""
        with self._sessions.begin() as session:
            for request in done:
                session.execute(delete(ResyncRequest).where(
                    ResyncRequest.connection == self.connection, ResyncRequest.order_id == request.order_id,
                    ResyncRequest.requested_at <= request.requested_at))

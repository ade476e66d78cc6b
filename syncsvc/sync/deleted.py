"""Orders deleted in Keap after they were posted: said, never undone in QuickBooks by us.

A posted order Keap no longer has leaves its QuickBooks document (and the payments applied to it)
booking a sale that may not have happened. syncsvc never voids or deletes anything in QuickBooks:
it records an open issue of kind "deleted" for the order, naming the QuickBooks document (type,
DocNumber, Id), and one for each payment posted on it (QuickBooks Payment Id, PaymentRefNum,
amount), so the bookkeeper can void them. Such an issue is not retried; it closes by itself once
the document (or payment) is voided or deleted in QuickBooks.

How a deletion is noticed. Keap says nothing when an order is deleted: a deleted order no longer
appears in "changed since" reads, so a posted order that is deleted may never be read again.
Three ways, cheapest first:

- an order the cycle asks for is missing: an order still held or failed (retried every cycle), a
  payment naming its order, `syncsvc sync --orders`;
- a payment Keap kept whose order is gone: through XML-RPC its invoice is gone, through REST v2 it
  names no order; when it (or its invoice) was posted, its order is asked for and found missing;
- once every POSTED_CHECK_HOURS (24), a cycle asks Keap which of the posted orders still exist,
  1000 ids per call and ids only (XML-RPC: Job Id IN; REST v2: listOrders ids==), so a day costs
  one Keap call per 1000 posted orders whatever happens. The same check reads the QuickBooks
  documents and payments of open "deleted" issues (one query per 100) to close those voided or
  deleted there since.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Iterable

from quickbooks.objects.invoice import Invoice
from quickbooks.objects.payment import Payment
from quickbooks.objects.salesreceipt import SalesReceipt
from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute

from syncsvc.quickbooks import lookups
from syncsvc.store.state import StateStore, UnitOfWork
from syncsvc.store.sync_models import SyncedDocument, SyncedPayment

log = logging.getLogger(__name__)

DELETED = "deleted"  # the issue kind
POSTED_CHECKED_AT = "posted_orders_checked_at"  # watermark: when the posted orders were last checked
POSTED_CHECK_HOURS = 24
CHECK_CHUNK = 1000  # order ids per Keap existence read
QBO_CHUNK = 100  # ids per QuickBooks IN query
STATE_CHUNK = 500  # ids per IN query on the state database
_TYPE_NAMES = {"Invoice": "Invoice", "SalesReceipt": "Sales Receipt"}
_ENTITIES = {"Invoice": Invoice, "SalesReceipt": SalesReceipt, "Payment": Payment}


@dataclass(frozen=True)
class PostedPayment:
    payment_id: int
    qbo_id: str
    qbo_ref: str
    amount: Decimal


def posted_payments(uow: UnitOfWork, order_id: int) -> list[PostedPayment]:
    rows = uow.session.execute(
        select(SyncedPayment.payment_id, SyncedPayment.qbo_id, SyncedPayment.qbo_ref, SyncedPayment.amount)
        .where(SyncedPayment.connection == uow.connection, SyncedPayment.order_id == order_id)
        .order_by(SyncedPayment.payment_id))
    return [PostedPayment(int(p), str(q), r or "", Decimal(a)) for p, q, r, a in rows]


def document_name(row: SyncedDocument) -> str:
    """`Invoice 1001 (Id 57)`: how a bookkeeper finds it in QuickBooks."""
    return f"{_TYPE_NAMES.get(row.qbo_type, row.qbo_type)} {row.doc_number} (Id {row.qbo_id})"


def deleted_order_reason(row: SyncedDocument, payments: list[PostedPayment]) -> str:
    applied = [p for p in payments if not _on_receipt(p, row)]
    with_payments = (f", with QuickBooks Payment{'s' if len(applied) > 1 else ''} "
                     f"{', '.join(p.qbo_id for p in applied)} applied to it" if applied else "")
    return (f"order {row.order_id} (Keap invoice {row.invoice_id}) was deleted in Keap after it was posted: "
            f"QuickBooks {document_name(row)}, {row.total}, still books it{with_payments}; void it in QuickBooks "
            f"if the sale did not happen (syncsvc never voids or deletes there)")


def deleted_refunds_note(refunds) -> str:
    """The refunds booked for a deleted order (sync/refunds.py), named so they are voided with it."""
    if not refunds:
        return ""
    named = ", ".join(f"{r.qbo_type} {r.doc_number} (Id {r.qbo_id}, {r.amount})" for r in refunds)
    return f"; its refunds are booked as QuickBooks {named}: void them with it"


def deleted_payment_reason(payment: PostedPayment, row: SyncedDocument) -> str:
    return (f"payment {payment.payment_id} of order {row.order_id}, deleted in Keap: QuickBooks Payment "
            f"{payment.qbo_id} (PaymentRefNum {payment.qbo_ref}, {payment.amount}) is still applied to "
            f"{document_name(row)}; void it in QuickBooks if the money was not received")


def note_deleted(state: StateStore, order_ids: Iterable[int], summary=None) -> dict[int, str]:
    """Of these orders Keap no longer has, the posted ones: record each as an open "deleted" issue naming
    its QuickBooks document, and each payment posted on it. Returns order id -> reason for every posted
    one (already noted or not); orders never posted are not returned."""
    noted: dict[int, str] = {}
    with state.unit() as uow:
        for order_id in sorted(set(order_ids)):
            row = uow.document(order_id)
            if row is None:
                continue
            payments = posted_payments(uow, order_id)
            reason = deleted_order_reason(row, payments) + deleted_refunds_note(uow.refunds(order_id))
            noted[order_id] = reason
            if uow.issue_recorded("order", order_id, DELETED):
                continue  # said already; still open
            uow.record_issue("order", order_id, DELETED, reason)
            for payment in payments:
                if not _on_receipt(payment, row):
                    uow.record_issue("payment", payment.payment_id, DELETED, deleted_payment_reason(payment, row))
            log.warning("%s", reason)
            if summary is not None:
                summary.counts["deleted_in_keap"] += 1
    return noted


def orders_of_invoices(state: StateStore, invoice_ids: Iterable[int]) -> set[int]:
    """The orders posted for these Keap invoice ids (an XML-RPC payment names only its invoice)."""
    return _posted_orders(state, SyncedDocument, SyncedDocument.invoice_id, invoice_ids)


def orders_of_payments(state: StateStore, payment_ids: Iterable[int]) -> set[int]:
    """The orders these Keap payments were posted for (a REST v2 payment whose order is deleted names none)."""
    return _posted_orders(state, SyncedPayment, SyncedPayment.payment_id, payment_ids)


def _posted_orders(state: StateStore, table: type[SyncedDocument] | type[SyncedPayment],
                   key: InstrumentedAttribute[int], ids: Iterable[int]) -> set[int]:
    """The order ids of this connection's rows of `table` whose `key` column holds one of `ids`."""
    wanted = sorted({int(i) for i in ids})
    found: set[int] = set()
    with state.unit() as uow:
        for start in range(0, len(wanted), STATE_CHUNK):
            found.update(uow.session.scalars(select(table.order_id).where(
                table.connection == uow.connection,
                key.in_(wanted[start:start + STATE_CHUNK]))))
    return found


def check_posted_orders(source, qb, state: StateStore, summary=None, now: datetime | None = None,
                        every: timedelta = timedelta(hours=POSTED_CHECK_HOURS)) -> bool:
    """When due (every `every`), ask Keap which posted orders still exist, note those gone, and close the
    "deleted" issues whose QuickBooks document or payment has been voided or deleted since. True if run."""
    now = now or datetime.now(timezone.utc)
    with state.unit() as uow:
        last = uow.watermark(POSTED_CHECKED_AT)
        if last is not None and now - _instant(last) < every:
            return False
        open_deleted = uow.open_issue_keys((DELETED,))
        posted = sorted(set(uow.session.scalars(select(SyncedDocument.order_id).where(
            SyncedDocument.connection == uow.connection))))
    ids = [order_id for order_id in posted if ("order", order_id) not in open_deleted]
    gone: set[int] = set()
    for start in range(0, len(ids), CHECK_CHUNK):
        chunk = ids[start:start + CHECK_CHUNK]
        gone |= set(chunk) - existing_order_ids(source, chunk)
    note_deleted(state, gone, summary)
    if open_deleted and qb is not None:
        close_voided(qb, state, open_deleted)
    with state.unit() as uow:
        uow.set_watermark(POSTED_CHECKED_AT, now.isoformat())
    return True


def existing_order_ids(source, order_ids: list[int]) -> set[int]:
    """Which of these order ids Keap still has: ids only where the source can (one call per 1000)."""
    ask = getattr(source, "existing_order_ids", None)
    if ask is not None:
        return set(ask(order_ids))
    return {order.id for order in source.orders_by_ids(order_ids)}


def close_voided(qb, state: StateStore, issues: set[tuple[str, int]]) -> int:
    """Resolve the "deleted" issues whose QuickBooks document or payment is gone or voided; returns how many."""
    wanted: dict[str, dict[str, tuple[str, int]]] = {}  # QBO entity -> QBO id -> issue key
    with state.unit() as uow:
        for subject, subject_id in sorted(issues):
            if subject == "order":
                row = uow.document(subject_id)
                if row is not None:
                    wanted.setdefault(row.qbo_type, {})[str(row.qbo_id)] = (subject, subject_id)
            elif subject == "payment":
                qbo_id = uow.session.scalar(select(SyncedPayment.qbo_id).where(
                    SyncedPayment.connection == uow.connection, SyncedPayment.payment_id == subject_id).limit(1))
                if qbo_id is not None:
                    wanted.setdefault("Payment", {})[str(qbo_id)] = (subject, subject_id)
    closed: list[tuple[str, int, str]] = []
    for entity, by_id in wanted.items():
        entity_cls = _ENTITIES.get(entity)
        if entity_cls is None:
            continue
        ids = sorted(by_id)
        alive: set[str] = set()
        for start in range(0, len(ids), QBO_CHUNK):
            chunk = ids[start:start + QBO_CHUNK]
            condition = f"Id IN ({', '.join(lookups.quote(i) for i in chunk)})"
            for found in lookups.paged(qb, entity_cls, [condition]):
                if not _voided(found):
                    alive.add(str(found.Id))
        closed += [(*by_id[i], f"{entity} {i}") for i in ids if i not in alive]
    with state.unit() as uow:
        for subject, subject_id, what in closed:
            uow.resolve_issue(subject, subject_id)
            log.info("%s %s: QuickBooks %s has been voided or deleted; issue closed", subject, subject_id, what)
    return len(closed)


def _on_receipt(payment: PostedPayment, row: SyncedDocument) -> bool:
    """A payment a sales receipt carries itself (recorded under the receipt's id): the receipt names it."""
    return row.qbo_type == "SalesReceipt" and payment.qbo_id == row.qbo_id


def _voided(found) -> bool:
    return Decimal(str(found.TotalAmt or 0)) == 0 and "voided" in (found.PrivateNote or "").casefold()


def _instant(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)

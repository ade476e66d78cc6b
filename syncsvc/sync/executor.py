"""Run one order's plan against QuickBooks, recording each write in the order's unit of work.

Actions run in the plan's order; ids the plan leaves open (a customer or item
created earlier in the plan, the invoice a payment applies to) are filled in
as the writes return. A write that fails stops the order: what already
succeeded stays recorded (the unit still commits) and the order is reported
with the reason, so the next cycle carries on from there.

Before a document is created, QuickBooks is checked for its DocNumber (read in
bulk per batch, so it costs no query per order, and without relying on QBO's
6140 duplicate-number error, which a company's preferences may switch off).
A document found there is adopted only when it carries this order's ids in its
memo (an earlier write of ours whose record was lost); it is then brought up
to date, never posted again. Any other document with that number holds the
order, because applying our payment to it would book money on someone else's
invoice.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field

from quickbooks.objects.invoice import Invoice
from quickbooks.objects.salesreceipt import SalesReceipt

from syncsvc.config import SyncSettings
from syncsvc.engine.actions import (
    CreateCustomer, CreateInvoice, CreateItem, CreatePayment, CreateSalesReceipt, Hold, Skip, UpdateInvoice,
    UpdateSalesReceipt,
)
from syncsvc.engine.documents import INVOICE, PlannedDocument
from syncsvc.engine.items import QboItem
from syncsvc.engine.numbering import ids_memo
from syncsvc.engine.payments import full_reference, short_reference
from syncsvc.engine.plan import OrderBundle, OrderPlan
from syncsvc.quickbooks import lookups, writers
from syncsvc.quickbooks.errors import DuplicateDocNumber, DuplicateName, QuickBooksReconnectRequired, StaleObject
from syncsvc.store.state import UnitOfWork
from syncsvc.sync.qbo_mapping import MoneyRefs, customer_from_draft, document_object, item_from_draft, payment_object
from syncsvc.sync.resolve import QboDirectory, qbo_customer, qbo_item

log = logging.getLogger(__name__)

POSTED, UNCHANGED, HELD, SKIPPED, ERROR = "posted", "unchanged", "held", "skipped", "error"


@dataclass
class OrderOutcome:
    order_id: int
    status: str = UNCHANGED
    reason: str = ""
    counts: Counter = field(default_factory=Counter)


class _Stop(Exception):
    """The order cannot go on (e.g. its DocNumber belongs to someone else): already recorded."""


class PlanExecutor:
    def __init__(self, qb, directory: QboDirectory, settings: SyncSettings) -> None:
        self.qb = qb
        self.directory = directory
        self.settings = settings

    def execute(self, plan: OrderPlan, bundle: OrderBundle, uow: UnitOfWork, customer_id: str | None) -> OrderOutcome:
        run = _Run(self, plan, bundle, uow, customer_id)
        try:
            run.all()
        except _Stop:
            pass
        except QuickBooksReconnectRequired:
            raise  # nothing can be posted: the cycle stops
        except Exception as exc:  # noqa: BLE001 - one bad order must not stop the run
            log.warning("order %s failed: %s", plan.order_id, exc, exc_info=log.isEnabledFor(logging.DEBUG))
            run.outcome.status, run.outcome.reason = ERROR, f"{type(exc).__name__}: {exc}"
            uow.record_issue("order", plan.order_id, "error", run.outcome.reason)
            return run.outcome
        run.finish()
        return run.outcome


class _Run:
    """One plan's execution state: the ids created so far and the outcome."""

    def __init__(self, executor: PlanExecutor, plan: OrderPlan, bundle: OrderBundle, uow: UnitOfWork,
                 customer_id: str | None) -> None:
        self.x, self.plan, self.bundle, self.uow = executor, plan, bundle, uow
        self.qb = executor.qb
        self.customer_id = customer_id
        self.item_ids: dict[str, str] = {}
        self.invoice_qbo_id: str | None = None
        self.outcome = OrderOutcome(plan.order_id)
        self.wrote = False

    def all(self) -> None:
        for action in self.plan.actions:
            getattr(self, f"_{type(action).__name__}")(action)

    def finish(self) -> None:
        o = self.outcome
        if o.status in (HELD, SKIPPED):
            return
        if self.wrote:
            o.status = POSTED
        if self.plan.warnings:
            self.uow.record_issue("order", self.plan.order_id, "warning", "; ".join(self.plan.warnings))
        elif not self.plan.waiting:
            self.uow.resolve_issue("order", self.plan.order_id)

    # -- writes --------------------------------------------------------------------------

    def _CreateCustomer(self, action: CreateCustomer) -> None:
        created = writers.create(self.qb, customer_from_draft(action.draft))
        self.customer_id = str(created.Id)
        self.x.directory.remember_customer(qbo_customer(created))
        self.uow.link_customer(action.draft.contact_id, self.customer_id, "created")
        self.outcome.counts["customers_created"] += 1
        self.wrote = True

    def _CreateItem(self, action: CreateItem) -> None:
        draft = action.draft
        try:
            created = writers.create(self.qb, item_from_draft(draft, self.x.directory.account_id(draft.income_account)))
        except DuplicateName:
            # Another item took the name meanwhile (or differs only in case): post on it.
            created = lookups.item_by_name(self.qb, draft.name)
            if created is None:
                raise
        item = qbo_item(created)
        self.x.directory.remember_item(item)
        self.item_ids[draft.name.casefold()] = item.id
        self.outcome.counts["items_created"] += 1
        self.wrote = True

    def _CreateInvoice(self, action: CreateInvoice) -> None:
        self._create_document(action.document, action.content_hash)

    def _CreateSalesReceipt(self, action: CreateSalesReceipt) -> None:
        self._create_document(action.document, action.content_hash)

    def _create_document(self, document: PlannedDocument, content_hash: str) -> None:
        entity_cls = Invoice if document.kind == INVOICE else SalesReceipt
        existing = self.x.directory.documents_by_doc_number(entity_cls, document.doc_number)
        if not existing:
            obj = document_object(document, self._customer(document.customer.qbo_id), self.item_ids,
                                  self._money(document))
            try:
                created = writers.create(self.qb, obj)
            except DuplicateDocNumber:  # created since the batch's bulk read
                existing = lookups.documents_by_doc_number(self.qb, entity_cls, document.doc_number)
            else:
                self._posted(document, str(created.Id), content_hash)
                self.outcome.counts["invoices" if document.kind == INVOICE else "sales_receipts"] += 1
                self.outcome.counts["unknown_items"] += self._unknown_lines(document)
                return
        # Our earlier write of this order whose record was lost (a crash, a lost answer, a restored state
        # database): brought up to date and recorded, never posted a second time.
        found = self._ours(existing, entity_cls, document)
        log.info("order %s: %s %s already in QuickBooks (Id %s); adopting it", document.order_id,
                 entity_cls.qbo_object_name, document.doc_number, found.Id)
        self._write_update(entity_cls, str(found.Id), document)
        self._posted(document, str(found.Id), content_hash)
        self.outcome.counts["duplicates_avoided"] += 1

    def _UpdateInvoice(self, action: UpdateInvoice) -> None:
        self._update_document(action.qbo_id, action.document, action.content_hash)

    def _UpdateSalesReceipt(self, action: UpdateSalesReceipt) -> None:
        self._update_document(action.qbo_id, action.document, action.content_hash)

    def _update_document(self, qbo_id: str, document: PlannedDocument, content_hash: str) -> None:
        self._write_update(Invoice if document.kind == INVOICE else SalesReceipt, qbo_id, document)
        self._posted(document, qbo_id, content_hash)
        self.outcome.counts["updated"] += 1
        self.outcome.counts["unknown_items"] += self._unknown_lines(document)

    def _posted(self, document: PlannedDocument, qbo_id: str, content_hash: str) -> None:
        """The document is in QBO as `qbo_id`: the plan's payments apply to it, and it is recorded."""
        self.invoice_qbo_id = qbo_id
        self._record_document(document, qbo_id, content_hash)
        if document.kind != INVOICE:
            self._record_receipt_payments(document, qbo_id)
        self.wrote = True

    def _write_update(self, entity_cls, qbo_id: str, document: PlannedDocument) -> None:
        obj = document_object(document, self._customer(document.customer.qbo_id), self.item_ids, self._money(document))
        for attempt in (1, 2):
            current = entity_cls.get(qbo_id, qb=self.qb)
            obj.Id, obj.SyncToken, obj.sparse = current.Id, current.SyncToken, False
            try:
                writers.update(self.qb, obj)
                return
            except StaleObject:
                if attempt == 2:  # someone keeps editing it in QBO: leave it for the next cycle
                    raise

    def _CreatePayment(self, action: CreatePayment) -> None:
        payment = action.payment
        invoice_id = action.invoice_qbo_id or self.invoice_qbo_id
        if invoice_id is None:
            raise RuntimeError(f"payment {payment.payment_id}: its invoice was not created in this plan")
        existing = self._payment_already_applied(payment.ref, invoice_id)
        if existing is not None:
            qbo_id = str(existing.Id)
            self.outcome.counts["duplicates_avoided"] += 1
        else:
            money = MoneyRefs(self._method_id(payment.method), self.x.directory.account_id(self.x.settings.deposit_account))
            created = writers.create(self.qb, payment_object(payment, self._customer(action.customer.qbo_id), invoice_id, money))
            self.x.directory.remember_payment(created)
            qbo_id = str(created.Id)
            self.outcome.counts["payments"] += 1
        self.uow.record_payment(
            payment_id=payment.payment_id, order_id=self.plan.order_id, invoice_id=payment.invoice_id,
            ref_num=payment.full_ref, qbo_ref=payment.ref, qbo_id=qbo_id, amount=payment.amount,
        )
        self.uow.resolve_issue("payment", payment.payment_id)
        self.wrote = True

    # -- non-writes ----------------------------------------------------------------------

    def _Hold(self, action: Hold) -> None:
        self._hold(action.reason)

    def _Skip(self, action: Skip) -> None:
        if action.payment_id is not None:
            self.uow.record_issue("payment", action.payment_id, "skipped", action.reason)
            self.outcome.counts["payments_skipped"] += 1
            return
        self.uow.record_issue("order", self.plan.order_id, "skipped", action.reason)
        self.outcome.status, self.outcome.reason = SKIPPED, action.reason

    def _hold(self, reason: str) -> None:
        self.uow.record_issue("order", self.plan.order_id, "held", reason)
        self.outcome.status, self.outcome.reason = HELD, reason

    # -- helpers -------------------------------------------------------------------------

    def _customer(self, qbo_id: str | None) -> str:
        customer_id = qbo_id or self.customer_id
        if not customer_id:
            raise RuntimeError("the plan posts to a customer that was not created")
        return customer_id

    def _money(self, document: PlannedDocument) -> MoneyRefs | None:
        if document.kind == INVOICE:
            return None
        method = document.receipt_payment.method if document.receipt_payment else ""
        return MoneyRefs(self._method_id(method), self.x.directory.account_id(self.x.settings.deposit_account))

    def _method_id(self, method: str) -> str | None:
        return self.x.directory.payment_method_id(method) if method else None

    def _ours(self, existing: list, entity_cls, document: PlannedDocument):
        """Among QBO documents holding our DocNumber, the one this order's earlier write made; else hold."""
        marker = ids_memo(document.order_id, document.invoice_id)
        for found in existing:
            if marker in (found.PrivateNote or ""):
                return found
        other = existing[0].Id if existing else "?"
        self._hold(
            f"order {document.order_id}: DocNumber {document.doc_number!r} is already used by QuickBooks "
            f"{entity_cls.qbo_object_name} {other}, which syncsvc did not create; set [sync].doc_number_prefix "
            f"(e.g. \"IS-\") so our numbers cannot clash, or renumber that {entity_cls.qbo_object_name} in QuickBooks"
        )
        raise _Stop()

    def _payment_already_applied(self, payment_ref: str, invoice_id: str):
        """A QBO payment with this reference applied to this invoice: an earlier write of ours."""
        for found in self.x.directory.payments_by_ref(payment_ref):
            for line in found.Line or []:
                if any(str(t.TxnId) == invoice_id and t.TxnType == "Invoice" for t in (line.LinkedTxn or [])):
                    return found
        return None

    def _record_document(self, document: PlannedDocument, qbo_id: str, content_hash: str) -> None:
        self.uow.record_document(
            order_id=document.order_id, invoice_id=document.invoice_id, qbo_type=document.kind, qbo_id=qbo_id,
            doc_number=document.doc_number, total=document.total, content_hash=content_hash,
        )

    def _record_receipt_payments(self, document: PlannedDocument, qbo_id: str) -> None:
        receipt = document.receipt_payment
        if receipt is None:
            return
        recorded = self.uow.payment_refs(document.order_id)
        by_id = {p.id: p for p in self.bundle.payments}
        for payment_id in receipt.payment_ids:
            payment = by_id.get(payment_id)
            if payment is None:
                continue
            full_ref = full_reference(payment, self.x.settings.engine)
            short = short_reference(full_ref)
            if short in recorded:
                continue
            recorded = recorded | {short}
            self.uow.record_payment(
                payment_id=payment.id, order_id=document.order_id, invoice_id=payment.invoice_id,
                ref_num=full_ref, qbo_ref=short, qbo_id=qbo_id, amount=payment.amount,
            )

    def _unknown_lines(self, document: PlannedDocument) -> int:
        unknown = self.x.settings.engine.unknown_item_name.casefold()
        return sum(1 for line in document.lines if line.item.name.casefold() == unknown)


__all__ = ["PlanExecutor", "OrderOutcome", "POSTED", "UNCHANGED", "HELD", "SKIPPED", "ERROR", "QboItem"]

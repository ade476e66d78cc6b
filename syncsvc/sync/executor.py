"""Run one order's plan against QuickBooks, recording each write in the order's unit of work.

The plan runs as a generator of its writes (`PlanExecutor.steps`, writes.py):
the caller sends them, one at a time or many orders' in QBO batch requests
(batched.py), and a fault comes back where the write was asked for.

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

A payment is adopted only when QuickBooks holds one under its reference (or
its distinct reference) on the same customer and invoice, for the same amount,
that no other Keap payment is recorded as; a payment someone typed with our
reference on anything else makes ours post under its distinct reference
instead. A payment that would take the invoice over its open balance is held
with the amounts, whether we can tell beforehand (the payments recorded for
the order) or only QuickBooks can (a payment typed there): nothing is sent
that QuickBooks must refuse, and the run goes on.

Before each write the unit of work checks that this process still holds the
connection's lease (`ensure_lease`); when the lease had lapsed meanwhile,
QuickBooks is asked again for the payment instead of trusting the batch's
bulk read.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable
from decimal import Decimal

from quickbooks.objects.invoice import Invoice
from quickbooks.objects.salesreceipt import SalesReceipt

from syncsvc.config import SyncSettings
from syncsvc.engine.actions import (
    WRITES, CreateCustomer, CreateInvoice, CreateItem, CreatePayment, CreateRefund, CreateSalesReceipt, Hold, Skip,
    UpdateInvoice, UpdateSalesReceipt,
)
from syncsvc.engine.documents import INVOICE, PlannedDocument
from syncsvc.engine.items import QboItem
from syncsvc.engine.numbering import ids_memo
from syncsvc.engine.payments import (
    PlannedPayment, distinct_reference, exceeds_open_balance, full_reference, payment_named_in_memo, short_reference,
    with_reference,
)
from syncsvc.engine.plan import OrderBundle, OrderPlan
from syncsvc.quickbooks import lookups, writers
from syncsvc.quickbooks.errors import (
    DuplicateDocNumber, DuplicateName, QuickBooksReconnectRequired, StaleObject, ValidationFault,
)
from syncsvc.stopping import Stopped
from syncsvc.store.state import LeaseLost, UnitOfWork
from syncsvc.sync.qbo_mapping import (
    MoneyRefs, customer_from_draft, document_object, item_from_draft, payment_object, sparse_update,
)
from syncsvc.sync.resolve import QboDirectory, qbo_customer, qbo_item
from syncsvc.sync.refunds import book_refund
from syncsvc.sync.writes import Create, Steps, Update

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

    def steps(self, plan: OrderPlan, bundle: OrderBundle, uow: UnitOfWork, customer_id: str | None,
              stopped_midway: Callable[[Counter], None] | None = None) -> Steps[OrderOutcome]:
        """The plan's execution as a generator of the writes it needs (writes.py); returns the outcome.
        Closed before its end (a stop), it hands what it did so far to `stopped_midway`."""
        run = _Run(self, plan, bundle, uow, customer_id)
        try:
            yield from run.all()
        except GeneratorExit:
            if stopped_midway is not None:
                stopped_midway(run.outcome.counts)
            raise
        except _Stop:
            pass
        except (QuickBooksReconnectRequired, LeaseLost, Stopped):
            raise  # nothing can be posted (or may be, by this process), or a stop came during a wait: the run stops
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
        self.in_doubt = False  # the lease had lapsed: read QuickBooks afresh before posting a payment
        self.held: list[str] = []

    def all(self) -> Steps[None]:
        for action in self.plan.actions:
            if isinstance(action, WRITES):
                self.in_doubt = self.uow.ensure_lease() or self.in_doubt
            step = getattr(self, f"_{type(action).__name__}")(action)
            if step is not None:  # an action that writes: a generator of its writes
                yield from step

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

    def _CreateCustomer(self, action: CreateCustomer) -> Steps[None]:
        created = yield Create(customer_from_draft(action.draft))
        self.customer_id = str(created.Id)
        self.x.directory.remember_customer(qbo_customer(created))
        self.uow.link_customer(action.draft.contact_id, self.customer_id, action.rule)
        self.outcome.counts["customers_created"] += 1
        self.wrote = True

    def _CreateItem(self, action: CreateItem) -> Steps[None]:
        draft = action.draft
        try:
            created = yield Create(item_from_draft(draft, self.x.directory.account_id(draft.income_account,
                                                                                     draft.account)))
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

    def _CreateInvoice(self, action: CreateInvoice) -> Steps[None]:
        return self._create_document(action.document, action.content_hash)

    def _CreateSalesReceipt(self, action: CreateSalesReceipt) -> Steps[None]:
        return self._create_document(action.document, action.content_hash)

    def _create_document(self, document: PlannedDocument, content_hash: str) -> Steps[None]:
        entity_cls = Invoice if document.kind == INVOICE else SalesReceipt
        existing = self.x.directory.documents_by_doc_number(entity_cls, document.doc_number)
        if not existing:
            obj = document_object(document, self._customer(document.customer.qbo_id), self.item_ids,
                                  self._money(document))
            try:
                created = yield Create(obj)
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
        yield from self._write_update(entity_cls, str(found.Id), document)
        self._posted(document, str(found.Id), content_hash)
        self.outcome.counts["duplicates_avoided"] += 1

    def _UpdateInvoice(self, action: UpdateInvoice) -> Steps[None]:
        return self._update_document(action.qbo_id, action.document, action.content_hash)

    def _UpdateSalesReceipt(self, action: UpdateSalesReceipt) -> Steps[None]:
        return self._update_document(action.qbo_id, action.document, action.content_hash)

    def _update_document(self, qbo_id: str, document: PlannedDocument, content_hash: str) -> Steps[None]:
        yield from self._write_update(Invoice if document.kind == INVOICE else SalesReceipt, qbo_id, document)
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

    def _write_update(self, entity_cls, qbo_id: str, document: PlannedDocument) -> Steps[None]:
        """A sparse update of the fields syncsvc owns: what a bookkeeper typed in QuickBooks stays."""
        for attempt in (1, 2):
            current = entity_cls.get(qbo_id, qb=self.qb)
            obj = sparse_update(document_object(document, self._customer(document.customer.qbo_id), self.item_ids,
                                                self._money(document)), current)
            try:
                yield Update(obj)
                return
            except StaleObject:
                if attempt == 2:  # someone keeps editing it in QBO: leave it for the next cycle
                    raise

    def _CreatePayment(self, action: CreatePayment) -> Steps[None]:
        payment = action.payment
        invoice_id = action.invoice_qbo_id or self.invoice_qbo_id
        if invoice_id is None:
            raise RuntimeError(f"payment {payment.payment_id}: its invoice was not created in this plan")
        customer_id = self._customer(action.customer.qbo_id)
        found = self._payments_in_qbo(payment)
        existing = next((p for ref in found for p in found[ref]
                         if self._is_this_payment(p, payment, customer_id, invoice_id)), None)
        if existing is not None:
            log.info("payment %s: already in QuickBooks (Id %s, reference %s); adopting it", payment.payment_id,
                     existing.Id, existing.PaymentRefNum)
            qbo_id, posted_ref = str(existing.Id), existing.PaymentRefNum
            self.outcome.counts["duplicates_avoided"] += 1
        else:
            if found.get(payment.ref):
                # Our reference is on a payment that is not this one (typed by hand, say): ours gets its own.
                if payment.alt_ref is None or found.get(payment.alt_ref):
                    return self._hold_payment(payment, self._reference_taken(payment, found))
                payment = with_reference(payment, payment.alt_ref)
            created = yield from self._post_payment(payment, customer_id, invoice_id)
            if created is None:
                return  # held
            qbo_id, posted_ref = str(created.Id), payment.ref
            self.outcome.counts["payments"] += 1
        self.uow.record_payment(
            payment_id=payment.payment_id, order_id=self.plan.order_id, invoice_id=payment.invoice_id,
            ref_num=payment.full_ref, qbo_ref=posted_ref, qbo_id=qbo_id, amount=payment.amount,
        )
        self.uow.resolve_issue("payment", payment.payment_id)
        self.wrote = True

    def _post_payment(self, payment: PlannedPayment, customer_id: str, invoice_id: str) -> Steps[object]:
        """Post `payment` on the invoice; None when it is held instead, because it does not fit the invoice's
        open balance (by our records, or by QuickBooks' answer)."""
        reason = self._over_recorded_balance(payment)
        if reason is None and self.uow.issue_recorded("payment", payment.payment_id, "held"):
            reason = self._over_balance_in_qbo(payment, invoice_id)  # still? ask before sending again
        if reason is not None:
            return self._hold_payment(payment, reason)
        money = MoneyRefs(self._method_id(payment.method), self.x.directory.account_id(self.x.settings.deposit_account))
        try:
            created = yield Create(payment_object(payment, customer_id, invoice_id, money))
        except ValidationFault:
            reason = self._over_balance_in_qbo(payment, invoice_id)
            if reason is None:
                raise
            return self._hold_payment(payment, reason)
        self.x.directory.remember_payment(created)
        return created

    def _payments_in_qbo(self, payment: PlannedPayment) -> dict[str, list]:
        """QBO payments under the payment's reference and its distinct one: from the batch's bulk read, or
        asked afresh when the lease had lapsed (another process may have posted meanwhile)."""
        refs = [payment.ref] + ([payment.alt_ref] if payment.alt_ref else [])
        if self.in_doubt:
            return {ref: lookups.payments_by_ref(self.qb, ref) for ref in refs}
        return {ref: self.x.directory.payments_by_ref(ref) for ref in refs}

    def _is_this_payment(self, found, payment: PlannedPayment, customer_id: str, invoice_id: str) -> bool:
        """An earlier write of this payment whose record was lost (or the same payment typed by hand): same
        customer, same amount, all of it on this invoice, and no other Keap payment's."""
        named = payment_named_in_memo(found.PrivateNote)
        if named is not None and named != payment.payment_id:
            return False
        if str(getattr(found.CustomerRef, "value", "")) != str(customer_id):
            return False
        if Decimal(str(found.TotalAmt)) != payment.amount:
            return False
        if writers.applications(found) != {("Invoice", str(invoice_id)): payment.amount}:
            return False
        return self.uow.payment_for_qbo_id(str(found.Id), payment.invoice_id) is None

    def _over_recorded_balance(self, payment: PlannedPayment) -> str | None:
        document = self.uow.document(self.plan.order_id)
        if document is None:
            return None
        return exceeds_open_balance(payment, document.total, self.uow.paid_on_order(self.plan.order_id),
                                    document.doc_number, self.plan.order_id)

    def _over_balance_in_qbo(self, payment: PlannedPayment, invoice_id: str) -> str | None:
        """Why QuickBooks refuses (or would refuse) `payment`: more than the invoice's balance there."""
        invoice = Invoice.get(invoice_id, qb=self.qb)
        balance = Decimal(str(invoice.Balance if invoice.Balance is not None else invoice.TotalAmt))
        if payment.amount <= balance:
            return None
        return (f"payment {payment.payment_id} of {payment.amount} is more than the {balance} open on QuickBooks "
                f"invoice {invoice.DocNumber} (total {Decimal(str(invoice.TotalAmt))}): QuickBooks refuses it, so a "
                f"payment or credit entered in QuickBooks already covers part of the invoice. Remove that one in "
                f"QuickBooks, or correct the payment in Keap; it posts on the next cycle once it fits")

    def _reference_taken(self, payment: PlannedPayment, found: dict[str, list]) -> str:
        ids = ", ".join(sorted({str(p.Id) for ref in found for p in found[ref]}))
        refs = " or ".join(repr(ref) for ref in found)
        return (f"payment {payment.payment_id}: QuickBooks payment(s) {ids} already carry the reference it would "
                f"post under ({refs}) but are not this payment (another customer, invoice or amount); change "
                f"their reference in QuickBooks, or give the payment its own reference in Keap")

    def _hold_payment(self, payment: PlannedPayment, reason: str) -> None:
        """The payment stays out of QuickBooks, and its order is held (retried each cycle) with the reason."""
        log.warning("order %s: %s", self.plan.order_id, reason)
        self.uow.record_issue("payment", payment.payment_id, "held", reason)
        self._hold(reason)
        return None

    def _CreateRefund(self, action: CreateRefund) -> Steps[None]:
        return book_refund(self, action)  # sync/refunds.py

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
        self.held.append(reason)
        reason = "; ".join(self.held)  # every hold of the order, e.g. two payments over the balance
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

    def _record_document(self, document: PlannedDocument, qbo_id: str, content_hash: str) -> None:
        self.uow.record_document(
            order_id=document.order_id, invoice_id=document.invoice_id, qbo_type=document.kind, qbo_id=qbo_id,
            doc_number=document.doc_number, total=document.total, content_hash=content_hash,
        )

    def _record_receipt_payments(self, document: PlannedDocument, qbo_id: str) -> None:
        receipt = document.receipt_payment
        if receipt is None:
            return
        recorded = self.uow.posted_payment_refs(document.order_id)
        by_id = {p.id: p for p in self.bundle.payments}
        for payment_id in receipt.payment_ids:
            payment = by_id.get(payment_id)
            if payment is None or payment.id in recorded:
                continue
            full_ref = full_reference(payment, self.x.settings.engine)
            ref = short_reference(full_ref)
            if self.uow.payment_owners([ref]).get(ref, payment.id) != payment.id:
                ref = distinct_reference(full_ref, payment.id)  # the reference is another payment's
            self.uow.record_payment(
                payment_id=payment.id, order_id=document.order_id, invoice_id=payment.invoice_id,
                ref_num=full_ref, qbo_ref=ref, qbo_id=qbo_id, amount=payment.amount,
            )

    def _unknown_lines(self, document: PlannedDocument) -> int:
        unknown = self.x.settings.engine.unknown_item_name.casefold()
        return sum(1 for line in document.lines if line.item.name.casefold() == unknown)


__all__ = ["PlanExecutor", "OrderOutcome", "POSTED", "UNCHANGED", "HELD", "SKIPPED", "ERROR", "QboItem"]

"""Book one planned refund (engine/refunds.py) in QuickBooks: a RefundReceipt or a CreditMemo.

Never twice: QuickBooks is asked for the refund's DocNumber (`<order>-R<n>`) before every create,
so a refund whose record was lost (a crash after QuickBooks answered, a lost answer) is found and
adopted when its memo names this Keap refund; another document with that number holds the order.
A RefundReceipt waits while the payment it returns is not posted (it may have been held in this
very run). A CreditMemo on an order posted as an invoice is applied to it, as far as the invoice is
open, by a payment of 0 linking both; a CreditMemo found with credit left and an open invoice is
applied then, so a crash between the two writes is made good on the next cycle.
"""

from __future__ import annotations

import logging
from decimal import Decimal

from quickbooks.objects.creditmemo import CreditMemo
from quickbooks.objects.invoice import Invoice
from quickbooks.objects.refundreceipt import RefundReceipt

from syncsvc.engine.actions import CreateRefund
from syncsvc.engine.documents import INVOICE
from syncsvc.engine.money import cents
from syncsvc.engine.refunds import CREDIT_MEMO, REFUND_RECEIPT, PlannedRefund, refund_marker
from syncsvc.sync.qbo_mapping import MoneyRefs
from syncsvc.sync.refund_mapping import credit_application, refund_object
from syncsvc.sync.writes import Create, Steps

log = logging.getLogger(__name__)


def book_refund(run, action: CreateRefund) -> Steps[None]:
    """`run` is the executor's _Run (its QuickBooks client, unit of work, ids created so far)."""
    refund = action.refund
    invoice_id = action.invoice_qbo_id or run.invoice_qbo_id
    if invoice_id is None:
        raise RuntimeError(f"refund {refund.refund_payment_id}: its order's document was not created in this plan")
    waits = _waits(run, refund)
    if waits:
        log.info("order %s: %s", refund.order_id, waits)
        run.uow.record_issue("payment", refund.refund_payment_id, "waiting", waits)
        run._hold(waits)
        return
    customer_id = run._customer(refund.customer.qbo_id)
    entity_cls = CreditMemo if refund.kind == CREDIT_MEMO else RefundReceipt
    existing = run.x.directory.refunds_by_doc_number(entity_cls, refund.doc_number)
    ours = next((d for d in existing if refund_marker(refund.refund_payment_id) in (d.PrivateNote or "")), None)
    if existing and ours is None:
        run._hold(f"order {refund.order_id}: refund {refund.refund_payment_id} would be {entity_cls.qbo_object_name} "
                  f"{refund.doc_number!r}, a DocNumber QuickBooks {entity_cls.qbo_object_name} {existing[0].Id} "
                  f"already has and syncsvc did not create; renumber that one in QuickBooks")
        return
    if ours is not None:
        log.info("refund %s: %s %s already in QuickBooks (Id %s); adopting it", refund.refund_payment_id,
                 entity_cls.qbo_object_name, refund.doc_number, ours.Id)
        booked = ours
        run.outcome.counts["duplicates_avoided"] += 1
    else:
        money = None
        if refund.kind == REFUND_RECEIPT:
            money = MoneyRefs(run._method_id(refund.method), run.x.directory.account_id(run.x.settings.deposit_account))
        booked = yield Create(refund_object(refund, customer_id, run.item_ids, money))
        run.outcome.counts["refund_receipts" if refund.kind == REFUND_RECEIPT else "credit_memos"] += 1
    applied = None
    if refund.kind == CREDIT_MEMO and refund.apply_to_invoice and _document_kind(run) == INVOICE:
        applied = yield from _apply(run, refund, booked, customer_id, invoice_id)
    run.uow.record_refund(
        refund_payment_id=refund.refund_payment_id, refunded_payment_id=refund.refunded_payment_id,
        order_id=refund.order_id, invoice_id=refund.invoice_id, qbo_type=entity_cls.qbo_object_name,
        qbo_id=str(booked.Id), doc_number=refund.doc_number, applied_qbo_id=applied, amount=refund.amount,
    )
    run.uow.resolve_issue("payment", refund.refund_payment_id)
    run.wrote = True


def _document_kind(run) -> str | None:
    row = run.uow.document(run.plan.order_id)
    return row.qbo_type if row is not None else None


def _waits(run, refund: PlannedRefund) -> str | None:
    """Why the refund cannot go out now: the money it returns is not in QuickBooks (its payment was held
    or failed in this run)."""
    if run.x.settings.engine.posting_mode == "invoice":
        return None
    posted = run.uow.posted_payment_refs(refund.order_id)
    if refund.refunded_payment_id is not None:
        by_id = {p.id for p in run.bundle.payments}
        missing = [refund.refunded_payment_id] if refund.refunded_payment_id in by_id else []
    else:
        missing = [p.id for p in run.bundle.payments if not p.is_refund and cents(p.amount) != 0]
    missing = [payment_id for payment_id in missing if payment_id not in posted]
    if not missing:
        return None
    return (f"refund {refund.refund_payment_id} waits for payment {', '.join(map(str, missing))} to be posted to "
            f"QuickBooks; it is booked once that payment is")


def _apply(run, refund: PlannedRefund, booked, customer_id: str, invoice_id: str) -> Steps[str | None]:
    """Apply the credit memo's remaining credit to the invoice as far as the invoice is open."""
    credit = booked.RemainingCredit if booked.RemainingCredit is not None else booked.TotalAmt
    credit = Decimal(str(credit))
    invoice = Invoice.get(invoice_id, qb=run.qb)
    balance = Decimal(str(invoice.Balance if invoice.Balance is not None else invoice.TotalAmt))
    amount = min(credit, balance)
    if amount <= 0:
        return None
    created = yield Create(credit_application(refund, str(booked.Id), customer_id, invoice_id, amount,
                                              refund.txn_date))
    return str(created.Id)

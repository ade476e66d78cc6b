"""Keap refunds as QuickBooks documents: a RefundReceipt or a CreditMemo each, never posted twice.

A refund reaches the engine as a `Payment` with `is_refund` (REST v2: a payment of type "Refund"
or a negative amount; XML-RPC: a "Refund" Payment row with a negative PayAmt), `refund_id` naming
the payment it returns where Keap says so. What it becomes (`[sync].refunds`):

- "refund_receipt" (the default, what an accountant books when money goes back to the customer):
  a **RefundReceipt** out of `[sync].deposit_account`, the account the payment went into, so the
  cash QuickBooks shows per day equals Keap's. Where the order's payments never reach QuickBooks
  (`posting_mode = "invoice"`), no money came in there to pay back: the refund reduces what the
  customer owes instead, as a **CreditMemo** applied to the open invoice.
- "credit_memo": always a CreditMemo. Where the order's payments are posted it is not applied to
  the invoice (Keap keeps the invoice paid after a refund, so QuickBooks' invoice balance stays equal
  to Keap's): it is the customer's credit in QuickBooks, for the bookkeeper to pay out (a refund
  cheque) or use. Where they are not (`posting_mode = "invoice"`), it is applied to the invoice as
  far as the invoice is open.
- "report": nothing is booked; the refund is reported as skipped, as before.

The document: DocNumber `<order's DocNumber>-R<n>`, n = 1, 2, ... over the order's refunds in
payment-id order (so the same refund always gets the same number); a refund of the whole order
repeats the order's lines, any other amount is one line on `refund_item_name`; PaymentRefNum the
refund's merchant reference (else `IS-PAY-<refund payment id>`); the memo names the Keap refund,
the payment it returns, the invoice and the QuickBooks invoice's DocNumber. QuickBooks has no field
linking a RefundReceipt to an invoice or payment, so the memo is the link.

A refund waits (reported, not posted) while the order's document is not in QuickBooks, and, when
it returns a payment that is posted to QuickBooks, until that payment is recorded as posted: the
money cannot go out before it came in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Iterable

from syncsvc.engine.documents import CustomerRef, PlannedDocument
from syncsvc.engine.items import ItemCatalog, ItemDraft, named_item
from syncsvc.engine.lines import PlannedLine
from syncsvc.engine.money import cents
from syncsvc.engine.numbering import DOC_NUMBER_MAX
from syncsvc.engine.payments import full_reference
from syncsvc.engine.settings import EngineSettings
from syncsvc.infusionsoft.records import ItemType, Payment

REFUND_RECEIPT, CREDIT_MEMO = "RefundReceipt", "CreditMemo"
REFUND_MARK = "-R"
REFUND_REF_MAX = 100  # RefundReceipt.PaymentRefNum
MEMO_MAX = 4000


@dataclass(frozen=True)
class PlannedRefund:
    kind: str  # REFUND_RECEIPT | CREDIT_MEMO
    refund_payment_id: int
    refunded_payment_id: int | None
    order_id: int
    invoice_id: int
    doc_number: str
    customer: CustomerRef
    txn_date: date | None
    lines: tuple[PlannedLine, ...]
    amount: Decimal  # positive
    ref: str  # PaymentRefNum (RefundReceipt)
    method: str  # QBO payment method name; "" none
    memo: str
    apply_to_invoice: bool  # CreditMemo: applied to the invoice's open balance (as far as it goes)


@dataclass(frozen=True)
class RefundDecisions:
    to_post: tuple[PlannedRefund, ...] = ()
    items_to_create: tuple[ItemDraft, ...] = ()
    waiting: tuple[tuple[int, str], ...] = ()  # (refund payment id, why it waits)
    held: tuple[str, ...] = ()


def refund_marker(refund_payment_id: int) -> str:
    """The words of a refund's memo that say it is this Keap refund's (adopted after a lost answer)."""
    return f"Infusionsoft refund {refund_payment_id} "


def refund_doc_number(base: str, n: int) -> str:
    return f"{base}{REFUND_MARK}{n}"


def kind_for(settings: EngineSettings) -> str:
    if settings.refunds == "credit_memo" or settings.posting_mode == "invoice":
        return CREDIT_MEMO
    return REFUND_RECEIPT


def decide_refunds(
    payments: Iterable[Payment],
    *,
    order_id: int,
    invoice_id: int,
    document: PlannedDocument | None,
    document_posted: bool,
    doc_number: str,
    customer: CustomerRef,
    posted_refunds: frozenset[int],
    posted_payment_ids: frozenset[int],
    catalog: ItemCatalog,
    settings: EngineSettings,
) -> RefundDecisions:
    """The order's refunds not booked yet: what to post now, and what waits (see the module's rule).

    `document` is the order's document as planned now (its lines are a full refund's lines);
    `document_posted` whether it is in QuickBooks already; `posted_refunds` the refunds recorded as
    booked; `posted_payment_ids` the order's payments recorded as posted."""
    payments = sorted(payments, key=lambda p: p.id)
    refunds = [p for p in payments if p.is_refund]
    if settings.refunds == "report" or not refunds:
        return RefundDecisions()
    by_id = {p.id: p for p in payments}
    kind = kind_for(settings)
    money_posted = settings.posting_mode != "invoice"
    to_post: list[PlannedRefund] = []
    drafts: list[ItemDraft] = []
    waiting: list[tuple[int, str]] = []
    held: list[str] = []
    for n, refund in enumerate(refunds, start=1):
        if refund.id in posted_refunds:
            continue
        amount = abs(cents(refund.amount))
        if amount == 0:
            continue
        number = refund_doc_number(doc_number, n)
        if len(number) > DOC_NUMBER_MAX:
            held.append(f"refund {refund.id}: its DocNumber {number!r} is over QuickBooks' {DOC_NUMBER_MAX} "
                        f"characters (shorten doc_number_prefix)")
            continue
        if not document_posted:
            waiting.append((refund.id, f"refund {refund.id} waits for invoice {invoice_id} to be in QuickBooks"))
            continue
        returned = by_id.get(refund.refund_id) if refund.refund_id else None
        if money_posted:
            unposted = ([returned] if returned is not None else
                        [p for p in payments if not p.is_refund and cents(p.amount) != 0])
            unposted = [p for p in unposted if p.id not in posted_payment_ids]
            if unposted:
                waiting.append((refund.id, f"refund {refund.id} waits for payment "
                                           f"{', '.join(str(p.id) for p in unposted)} to be posted to QuickBooks"))
                continue
        if document is not None and amount == document.total and len(refunds) == 1 and document.tax_total is None:
            lines = document.lines
        else:
            choice = named_item(settings.refund_item_name, catalog, settings)
            if choice.create is not None and choice.create not in drafts:
                drafts.append(choice.create)
            lines = (PlannedLine(
                order_item_id=0, item_type=ItemType.PRODUCT, item=choice.ref,
                description=f"Refund {refund.id} of order {order_id}", quantity=Decimal(1), unit_price=amount,
                amount=amount),)
        full_ref = full_reference(refund, settings)
        pay_type = returned.pay_type if returned is not None else refund.pay_type
        memo = (f"{refund_marker(refund.id)}of {amount}"
                + (f" returning payment {returned.id}" if returned is not None else "")
                + f" on invoice {invoice_id} (order {order_id}), QuickBooks invoice {doc_number}"
                + (f", merchant ref {full_ref}" if refund.ref_num else ""))
        to_post.append(PlannedRefund(
            kind=kind, refund_payment_id=refund.id, refunded_payment_id=returned.id if returned else refund.refund_id,
            order_id=order_id, invoice_id=invoice_id, doc_number=number, customer=customer,
            txn_date=refund.pay_date.date() if refund.pay_date else None, lines=tuple(lines), amount=amount,
            ref=full_ref[:REFUND_REF_MAX], method=settings.payment_method_for(pay_type) if pay_type else "",
            memo=memo[:MEMO_MAX], apply_to_invoice=kind == CREDIT_MEMO and not money_posted,
        ))
    return RefundDecisions(tuple(to_post), tuple(drafts), tuple(waiting), tuple(held))


def non_refunds(payments: Iterable[Payment], settings: EngineSettings) -> tuple[Payment, ...]:
    """The payments decide_payments sees: all of them under "report" (refunds are reported there), else
    those that are not refunds (this module books those)."""
    if settings.refunds == "report":
        return tuple(payments)
    return tuple(p for p in payments if not p.is_refund)


__all__ = ["PlannedRefund", "RefundDecisions", "decide_refunds", "non_refunds", "refund_marker", "REFUND_RECEIPT",
           "CREDIT_MEMO"]

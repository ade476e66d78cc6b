"""Infusionsoft payments as QBO payments: one each, deduplicated by reference.

The reference (PaymentRefNum) is the merchant RefNum of the card charge, the
bank's transaction id, so a user can match QBO against the merchant
statement and two payments on one invoice (25 + 75 of 100) stay distinct. A
manual payment has no charge; its reference is derived from its payment id.
The invoice id is never the reference: a second payment on the invoice would
look like a duplicate. Refunds are never posted as payments.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Iterable, Mapping

from syncsvc.engine.money import cents
from syncsvc.engine.settings import EngineSettings
from syncsvc.infusionsoft.records import Payment

REF_MAX = 21  # QBO PaymentRefNum
_KEEP = 10  # leading characters kept when shortening; "-" and 10 hash digits follow


@dataclass(frozen=True)
class PlannedPayment:
    payment_id: int
    invoice_id: int
    ref: str  # PaymentRefNum as posted (<= 21 characters)
    full_ref: str  # the whole reference, also in the memo when shortened
    amount: Decimal
    pay_date: date | None
    method: str  # QBO payment method name; "" posts none
    memo: str


@dataclass(frozen=True)
class SkippedPayment:
    payment_id: int
    reason: str


@dataclass(frozen=True)
class PaymentDecisions:
    to_post: tuple[PlannedPayment, ...]
    skipped: tuple[SkippedPayment, ...]
    warnings: tuple[str, ...]


def full_reference(payment: Payment, settings: EngineSettings) -> str:
    if payment.ref_num and payment.ref_num.strip():
        return payment.ref_num.strip()
    return f"{settings.manual_payment_ref_prefix}{payment.id}"


def short_reference(full_ref: str) -> str:
    """`full_ref` when it fits; else its head plus a hash of the whole, so two
    long references that share a head still differ, and the same reference
    always shortens the same way."""
    if len(full_ref) <= REF_MAX:
        return full_ref
    digest = hashlib.sha256(full_ref.encode("utf-8")).hexdigest()[:REF_MAX - _KEEP - 1]
    return f"{full_ref[:_KEEP]}-{digest}"


def decide_payments(
    payments: Iterable[Payment],
    order_id: int,
    posted_refs: frozenset[str],
    reported_payment_ids: frozenset[int],
    settings: EngineSettings,
    posted_payment_refs: Mapping[int, str] | None = None,
) -> PaymentDecisions:
    """Which payments to post now. `posted_refs` are references (as posted)
    already in QBO; `reported_payment_ids` are payments whose skip was already
    recorded, so a re-plan does not report them again; `posted_payment_refs`
    maps the payments recorded as posted to the reference they were posted
    with. A recorded payment is never posted again, even when Keap now gives
    it another reference (as it may after a move from XML-RPC to REST v2)."""
    to_post: list[PlannedPayment] = []
    skipped: list[SkippedPayment] = []
    warnings: list[str] = []
    used = set(posted_refs)
    posted_payment_refs = posted_payment_refs or {}
    for payment in sorted(payments, key=lambda p: p.id):
        reason = _not_postable(payment)
        if reason is None and payment.id in posted_payment_refs:
            posted_as, now_ref = posted_payment_refs[payment.id], short_reference(full_reference(payment, settings))
            if posted_as != now_ref:
                warnings.append(f"payment {payment.id} is in QuickBooks with reference {posted_as!r}; Keap now gives "
                                f"{now_ref!r}: kept as posted, not posted again")
            continue
        if reason is None:
            planned = plan_payment(payment, order_id, settings)
            if planned.ref in used:
                if planned.ref not in posted_refs:
                    reason = f"payment {payment.id}: reference {planned.full_ref!r} is already used by another payment of this order"
                else:
                    continue  # already in QuickBooks
            else:
                used.add(planned.ref)
                to_post.append(planned)
                if not planned.method:
                    warnings.append(f"payment {payment.id}: no QuickBooks payment method for pay type {payment.pay_type!r} (add it to payment_methods)")
                continue
        if payment.id not in reported_payment_ids:
            skipped.append(SkippedPayment(payment.id, reason))
    return PaymentDecisions(tuple(to_post), tuple(skipped), tuple(warnings))


def plan_payment(payment: Payment, order_id: int, settings: EngineSettings) -> PlannedPayment:
    full_ref = full_reference(payment, settings)
    ref = short_reference(full_ref)
    memo = f"Infusionsoft payment {payment.id} on invoice {payment.invoice_id} (order {order_id})"
    if payment.ref_num:
        memo += f", merchant ref {full_ref}"
    return PlannedPayment(
        payment_id=payment.id,
        invoice_id=payment.invoice_id,
        ref=ref,
        full_ref=full_ref,
        amount=cents(payment.amount),
        pay_date=payment.pay_date.date() if payment.pay_date else None,
        method=settings.payment_method_for(payment.pay_type),
        memo=memo,
    )


def _not_postable(payment: Payment) -> str | None:
    if payment.is_refund:
        return (
            f"payment {payment.id} is a refund ({payment.pay_type or 'no pay type'}, {cents(payment.amount)}): "
            f"refunds are not posted as payments; record it in QuickBooks as a refund receipt"
        )
    if cents(payment.amount) == 0:
        return f"payment {payment.id} has amount 0.00"
    return None

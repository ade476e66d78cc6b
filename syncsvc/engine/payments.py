"""Infusionsoft payments as QBO payments: one each, each under its own reference.

The reference (PaymentRefNum) is the merchant RefNum of the card charge, the
bank's transaction id, so a user can match QBO against the merchant
statement and two payments on one invoice (25 + 75 of 100) stay distinct. A
manual payment has no charge; its reference is derived from its payment id.
The invoice id is never the reference: a second payment on the invoice would
look like a duplicate. Refunds are never posted as payments.

The reference rule, whole:

- A reference over QBO's 21 characters is shortened to its first 10
  characters, "-" and 10 hex digits of its SHA-256 (`short_reference`).
- A payment whose reference is already another payment's (the gateway reused
  it on a second charge of the invoice, on another order's charge, or a
  bookkeeper typed it on a payment in QuickBooks) is posted as its reference
  cut to fit, then "-P" and its Keap payment id (`distinct_reference`), e.g.
  `8921731533-P1234`. Among payments sharing a reference the one with the
  lowest id keeps it unless an earlier one was posted with it already.
- The memo always carries the whole reference and the Keap payment id, then
  what reconciliation needs: the pay type, the card's last four digits where
  Keap gives them, and Keap's payment note (a check number, say), the note cut
  so the memo stays within QBO's PrivateNote (MEMO_MAX).
- A payment recorded as posted is never posted again, under whatever
  reference Keap gives it now (`posted_payment_refs`, keyed by payment id).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Iterable, Mapping

from syncsvc.engine.money import cents
from syncsvc.engine.settings import EngineSettings
from syncsvc.infusionsoft.records import Payment

REF_MAX = 21  # QBO PaymentRefNum
# How a payment's memo opens (plan_payment), and how a memo read back from QBO is matched to it.
_MEMO_HEAD = "Infusionsoft payment {payment_id} on invoice {invoice_id} (order {order_id})"
_MEMO_PAYMENT = re.compile(r"\bInfusionsoft payment (\d+) ")
_KEEP = 10  # leading characters kept when shortening; "-" and 10 hash digits follow
MEMO_MAX = 4000  # QBO Payment.PrivateNote
DISTINCT_MARK = "-P"  # between a shared reference and the Keap payment id that makes it this payment's own


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
    # The reference to post under instead when QBO already holds `ref` on a payment that is not this
    # one (typed by hand, say); None when `ref` is that distinct reference already.
    alt_ref: str | None = None


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


def distinct_reference(full_ref: str, payment_id: int) -> str:
    """The reference of a payment whose own is another payment's: the reference cut to fit, "-P" and the
    Keap payment id, within QBO's 21 characters (e.g. `8921731533-P1234`)."""
    suffix = f"{DISTINCT_MARK}{payment_id}"
    return f"{short_reference(full_ref)[:REF_MAX - len(suffix)]}{suffix}"


def with_reference(planned: PlannedPayment, ref: str) -> PlannedPayment:
    """`planned` posted under `ref` (its distinct reference), the memo still naming its whole reference."""
    return replace(planned, ref=ref, alt_ref=None, memo=_memo_with_reference(planned.memo, planned.full_ref, ref))


def exceeds_open_balance(planned: PlannedPayment, invoice_total: Decimal, already_paid: Decimal,
                         doc_number: str, order_id: int) -> str | None:
    """Why `planned` cannot go on the invoice (it is more than what is left open), or None when it fits.
    `already_paid` is what payments already posted (and recorded) have applied to the invoice."""
    open_balance = cents(invoice_total) - cents(already_paid)
    if planned.amount <= open_balance:
        return None
    return (f"payment {planned.payment_id} of {planned.amount} is more than the {max(open_balance, Decimal('0.00'))} "
            f"left open on QuickBooks invoice {doc_number} (total {cents(invoice_total)}, {cents(already_paid)} "
            f"already paid): QuickBooks would refuse it. Correct the payment or the order total in Keap "
            f"(or refund the excess); it posts on the next cycle once it fits (`syncsvc sync --orders {order_id}` "
            f"now)")


def decide_payments(
    payments: Iterable[Payment],
    order_id: int,
    posted_refs: frozenset[str],
    reported_payment_ids: frozenset[int],
    settings: EngineSettings,
    posted_payment_refs: Mapping[int, str] | None = None,
) -> PaymentDecisions:
    """Which payments to post now, and under which reference (see the module's rule).

    `posted_refs` are references (as posted) already in QBO; `reported_payment_ids` are payments whose
    skip was already recorded, so a re-plan does not report them again; `posted_payment_refs` maps
    payments recorded as posted (this order's, and any other payment holding a reference this order's
    payments would use) to the reference they were posted with. A recorded payment is never posted
    again, even when Keap now gives it another reference (as it may after a move from XML-RPC to REST
    v2). A reference in `posted_refs` that no recorded payment claims is taken as this order's own
    payment, never posted twice."""
    to_post: list[PlannedPayment] = []
    skipped: list[SkippedPayment] = []
    warnings: list[str] = []
    posted_payment_refs = posted_payment_refs or {}
    owners = {ref: payment_id for payment_id, ref in posted_payment_refs.items()}
    for payment in sorted(payments, key=lambda p: p.id):
        reason = _not_postable(payment)
        if reason is None and payment.id in posted_payment_refs:
            _warn_if_renamed(payment, posted_payment_refs[payment.id], settings, warnings)
            continue
        if reason is None:
            planned = plan_payment(payment, order_id, settings)
            if planned.ref in posted_refs and planned.ref not in owners:
                continue  # already in QuickBooks, recorded without its payment id
            if owners.get(planned.ref, payment.id) != payment.id:
                planned = with_reference(planned, distinct_reference(planned.full_ref, payment.id))
                if owners.get(planned.ref, payment.id) != payment.id:
                    reason = (f"payment {payment.id}: its reference {planned.full_ref!r} and {planned.ref!r} are "
                              f"both already used by other payments; give it its own reference in Keap")
            if reason is None:
                owners[planned.ref] = payment.id
                to_post.append(planned)
                if not planned.method:
                    warnings.append(f"payment {payment.id}: no QuickBooks payment method for pay type {payment.pay_type!r} (add it to payment_methods)")
                continue
        if payment.id not in reported_payment_ids:
            skipped.append(SkippedPayment(payment.id, reason))
    return PaymentDecisions(tuple(to_post), tuple(skipped), tuple(warnings))


def _warn_if_renamed(payment: Payment, posted_as: str, settings: EngineSettings, warnings: list[str]) -> None:
    full_ref = full_reference(payment, settings)
    now_ref = short_reference(full_ref)
    if posted_as not in (now_ref, distinct_reference(full_ref, payment.id)):
        warnings.append(f"payment {payment.id} is in QuickBooks with reference {posted_as!r}; Keap now gives "
                        f"{now_ref!r}: kept as posted, not posted again")


def payment_named_in_memo(memo: str | None) -> int | None:
    """The Keap payment id a memo written by plan_payment names; None for any other memo."""
    named = _MEMO_PAYMENT.search(memo or "")
    return int(named.group(1)) if named else None


def plan_payment(payment: Payment, order_id: int, settings: EngineSettings) -> PlannedPayment:
    full_ref = full_reference(payment, settings)
    ref = short_reference(full_ref)
    memo = _MEMO_HEAD.format(payment_id=payment.id, invoice_id=payment.invoice_id, order_id=order_id)
    if payment.ref_num:
        memo += f", merchant ref {full_ref}"
    memo = _reconciliation_memo(memo, payment, full_ref)
    return PlannedPayment(
        payment_id=payment.id,
        invoice_id=payment.invoice_id,
        ref=ref,
        full_ref=full_ref,
        amount=cents(payment.amount),
        pay_date=payment.pay_date.date() if payment.pay_date else None,
        method=settings.payment_method_for(payment.pay_type),
        memo=memo,
        alt_ref=distinct_reference(full_ref, payment.id),
    )


def _reconciliation_memo(memo: str, payment: Payment, full_ref: str) -> str:
    """`memo` with the pay type, the card's last four and Keap's note, the note cut to leave room for the
    whole reference that `with_reference` may add, within MEMO_MAX."""
    pay_type = " ".join(payment.pay_type.split())
    if pay_type:
        memo += f", pay type {pay_type}"
    last_four = payment.card_last_four.strip()
    if last_four:
        memo += f", card ending {last_four}"
    note = " ".join(payment.note.split())
    if note:
        room = MEMO_MAX - len(memo) - len(", note: ") - len(", reference ") - len(full_ref)
        if room > 0:
            memo += f", note: {note if len(note) <= room else note[:max(room - 3, 0)] + '...'}"
    return memo


def _memo_with_reference(memo: str, full_ref: str, ref: str) -> str:
    if ref != full_ref and full_ref not in memo:
        return f"{memo}, reference {full_ref}"
    return memo


def _not_postable(payment: Payment) -> str | None:
    if payment.is_refund:
        return (
            f"payment {payment.id} is a refund ({payment.pay_type or 'no pay type'}, {cents(payment.amount)}): "
            f"refunds are not posted as payments; record it in QuickBooks as a refund receipt"
        )
    if cents(payment.amount) == 0:
        return f"payment {payment.id} has amount 0.00"
    return None

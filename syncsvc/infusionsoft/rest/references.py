"""The merchant reference of a Keap payment: THE place the REST v2 source decides PaymentRefNum.

XML-RPC gives the card charge's `CCharge.RefNum`; the engine posts it as the
QuickBooks payment's reference (PaymentRefNum) and, when there is none, makes
the manual reference `IS-PAY-<payment id>`. REST v2 has no field of that name
(notes §2.5). The order of preference here:

1. `Payment.external_transaction_id` when it is not blank ("an external id -
   typically from a payment processor");
2. else the `external_reference_id` of the successful CAPTURE transaction
   whose `payment_id` is that payment (transactions have no id of their own;
   `payment_id` is their only link to a payment);
3. else None: a manual payment; the engine makes `IS-PAY-<payment id>`.

UNCONFIRMED: that either field equals XML-RPC's CCharge.RefNum for the same
charge. Keap documents neither mapping. Until it is confirmed on a real
account, a connection moving from XML-RPC keeps the references it posted
(the engine never re-posts a recorded payment under a new reference, it warns).
To check on one real card-paid order before switching a live connection:

    XML-RPC:  DataService.query("CCharge", 1, 0, {"PaymentId": <payment id>}, ["RefNum", "ApprCode"])
    REST v2:  GET /rest/v2/sales/payments?filter=ids%3D%3D<payment id>      -> external_transaction_id
              GET /rest/v2/sales/transactions?filter=order_id%3D%3D<order id> -> external_reference_id
                  of the transaction whose payment_id is <payment id>

and compare RefNum with the two REST values (external_response_code is the
likely ApprCode). The payment id is the same number in both APIs.

A declined attempt is a FAILED transaction (is_successful false), usually
without payment_id; it is never a payment and never lends a reference.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping

from syncsvc.infusionsoft.rest.tolerant import raw_value

CAPTURE = "CAPTURE"
REVERSALS = frozenset({"REFUND", "VOID"})
FAILED_STATUSES = frozenset({"FAILED", "ERROR"})


@dataclass(frozen=True)
class PaymentTransactions:
    """What a payment's transactions say about it: the CAPTURE's reference and whether it was reversed."""

    capture_reference: str | None = None
    reversal: bool = False


def succeeded(transaction) -> bool:
    """A transaction that went through: is_successful true, or (when Keap leaves it out) APPROVED."""
    status = str(raw_value(transaction, "status") or "").upper()
    if transaction.is_successful is not None:
        return bool(transaction.is_successful) and status not in FAILED_STATUSES
    return status == "APPROVED"


def by_payment(transactions: Iterable) -> dict[str, PaymentTransactions]:
    """Successful transactions grouped by the payment they belong to (payment id as Keap spells it)."""
    found: dict[str, PaymentTransactions] = {}
    for transaction in transactions:
        payment_id = (transaction.payment_id or "").strip()
        if not payment_id or not succeeded(transaction):
            continue
        method = str(raw_value(transaction, "transaction_method") or "").upper()
        known = found.get(payment_id, PaymentTransactions())
        if method == CAPTURE:
            reference = (transaction.external_reference_id or "").strip() or None
            known = PaymentTransactions(known.capture_reference or reference, known.reversal)
        elif method in REVERSALS:
            known = PaymentTransactions(known.capture_reference, True)
        found[payment_id] = known
    return found


def needs_transactions(payment) -> bool:
    """True when the payment itself carries no reference, so step 2 has to look at transactions."""
    return not (payment.external_transaction_id or "").strip()


def merchant_reference(payment, transactions: Mapping[str, PaymentTransactions]) -> str | None:
    """The payment's PaymentRefNum, in the order of preference above; None for a manual payment."""
    own = (payment.external_transaction_id or "").strip()
    if own:
        return own
    found = transactions.get((payment.id or "").strip())
    return found.capture_reference if found else None


__all__ = ["PaymentTransactions", "by_payment", "merchant_reference", "needs_transactions", "succeeded"]

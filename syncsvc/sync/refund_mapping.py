"""Planned refunds as python-quickbooks objects (no I/O): a RefundReceipt or a CreditMemo, and the
zero-amount Payment that applies a CreditMemo to its invoice (how QuickBooks applies a credit: one
payment linking both, the invoice and the credit memo, for the same amount)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Mapping

from quickbooks.objects.base import LinkedTxn
from quickbooks.objects.creditmemo import CreditMemo
from quickbooks.objects.payment import Payment, PaymentLine
from quickbooks.objects.refundreceipt import RefundReceipt

from syncsvc.engine.refunds import CREDIT_MEMO, PlannedRefund
from syncsvc.sync.qbo_mapping import MoneyRefs, _line, ref

APPLY_MEMO_MAX = 4000


def refund_object(refund: PlannedRefund, customer_id: str, item_ids: Mapping[str, str], money: MoneyRefs | None):
    """A CreditMemo, or a RefundReceipt (which also needs `money`: the account the money leaves)."""
    doc = CreditMemo() if refund.kind == CREDIT_MEMO else RefundReceipt()
    doc.DocNumber = refund.doc_number
    doc.CustomerRef = ref(customer_id)
    doc.TxnDate = refund.txn_date.isoformat() if refund.txn_date else None
    doc.PrivateNote = refund.memo
    doc.Line = [_line(line, item_ids) for line in refund.lines]
    if refund.kind != CREDIT_MEMO and money is not None:
        doc.PaymentRefNum = refund.ref
        doc.DepositToAccountRef = ref(money.deposit_account_id)
        if money.payment_method_id:
            doc.PaymentMethodRef = ref(money.payment_method_id)
    return doc


def credit_application(refund: PlannedRefund, credit_memo_id: str, customer_id: str, invoice_qbo_id: str,
                       amount: Decimal, txn_date: date | None) -> Payment:
    """A Payment of 0 that takes `amount` of credit memo `credit_memo_id` off invoice `invoice_qbo_id`;
    its PaymentRefNum is the credit memo's DocNumber (its natural key after a lost answer)."""
    payment = Payment()
    payment.PaymentRefNum = refund.doc_number
    payment.CustomerRef = ref(customer_id)
    payment.TotalAmt = Decimal("0.00")
    payment.TxnDate = txn_date.isoformat() if txn_date else None
    payment.PrivateNote = f"Credit memo {refund.doc_number} applied to its invoice; {refund.memo}"[:APPLY_MEMO_MAX]
    lines = []
    for txn_type, txn_id in (("Invoice", invoice_qbo_id), ("CreditMemo", credit_memo_id)):
        line = PaymentLine()
        line.Amount = amount
        linked = LinkedTxn()
        linked.TxnId, linked.TxnType = str(txn_id), txn_type
        line.LinkedTxn = [linked]
        lines.append(line)
    payment.Line = lines
    return payment

"""RefundReceipt and CreditMemo in the QBO sandbox, with QBO's rules: required fields, the refund
account's type, DocNumbers shared with invoices and sales receipts, a credit memo applied to an invoice
by a payment linking both, balances, void/delete order, and queries."""

from __future__ import annotations

from decimal import Decimal

import pytest
from quickbooks.exceptions import QuickbooksException, ValidationException
from quickbooks.objects.base import LinkedTxn, Ref
from quickbooks.objects.creditmemo import CreditMemo
from quickbooks.objects.payment import Payment, PaymentLine
from quickbooks.objects.refundreceipt import RefundReceipt

from .test_entities import new_customer, new_invoice, new_item, sales_line


def _account_id(sandbox, realm, name: str) -> str:
    return next(a["Id"] for a in sandbox.entities(realm, "Account") if a["Name"] == name)


def _ref(value: str) -> Ref:
    ref = Ref()
    ref.value = value
    return ref


def new_refund_receipt(qb, customer, item, amount="20.00", doc_number=None, account_id=None, ref_num=None):
    receipt = RefundReceipt()
    receipt.CustomerRef = customer.to_ref()
    receipt.Line = [sales_line(item, amount)]
    if doc_number:
        receipt.DocNumber = doc_number
    if account_id:
        receipt.DepositToAccountRef = _ref(account_id)
    if ref_num:
        receipt.PaymentRefNum = ref_num
    return receipt.save(qb=qb)


def new_credit_memo(qb, customer, item, amount="40.00", doc_number=None):
    memo = CreditMemo()
    memo.CustomerRef = customer.to_ref() if customer else None
    memo.Line = [sales_line(item, amount)] if item else []
    if doc_number:
        memo.DocNumber = doc_number
    return memo.save(qb=qb)


def apply_credit(qb, customer, invoice, memo, amount: str) -> Payment:
    payment = Payment()
    payment.CustomerRef = customer.to_ref()
    payment.TotalAmt = Decimal("0")
    payment.PaymentRefNum = memo.DocNumber
    for txn_type, txn_id in (("Invoice", invoice.Id), ("CreditMemo", memo.Id)):
        line = PaymentLine()
        line.Amount = Decimal(amount)
        linked = LinkedTxn()
        linked.TxnId, linked.TxnType = txn_id, txn_type
        line.LinkedTxn.append(linked)
        payment.Line.append(line)
    return payment.save(qb=qb)


def test_refund_receipt_needs_lines_and_a_bank_or_current_asset_account(qb, sandbox, realm):
    customer, item = new_customer(qb), new_item(qb)
    undeposited = _account_id(sandbox, realm, "Undeposited Funds")
    with pytest.raises(QuickbooksException) as no_account:
        new_refund_receipt(qb, customer, item)
    assert no_account.value.error_code == 2020
    with pytest.raises(QuickbooksException) as income:
        new_refund_receipt(qb, customer, item, account_id=_account_id(sandbox, realm, "Services"))
    assert income.value.error_code == 6000
    with pytest.raises(QuickbooksException) as no_lines:
        receipt = RefundReceipt()
        receipt.CustomerRef, receipt.DepositToAccountRef = customer.to_ref(), _ref(undeposited)
        receipt.save(qb=qb)
    assert no_lines.value.error_code == 2020

    receipt = new_refund_receipt(qb, customer, item, "20.00", "1001-R1", undeposited, ref_num="ch_refund_" + "9" * 30)
    stored = sandbox.get(realm, "RefundReceipt", receipt.Id)
    assert stored["TotalAmt"] == Decimal("20.00") and stored["Balance"] == Decimal("0.00")
    assert stored["DepositToAccountRef"]["name"] == "Undeposited Funds"
    assert stored["PaymentRefNum"] == "ch_refund_" + "9" * 30  # up to 100 characters on a refund receipt
    checking = new_refund_receipt(qb, customer, item, "5.00", "1001-R2", _account_id(sandbox, realm, "Checking"))
    assert [r.Id for r in RefundReceipt.filter(DocNumber="1001-R1", qb=qb)] == [receipt.Id]
    assert {r.Id for r in RefundReceipt.where("TotalAmt > '1.00'", qb=qb)} == {receipt.Id, checking.Id}


def test_refund_and_credit_memo_doc_numbers_are_shared_with_invoices(qb, sandbox, realm):
    customer, item = new_customer(qb), new_item(qb)
    undeposited = _account_id(sandbox, realm, "Undeposited Funds")
    new_invoice(qb, customer, item, doc_number="2001")
    with pytest.raises(QuickbooksException) as taken:
        new_refund_receipt(qb, customer, item, doc_number="2001", account_id=undeposited)
    assert taken.value.error_code == 6140
    new_refund_receipt(qb, customer, item, doc_number="2001-R1", account_id=undeposited)
    with pytest.raises(QuickbooksException) as memo_taken:
        new_credit_memo(qb, customer, item, doc_number="2001-R1")
    assert memo_taken.value.error_code == 6140
    with pytest.raises(QuickbooksException) as invoice_taken:
        new_invoice(qb, customer, item, doc_number="2001-R1")
    assert invoice_taken.value.error_code == 6140


def test_credit_memo_needs_customer_and_lines_and_is_the_customers_credit(qb, sandbox, realm):
    customer, item = new_customer(qb), new_item(qb)
    with pytest.raises(QuickbooksException) as no_customer:
        new_credit_memo(qb, None, item)
    assert no_customer.value.error_code == 2020
    with pytest.raises(QuickbooksException) as no_lines:
        new_credit_memo(qb, customer, None)
    assert no_lines.value.error_code == 2020
    memo = new_credit_memo(qb, customer, item, "40.00", "3001-R1")
    stored = sandbox.get(realm, "CreditMemo", memo.Id)
    assert stored["RemainingCredit"] == stored["Balance"] == stored["TotalAmt"] == Decimal("40.00")
    assert sandbox.get(realm, "Customer", customer.Id)["Balance"] == Decimal("-40.00")
    assert [m.Id for m in CreditMemo.filter(DocNumber="3001-R1", qb=qb)] == [memo.Id]


def test_a_credit_memo_is_applied_to_an_invoice_by_a_payment_linking_both(qb, sandbox, realm):
    customer, item = new_customer(qb), new_item(qb)
    invoice = new_invoice(qb, customer, item, amounts=("100.00",))
    memo = new_credit_memo(qb, customer, item, "40.00", "4001-R1")
    with pytest.raises(QuickbooksException) as over_credit:
        apply_credit(qb, customer, invoice, memo, "40.01")
    assert over_credit.value.error_code == 6000

    applied = apply_credit(qb, customer, invoice, memo, "40.00")

    assert Decimal(str(applied.TotalAmt)) == Decimal("0") and Decimal(str(applied.UnappliedAmt)) == Decimal("0")
    assert sandbox.get(realm, "Invoice", invoice.Id)["Balance"] == Decimal("60.00")
    stored = sandbox.get(realm, "CreditMemo", memo.Id)
    assert stored["RemainingCredit"] == stored["Balance"] == Decimal("0.00")
    assert sandbox.get(realm, "Customer", customer.Id)["Balance"] == Decimal("60.00")
    with pytest.raises(QuickbooksException) as used_up:
        apply_credit(qb, customer, invoice, memo, "1.00")
    assert used_up.value.error_code == 6000
    with pytest.raises(QuickbooksException) as still_applied:
        CreditMemo.get(memo.Id, qb=qb).delete(qb=qb)
    assert still_applied.value.error_code == 6000

    applied.delete(qb=qb)  # the credit goes back to the memo, the balance back to the invoice
    assert sandbox.get(realm, "Invoice", invoice.Id)["Balance"] == Decimal("100.00")
    assert sandbox.get(realm, "CreditMemo", memo.Id)["RemainingCredit"] == Decimal("40.00")
    CreditMemo.get(memo.Id, qb=qb).delete(qb=qb)
    assert sandbox.get(realm, "Customer", customer.Id)["Balance"] == Decimal("100.00")


def test_credit_applied_cannot_exceed_the_invoices_it_pays(qb, sandbox, realm):
    customer, item = new_customer(qb), new_item(qb)
    invoice = new_invoice(qb, customer, item, amounts=("10.00",))
    memo = new_credit_memo(qb, customer, item, "40.00", "5001-R1")
    payment = Payment()
    payment.CustomerRef, payment.TotalAmt = customer.to_ref(), Decimal("0")
    for txn_type, txn_id, amount in (("Invoice", invoice.Id, "10.00"), ("CreditMemo", memo.Id, "20.00")):
        line = PaymentLine()
        line.Amount = Decimal(amount)
        linked = LinkedTxn()
        linked.TxnId, linked.TxnType = txn_id, txn_type
        line.LinkedTxn.append(linked)
        payment.Line.append(line)
    with pytest.raises((QuickbooksException, ValidationException)) as too_much:
        payment.save(qb=qb)
    assert too_much.value.error_code == 6000

"""Planned documents, payments and drafts as python-quickbooks objects (no I/O).

Ids the plan leaves open (a customer or item created earlier in the same
plan) are passed in already resolved: `item_ids` maps an item name
(case-insensitive) to its QBO id.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Mapping

from quickbooks.objects.base import Address, EmailAddress, LinkedTxn, PhoneNumber, Ref
from quickbooks.objects.customer import Customer
from quickbooks.objects.detailline import SalesItemLine, SalesItemLineDetail
from quickbooks.objects.invoice import Invoice
from quickbooks.objects.item import Item
from quickbooks.objects.payment import Payment, PaymentLine
from quickbooks.objects.salesreceipt import SalesReceipt
from quickbooks.objects.tax import TxnTaxDetail

from syncsvc.engine.customers import CustomerDraft
from syncsvc.engine.documents import INVOICE, PlannedDocument, merge_memo
from syncsvc.engine.items import ItemDraft
from syncsvc.engine.payments import PlannedPayment

PAYMENT_MEMO_MAX = 4000
# What syncsvc owns on an Invoice or SalesReceipt, and so sends on an update; everything else (CustomerMemo,
# SalesTermRef, ClassRef, emails, attachments, ...) is the bookkeeper's and is left out of the sparse update.
DOCUMENT_OWNED = ("DocNumber", "CustomerRef", "TxnDate", "DueDate", "PrivateNote", "Line", "TxnTaxDetail",
                  "PaymentRefNum", "PaymentMethodRef", "DepositToAccountRef")


@dataclass(frozen=True)
class MoneyRefs:
    """Where a payment or receipt's money goes: method ("" = none) and deposit account ids."""

    payment_method_id: str | None
    deposit_account_id: str


def ref(value: str, name: str | None = None) -> Ref:
    r = Ref()
    r.value = str(value)
    if name:
        r.name = name
    return r


def customer_from_draft(draft: CustomerDraft) -> Customer:
    customer = Customer()
    customer.DisplayName = draft.display_name
    customer.GivenName = draft.given_name or None
    customer.FamilyName = draft.family_name or None
    customer.CompanyName = draft.company_name or None
    if draft.email:
        customer.PrimaryEmailAddr = EmailAddress()
        customer.PrimaryEmailAddr.Address = draft.email
    if draft.phone:
        customer.PrimaryPhone = PhoneNumber()
        customer.PrimaryPhone.FreeFormNumber = draft.phone[:30]
    address = draft.bill_address
    if any((address.line1, address.line2, address.city, address.state, address.postal_code, address.country)):
        bill = Address()
        bill.Line1, bill.Line2, bill.City = address.line1 or None, address.line2 or None, address.city or None
        bill.CountrySubDivisionCode, bill.PostalCode = address.state or None, address.postal_code or None
        bill.Country = address.country or None
        customer.BillAddr = bill
    return customer


def item_from_draft(draft: ItemDraft, income_account_id: str) -> Item:
    item = Item()
    item.Name = draft.name
    item.Sku = draft.sku or None
    item.Description = draft.description[:4000] or None
    item.UnitPrice = draft.unit_price
    item.Type = draft.item_type
    item.IncomeAccountRef = ref(income_account_id)
    return item


def document_object(document: PlannedDocument, customer_id: str, item_ids: Mapping[str, str],
                    money: MoneyRefs | None = None):
    """An Invoice or SalesReceipt for `document`; a receipt also needs `money`."""
    doc = Invoice() if document.kind == INVOICE else SalesReceipt()
    doc.DocNumber = document.doc_number
    doc.CustomerRef = ref(customer_id)
    doc.TxnDate = document.txn_date.isoformat() if document.txn_date else None
    doc.PrivateNote = document.memo or None
    if document.kind == INVOICE:
        doc.DueDate = document.due_date.isoformat() if document.due_date else None
    doc.Line = [_line(line, item_ids) for line in document.lines]
    if document.tax_total is not None:
        doc.TxnTaxDetail = TxnTaxDetail()
        doc.TxnTaxDetail.TotalTax = document.tax_total
    if document.kind != INVOICE:
        receipt = document.receipt_payment
        if receipt is not None:
            doc.PaymentRefNum = receipt.ref
        if money is not None:
            doc.DepositToAccountRef = ref(money.deposit_account_id)
            if money.payment_method_id:
                doc.PaymentMethodRef = ref(money.payment_method_id)
    return doc


def payment_object(payment: PlannedPayment, customer_id: str, invoice_qbo_id: str, money: MoneyRefs) -> Payment:
    qbo_payment = Payment()
    qbo_payment.PaymentRefNum = payment.ref
    qbo_payment.CustomerRef = ref(customer_id)
    qbo_payment.TotalAmt = payment.amount
    qbo_payment.TxnDate = payment.pay_date.isoformat() if payment.pay_date else None
    qbo_payment.PrivateNote = payment.memo[:PAYMENT_MEMO_MAX]
    qbo_payment.DepositToAccountRef = ref(money.deposit_account_id)
    if money.payment_method_id:
        qbo_payment.PaymentMethodRef = ref(money.payment_method_id)
    line = PaymentLine()
    line.Amount = payment.amount
    linked = LinkedTxn()
    linked.TxnId, linked.TxnType = str(invoice_qbo_id), "Invoice"
    line.LinkedTxn = [linked]
    qbo_payment.Line = [line]
    return qbo_payment


def sparse_update(doc, current):
    """`doc` (from `document_object`) as a sparse update of `current`, the document as QBO holds it now: only
    the fields syncsvc owns (DOCUMENT_OWNED) are sent with `"sparse": true`, so what a bookkeeper typed in
    QuickBooks stays; the PrivateNote keeps their text around our memo (`merge_memo`)."""
    doc.Id, doc.SyncToken, doc.sparse = current.Id, current.SyncToken, True
    doc.PrivateNote = merge_memo(current.PrivateNote, doc.PrivateNote or "")
    doc.__class__ = _sparse_class(type(doc))
    return doc


_SPARSE_CLASSES: dict[type, type] = {}


def _sparse_class(entity_cls: type) -> type:
    if entity_cls not in _SPARSE_CLASSES:
        def to_json(self) -> str:
            full = json.loads(entity_cls.to_json(self))
            body = {key: full[key] for key in DOCUMENT_OWNED if full.get(key) not in (None, "", [], {})}
            body.update(Id=full["Id"], SyncToken=full["SyncToken"], sparse=True)
            return json.dumps(body, sort_keys=True, indent=4)

        _SPARSE_CLASSES[entity_cls] = type(f"Sparse{entity_cls.__name__}", (entity_cls,), {"to_json": to_json})
    return _SPARSE_CLASSES[entity_cls]


def _line(line, item_ids: Mapping[str, str]) -> SalesItemLine:
    item_id = line.item.qbo_id or item_ids[line.item.name.casefold()]
    qbo_line = SalesItemLine()
    qbo_line.Amount = line.amount
    qbo_line.Description = line.description or None
    qbo_line.SalesItemLineDetail = SalesItemLineDetail()
    qbo_line.SalesItemLineDetail.ItemRef = ref(item_id, line.item.name)
    qbo_line.SalesItemLineDetail.Qty = line.quantity
    qbo_line.SalesItemLineDetail.UnitPrice = line.unit_price
    return qbo_line

"""python-quickbooks objects as the sync would build them (tests only)."""

from __future__ import annotations

from decimal import Decimal

from quickbooks.objects.account import Account
from quickbooks.objects.base import Address, EmailAddress, LinkedTxn, Ref
from quickbooks.objects.customer import Customer
from quickbooks.objects.detailline import SalesItemLine, SalesItemLineDetail
from quickbooks.objects.invoice import Invoice
from quickbooks.objects.item import Item
from quickbooks.objects.payment import Payment, PaymentLine
from quickbooks.objects.salesreceipt import SalesReceipt

from syncsvc.quickbooks.lookups import equals, paged


def customer(display_name, given=None, family=None, email=None, company=None, city=None) -> Customer:
    c = Customer()
    c.DisplayName = display_name
    c.GivenName, c.FamilyName, c.CompanyName = given, family, company
    if email:
        c.PrimaryEmailAddr = EmailAddress()
        c.PrimaryEmailAddr.Address = email
    if city:
        c.BillAddr = Address()
        c.BillAddr.City = city
    return c


def service_item(qb, name, sku=None, price="10.00") -> Item:
    income = next(paged(qb, Account, [equals("Name", "Services")]))
    item = Item()
    item.Name, item.Sku, item.Type = name, sku, "Service"
    item.UnitPrice = Decimal(price)
    item.IncomeAccountRef = income.to_ref()
    return item


def _lines(item, amounts):
    lines = []
    for amount in amounts:
        line = SalesItemLine()
        line.Amount = Decimal(amount)
        line.SalesItemLineDetail = SalesItemLineDetail()
        line.SalesItemLineDetail.ItemRef = item.to_ref()
        line.SalesItemLineDetail.Qty = 1
        line.SalesItemLineDetail.UnitPrice = Decimal(amount)
        lines.append(line)
    return lines


def invoice(doc_number, cust, item, *amounts) -> Invoice:
    inv = Invoice()
    inv.DocNumber = doc_number
    inv.CustomerRef = cust.to_ref()
    inv.Line = _lines(item, amounts or ("10.00",))
    return inv


def sales_receipt(doc_number, cust, item, *amounts) -> SalesReceipt:
    receipt = SalesReceipt()
    receipt.DocNumber = doc_number
    receipt.CustomerRef = cust.to_ref()
    receipt.Line = _lines(item, amounts or ("10.00",))
    return receipt


def payment(ref_num, cust, inv, amount) -> Payment:
    pay = Payment()
    pay.PaymentRefNum = ref_num
    pay.CustomerRef = cust.to_ref()
    pay.TotalAmt = Decimal(amount)
    line = PaymentLine()
    line.Amount = Decimal(amount)
    linked = LinkedTxn()
    linked.TxnId, linked.TxnType = inv.Id, "Invoice"
    line.LinkedTxn = [linked]
    pay.Line = [line]
    return pay


def ref(value: str) -> Ref:
    r = Ref()
    r.value = value
    return r

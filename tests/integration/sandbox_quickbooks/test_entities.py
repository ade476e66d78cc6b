"""python-quickbooks' own objects against the sandbox: create, read, update, void, delete, and QBO's rules."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from quickbooks.exceptions import (ObjectNotFoundException, QuickbooksException, UnsupportedException,
                                   ValidationException)
from quickbooks.objects.base import Address, EmailAddress, LinkedTxn, Ref
from quickbooks.objects.customer import Customer
from quickbooks.objects.detailline import DiscountLine, DiscountLineDetail, SalesItemLine, SalesItemLineDetail
from quickbooks.objects.invoice import Invoice
from quickbooks.objects.item import Item
from quickbooks.objects.payment import Payment, PaymentLine
from quickbooks.objects.salesreceipt import SalesReceipt


def new_customer(qb, name="Amy's Bird Sanctuary", email="amy@example.com", city="Bayshore") -> Customer:
    customer = Customer()
    customer.DisplayName = name
    customer.GivenName, customer.FamilyName = "Amy", "Lauterbach"
    customer.PrimaryEmailAddr = EmailAddress()
    customer.PrimaryEmailAddr.Address = email
    customer.BillAddr = Address()
    customer.BillAddr.Line1, customer.BillAddr.City = "4581 Finch St.", city
    return customer.save(qb=qb)


def new_item(qb, name="Widget", sku="W-1", price="12.50") -> Item:
    item = Item()
    item.Name, item.Sku, item.Type = name, sku, "NonInventory"
    item.UnitPrice = Decimal(price)
    item.IncomeAccountRef = Ref()
    item.IncomeAccountRef.value = "2"  # Sales of Product Income in a fresh sandbox company
    return item.save(qb=qb)


def sales_line(item: Item, amount: str, qty=None, unit_price=None) -> SalesItemLine:
    line = SalesItemLine()
    line.Amount = Decimal(amount)
    line.Description = f"{item.Name} line"
    line.SalesItemLineDetail = SalesItemLineDetail()
    line.SalesItemLineDetail.ItemRef = item.to_ref()
    if qty is not None:
        line.SalesItemLineDetail.Qty = Decimal(qty)
        line.SalesItemLineDetail.UnitPrice = Decimal(unit_price)
    return line


def new_invoice(qb, customer, item, amounts=("10.10", "5.25"), doc_number=None, params=None) -> Invoice:
    invoice = Invoice()
    invoice.CustomerRef = customer.to_ref()
    invoice.Line = [sales_line(item, a) for a in amounts]
    if doc_number:
        invoice.DocNumber = doc_number
    return invoice.save(qb=qb, params=params)


def new_payment(qb, customer, invoice_amounts, total, ref_num=None) -> Payment:
    payment = Payment()
    payment.CustomerRef = customer.to_ref()
    payment.TotalAmt = Decimal(total)
    for invoice, amount in invoice_amounts:
        line = PaymentLine()
        line.Amount = Decimal(amount)
        linked = LinkedTxn()
        linked.TxnId, linked.TxnType = invoice.Id, "Invoice"
        line.LinkedTxn.append(linked)
        payment.Line.append(line)
    if ref_num:
        payment.PaymentRefNum = ref_num
    return payment.save(qb=qb)


def test_customer_create_read_and_enrichment(qb, sandbox, realm):
    created = new_customer(qb)
    assert created.Id.isdigit() and created.SyncToken == "0"
    stored = sandbox.entities(realm, "Customer")[0]
    assert stored["DisplayName"] == "Amy's Bird Sanctuary"
    assert stored["FullyQualifiedName"] == stored["PrintOnCheckName"] == "Amy's Bird Sanctuary"
    assert stored["BillAddr"]["City"] == "Bayshore" and "Id" in stored["BillAddr"]
    assert "Line2" not in stored["BillAddr"]  # python-quickbooks' empty defaults are not stored
    assert stored["CurrencyRef"]["value"] == "USD" and stored["Balance"] == 0
    assert stored["MetaData"]["CreateTime"] == stored["MetaData"]["LastUpdatedTime"]
    fetched = Customer.get(created.Id, qb=qb)
    assert fetched.PrimaryEmailAddr.Address == "amy@example.com"


def test_customer_display_name_defaults_from_name_parts(qb):
    customer = Customer()
    customer.GivenName, customer.FamilyName = "Dylan", "Sollfrank"
    assert customer.save(qb=qb).DisplayName == "Dylan Sollfrank"


def test_duplicate_display_name_is_6240(qb):
    new_customer(qb, name="Dup Name")
    with pytest.raises(QuickbooksException) as dup:
        new_customer(qb, name="dup name")
    assert dup.value.error_code == 6240 and dup.value.message == "Duplicate Name Exists Error"


def test_duplicate_item_name_is_6240_and_sku_is_kept(qb):
    item = new_item(qb)
    assert Item.get(item.Id, qb=qb).Sku == "W-1"
    with pytest.raises(QuickbooksException) as dup:
        new_item(qb, sku="W-2")
    assert dup.value.error_code == 6240


def test_missing_required_and_bad_reference(qb):
    with pytest.raises(ValidationException) as missing:
        _item_without_income(qb)
    assert missing.value.error_code == 2020
    customer = new_customer(qb)
    invoice = Invoice()
    invoice.CustomerRef = customer.to_ref()
    line = SalesItemLine()
    line.Amount = Decimal("1.00")
    line.SalesItemLineDetail = SalesItemLineDetail()
    line.SalesItemLineDetail.ItemRef = Ref()
    line.SalesItemLineDetail.ItemRef.value = "999"
    invoice.Line.append(line)
    with pytest.raises(ValidationException) as bad_ref:
        invoice.save(qb=qb)
    assert bad_ref.value.error_code == 2500
    with pytest.raises(ObjectNotFoundException):
        Customer.get("4242", qb=qb)


def _item_without_income(qb):
    item = Item()
    item.Name = "No account"
    return item.save(qb=qb)


def test_unknown_property_is_2010(qb, api):
    customer = new_customer(qb)
    answer = api.post("/invoice", json={"CustomerRef": {"value": customer.Id}, "BadJson": True,
                                        "Line": [{"Amount": 1, "DetailType": "SalesItemLineDetail",
                                                  "SalesItemLineDetail": {"ItemRef": {"value": "1"}}}]})
    assert answer.status_code == 400
    error = answer.json()["Fault"]["Error"][0]
    assert error["code"] == "2010" and "BadJson" in error["Detail"]
    assert answer.json()["Fault"]["type"] == "ValidationFault" and "time" in answer.json()


def test_invoice_enrichment_totals_and_docnumber(qb, sandbox, realm):
    customer, item = new_customer(qb), new_item(qb)
    invoice = new_invoice(qb, customer, item)
    stored = sandbox.get(realm, "Invoice", invoice.Id)
    assert stored["TotalAmt"] == Decimal("15.35") and stored["Balance"] == Decimal("15.35")
    assert stored["DocNumber"] == "1001"
    assert stored["CustomerRef"] == {"value": customer.Id, "name": "Amy's Bird Sanctuary"}
    assert stored["BillAddr"]["City"] == "Bayshore"  # copied from the customer
    sales = [line for line in stored["Line"] if line["DetailType"] == "SalesItemLineDetail"]
    assert [(line["Id"], line["LineNum"]) for line in sales] == [("1", 1), ("2", 2)]
    assert sales[0]["SalesItemLineDetail"]["TaxCodeRef"] == {"value": "NON"}
    assert stored["Line"][-1] == {"Amount": Decimal("15.35"), "DetailType": "SubTotalLineDetail",
                                  "SubTotalLineDetail": {}}
    assert stored["CurrencyRef"]["value"] == "USD" and stored["SyncToken"] == "0"
    assert new_invoice(qb, customer, item).DocNumber == "1002"
    assert sandbox.totals_by_day(realm, "Invoice") == {date.fromisoformat(stored["TxnDate"]): Decimal("30.70")}


def test_invoice_discount_line_and_qty_price_check(qb, sandbox, realm):
    customer, item = new_customer(qb), new_item(qb)
    invoice = Invoice()
    invoice.CustomerRef = customer.to_ref()
    invoice.Line = [sales_line(item, "25.00", qty="2", unit_price="12.50")]
    discount = DiscountLine()
    discount.DiscountLineDetail = DiscountLineDetail()
    discount.DiscountLineDetail.PercentBased = True
    discount.DiscountLineDetail.DiscountPercent = 10
    invoice.Line.append(discount)
    saved = invoice.save(qb=qb)
    assert sandbox.get(realm, "Invoice", saved.Id)["TotalAmt"] == Decimal("22.50")
    wrong = Invoice()
    wrong.CustomerRef = customer.to_ref()
    wrong.Line = [sales_line(item, "20.00", qty="2", unit_price="12.50")]
    with pytest.raises(QuickbooksException) as mismatch:
        wrong.save(qb=qb)
    assert mismatch.value.error_code == 6070


def test_duplicate_docnumber_is_6140_unless_allowed(qb, sandbox, realm):
    customer, item = new_customer(qb), new_item(qb)
    new_invoice(qb, customer, item, doc_number="K-1001")
    with pytest.raises(QuickbooksException) as dup:
        new_invoice(qb, customer, item, doc_number="K-1001")
    assert dup.value.error_code == 6140
    allowed = new_invoice(qb, customer, item, doc_number="K-1001", params={"include": "allowduplicatedocnum"})
    assert allowed.DocNumber == "K-1001"
    with pytest.raises(ValidationException) as too_long:
        new_invoice(qb, customer, item, doc_number="X" * 22)
    assert too_long.value.error_code == 2050


def test_full_and_sparse_update_and_stale_synctoken(qb, sandbox, realm):
    customer, item = new_customer(qb), new_item(qb)
    invoice = new_invoice(qb, customer, item)
    invoice.PrivateNote = "full update"
    updated = invoice.save(qb=qb)  # python-quickbooks posts the whole object back
    assert updated.SyncToken == "1" and updated.PrivateNote == "full update"
    stored = sandbox.get(realm, "Invoice", invoice.Id)
    assert stored["TotalAmt"] == Decimal("15.35") and stored["DocNumber"] == "1001"
    assert [l.get("Id") for l in stored["Line"][:2]] == ["1", "2"]  # lines sent with Ids keep them
    sparse = Invoice()
    sparse.Id, sparse.SyncToken, sparse.sparse = invoice.Id, "1", True
    sparse.TrackingNum = "TRACK-9"
    after = sparse.save(qb=qb)
    stored = sandbox.get(realm, "Invoice", invoice.Id)
    assert after.SyncToken == "2" and stored["TrackingNum"] == "TRACK-9"
    assert stored["PrivateNote"] == "full update" and stored["TotalAmt"] == Decimal("15.35")
    invoice.SyncToken = "1"
    with pytest.raises(QuickbooksException) as stale:
        invoice.save(qb=qb)
    assert stale.value.error_code == 5010 and "Stale Object Error" in stale.value.message


def test_full_update_of_customer_round_trips(qb):
    customer = new_customer(qb)
    fetched = Customer.get(customer.Id, qb=qb)
    fetched.CompanyName = "Bird Co"
    saved = fetched.save(qb=qb)
    assert saved.SyncToken == "1" and saved.CompanyName == "Bird Co"
    with pytest.raises(UnsupportedException):  # name lists are deactivated, never deleted
        qb.delete_object("Customer", json.dumps({"Id": saved.Id, "SyncToken": saved.SyncToken}))


def test_payment_reduces_balance_and_leaves_unapplied(qb, sandbox, realm):
    customer, item = new_customer(qb), new_item(qb)
    first = new_invoice(qb, customer, item, amounts=("100.00",))
    second = new_invoice(qb, customer, item, amounts=("40.00",))
    payment = new_payment(qb, customer, [(first, "60.00"), (second, "40.00")], "110.00", ref_num="ch_123")
    assert Decimal(str(payment.UnappliedAmt)) == Decimal("10.00")
    assert sandbox.get(realm, "Invoice", first.Id)["Balance"] == Decimal("40.00")
    assert sandbox.get(realm, "Invoice", second.Id)["Balance"] == Decimal("0.00")
    assert sandbox.get(realm, "Invoice", first.Id)["LinkedTxn"] == [{"TxnId": payment.Id, "TxnType": "Payment"}]
    assert sandbox.get(realm, "Customer", customer.Id)["Balance"] == Decimal("30.00")
    stored = sandbox.get(realm, "Payment", payment.Id)
    assert stored["DepositToAccountRef"]["name"] == "Undeposited Funds" and stored["PaymentRefNum"] == "ch_123"
    with pytest.raises(QuickbooksException) as over_open:
        new_payment(qb, customer, [(first, "40.01")], "40.01")
    assert over_open.value.error_code == 6000
    with pytest.raises(QuickbooksException) as over_total:
        new_payment(qb, customer, [(first, "30.00")], "20.00")
    assert over_total.value.error_code == 6000
    with pytest.raises(ValidationException) as long_ref:
        new_payment(qb, customer, [(first, "1.00")], "1.00", ref_num="R" * 22)
    assert long_ref.value.error_code == 2050
    assert sandbox.get(realm, "Invoice", first.Id)["Balance"] == Decimal("40.00")


def test_payment_update_void_and_delete_restore_balances(qb, sandbox, realm):
    customer, item = new_customer(qb), new_item(qb)
    invoice = new_invoice(qb, customer, item, amounts=("50.00",))
    payment = new_payment(qb, customer, [(invoice, "20.00")], "20.00")
    fetched = Payment.get(payment.Id, qb=qb)
    fetched.PrivateNote = "checked"
    fetched = fetched.save(qb=qb)  # full update posts LineEx and everything back
    assert fetched.SyncToken == "1"
    assert sandbox.get(realm, "Invoice", invoice.Id)["Balance"] == Decimal("30.00")
    fetched.void(qb=qb)
    voided = sandbox.get(realm, "Payment", payment.Id)
    assert voided["TotalAmt"] == 0 and voided["PrivateNote"] == "Voided" and voided["SyncToken"] == "2"
    assert sandbox.get(realm, "Invoice", invoice.Id)["Balance"] == Decimal("50.00")
    second = new_payment(qb, customer, [(invoice, "50.00")], "50.00")
    assert sandbox.get(realm, "Invoice", invoice.Id)["Balance"] == 0
    answer = second.delete(qb=qb)
    assert answer["Payment"] == {"domain": "QBO", "status": "Deleted", "Id": second.Id}
    assert sandbox.get(realm, "Invoice", invoice.Id)["Balance"] == Decimal("50.00")


def test_invoice_void_and_delete(qb, sandbox, realm):
    customer, item = new_customer(qb), new_item(qb)
    invoice = new_invoice(qb, customer, item)
    result = invoice.void(qb=qb)
    assert result["Invoice"]["TotalAmt"] == 0 and result["Invoice"]["SyncToken"] == "1"
    assert result["Invoice"]["PrivateNote"] == "Voided" and result["Invoice"]["DocNumber"] == "1001"
    paid = new_invoice(qb, customer, item, amounts=("9.00",))
    new_payment(qb, customer, [(paid, "9.00")], "9.00")
    with pytest.raises(QuickbooksException) as has_payment:
        Invoice.get(paid.Id, qb=qb).delete(qb=qb)
    assert has_payment.value.error_code == 6000
    fresh = Invoice.get(invoice.Id, qb=qb)
    fresh.delete(qb=qb)
    with pytest.raises(ObjectNotFoundException):
        Invoice.get(invoice.Id, qb=qb)
    assert [i["Id"] for i in sandbox.entities(realm, "Invoice")] == [paid.Id]


def test_sales_receipt_create_void_delete(qb, sandbox, realm):
    customer, item = new_customer(qb), new_item(qb)
    receipt = SalesReceipt()
    receipt.CustomerRef = customer.to_ref()
    receipt.Line = [sales_line(item, "19.99")]
    receipt.PaymentMethodRef = Ref()
    receipt.PaymentMethodRef.value = "3"
    receipt.PaymentRefNum = "txn-77"
    saved = receipt.save(qb=qb)  # python-quickbooks sends DocNumber "" here
    stored = sandbox.get(realm, "SalesReceipt", saved.Id)
    assert stored["DocNumber"] == "1001" and stored["TotalAmt"] == Decimal("19.99") and stored["Balance"] == 0
    assert stored["PaymentMethodRef"] == {"value": "3", "name": "Visa"}
    assert stored["DepositToAccountRef"]["name"] == "Undeposited Funds"
    saved.void(qb=qb)
    assert sandbox.get(realm, "SalesReceipt", saved.Id)["TotalAmt"] == 0
    SalesReceipt.get(saved.Id, qb=qb).delete(qb=qb)
    assert sandbox.entities(realm, "SalesReceipt") == []


def test_requestid_replays_the_first_response(qb, sandbox, realm):
    customer, item = new_customer(qb), new_item(qb)
    invoice = Invoice()
    invoice.CustomerRef = customer.to_ref()
    invoice.Line = [sales_line(item, "10.00")]
    first = invoice.save(qb=qb, request_id="order-42-v1")
    invoice.Id = None
    second = invoice.save(qb=qb, request_id="order-42-v1")
    assert first.Id == second.Id
    assert len(sandbox.entities(realm, "Invoice")) == 1


def test_requestid_replay_can_be_switched_off(qb, sandbox, realm):
    sandbox.configure(realm, requestid_replay=False)
    customer, item = new_customer(qb), new_item(qb)
    invoice = Invoice()
    invoice.CustomerRef = customer.to_ref()
    invoice.Line = [sales_line(item, "10.00")]
    first = invoice.save(qb=qb, request_id="order-43-v1")
    invoice.Id = None
    second = invoice.save(qb=qb, request_id="order-43-v1")
    assert first.Id != second.Id
    assert len(sandbox.entities(realm, "Invoice")) == 2

"""InvoiceService over real sockets, with the standard library's XML-RPC client."""

from __future__ import annotations

import xmlrpc.client
from datetime import datetime
from decimal import Decimal

import pytest

from syncsvc.sandbox.infusionsoft import DECLINE_CARD

KEY = "placeholder"  # ignored when the X-Keap-API-Key header authenticates
ORDER_DATE = datetime(2024, 11, 18, 14, 30, 0)


def new_order(api, contact, *lines):
    invoice_id = api.InvoiceService.createBlankOrder(KEY, contact, "Web order", ORDER_DATE, 0, 0)
    for product, item_type, price, qty, name in lines:
        assert api.InvoiceService.addOrderItem(KEY, invoice_id, product, item_type, price, qty, name, "notes") is True
    return invoice_id


def invoice_row(api, invoice_id, *fields):
    return api.DataService.load(KEY, "Invoice", invoice_id, list(fields) or ["Id", "JobId", "InvoiceTotal",
                                "TotalPaid", "TotalDue", "PayStatus", "RefundStatus", "LastUpdated"])


def test_create_blank_order_makes_a_job_and_an_invoice(api, customer):
    contact, _, _ = customer
    invoice_id = api.InvoiceService.createBlankOrder(KEY, contact, "hello world", ORDER_DATE, 0, 2)
    invoice = invoice_row(api, invoice_id, "JobId", "ContactId", "DateCreated", "InvoiceTotal", "AffiliateId")
    job = api.DataService.load(KEY, "Job", invoice["JobId"], ["JobTitle", "ContactId", "DateCreated", "LastUpdated"])
    assert job["JobTitle"] == "hello world" and job["ContactId"] == contact
    assert str(job["DateCreated"]) == "20241118T14:30:00"
    # LastUpdated is the account-local now: 10:00 in New York for 15:00 UTC
    assert str(job["LastUpdated"]) == "20241120T10:00:00"
    assert invoice["InvoiceTotal"] == 0.0 and invoice["AffiliateId"] == 2
    assert api.InvoiceService.getOrderId(KEY, invoice_id) == invoice["JobId"]
    assert api.InvoiceService.getInvoiceId(KEY, invoice["JobId"]) == invoice_id


def test_add_order_item_updates_totals_and_bumps_last_updated(api, customer, clock):
    contact, _, product = customer
    invoice_id = new_order(api, contact)
    before = invoice_row(api, invoice_id)["LastUpdated"]
    clock.now = clock.now.replace(hour=16)
    new_order_items = [(product, 4, 17.47, 2, "Brake Pads"), (0, 1, 5.0, 1, "Shipping"), (0, 7, -2.5, 1, "Promo")]
    for line in new_order_items:
        api.InvoiceService.addOrderItem(KEY, invoice_id, *line, "")
    invoice = invoice_row(api, invoice_id)
    assert invoice["InvoiceTotal"] == pytest.approx(37.44) and invoice["TotalDue"] == pytest.approx(37.44)
    assert invoice["PayStatus"] == 0
    assert str(before) == "20241120T10:00:00" and str(invoice["LastUpdated"]) == "20241120T11:00:00"
    items = api.DataService.query(KEY, "OrderItem", 10, 0, {"OrderId": invoice["JobId"]},
                                  ["ProductId", "ItemType", "PPU", "Qty", "ItemName"], "Id", True)
    assert [(i["ProductId"], i["ItemType"], i["PPU"]) for i in items] == [(product, 4, 17.47), (0, 1, 5.0), (0, 7, -2.5)]
    amounts = api.DataService.query(KEY, "InvoiceItem", 10, 0, {"InvoiceId": invoice_id}, ["InvoiceAmt"], "Id", True)
    assert [a["InvoiceAmt"] for a in amounts] == [34.94, 5.0, -2.5]


def test_seed_002_worked_example_manual_payment(api, sandbox, customer):
    contact, _, product = customer
    invoice_id = new_order(api, contact, (product, 4, 17.47, 2, "Brake Pads"))
    assert api.InvoiceService.calculateAmountOwed(KEY, invoice_id) == 34.94
    paid_on = datetime(2007, 1, 12, 15, 45, 10)
    assert api.InvoiceService.addManualPayment(KEY, invoice_id, 5.06, paid_on, "Check", "Personal check", False) is True
    assert api.InvoiceService.calculateAmountOwed(KEY, invoice_id) == 29.88
    [payment] = api.InvoiceService.getPayments(KEY, invoice_id)
    assert payment["ChargeId"] == 0 and payment["PayType"] == "Check" and payment["PayAmt"] == 5.06
    assert str(payment["PayDate"]) == "20070112T00:00:00"  # manual payments are stamped at midnight
    assert sandbox.store.get("Invoice", invoice_id)["TotalDue"] == Decimal("29.88")


def test_charge_invoice_approves_and_records_payment_allocation_and_charge(api, sandbox, customer):
    contact, card, product = customer
    invoice_id = new_order(api, contact, (product, 4, 17.47, 2, "Brake Pads"))
    result = api.InvoiceService.chargeInvoice(KEY, invoice_id, "API Upsell Payment", card, 1, False)
    assert result["Successful"] is True and result["Code"] == "APPROVED" and result["RefNum"] not in ("", "0")
    [payment] = api.InvoiceService.getPayments(KEY, invoice_id)
    charge = api.DataService.load(KEY, "CCharge", payment["ChargeId"], ["RefNum", "ApprCode", "Amt", "PaymentId"])
    assert charge["RefNum"] == result["RefNum"] and charge["PaymentId"] == payment["Id"]
    assert len(charge["ApprCode"]) == 6 and charge["Amt"] == 34.94
    [allocation] = api.DataService.query(KEY, "InvoicePayment", 10, 0, {"InvoiceId": invoice_id},
                                         ["PaymentId", "Amt"])
    assert allocation == {"PaymentId": payment["Id"], "Amt": 34.94}
    assert invoice_row(api, invoice_id)["PayStatus"] == 1
    # a second charge has nothing to collect
    skipped = api.InvoiceService.chargeInvoice(KEY, invoice_id, "again", card, 1, False)
    assert skipped["Successful"] is False and skipped["Code"] == "SKIPPED"
    # RefNums are unique per charge
    other = new_order(api, contact, (product, 4, 17.47, 1, "Brake Pads"))
    assert api.InvoiceService.chargeInvoice(KEY, other, "", card, 1, False)["RefNum"] != result["RefNum"]


def test_declined_charge_records_no_payment(api, sandbox, customer):
    contact, _, product = customer
    bad_card = sandbox.store.add_credit_card(contact, DECLINE_CARD)
    invoice_id = new_order(api, contact, (product, 4, 17.47, 1, "Brake Pads"))
    result = api.InvoiceService.chargeInvoice(KEY, invoice_id, "", bad_card, 1, False)
    assert result["Successful"] is False and result["Code"] == "DECLINED"
    assert api.InvoiceService.getPayments(KEY, invoice_id) == []
    assert api.DataService.count(KEY, "CCharge", {"Id": "%"}) == 0
    assert api.InvoiceService.calculateAmountOwed(KEY, invoice_id) == 17.47


def test_delete_invoice_removes_the_order_and_ids_diverge_afterwards(api, customer):
    contact, _, product = customer
    first = new_order(api, contact, (product, 4, 17.47, 1, "Brake Pads"))
    doomed = new_order(api, contact, (product, 4, 17.47, 1, "Brake Pads"))
    doomed_job = api.InvoiceService.getOrderId(KEY, doomed)
    assert api.InvoiceService.getOrderId(KEY, first) == first and doomed_job == doomed
    assert api.InvoiceService.deleteInvoice(KEY, doomed) is True
    assert api.DataService.count(KEY, "Job", {"Id": doomed_job}) == 0
    assert api.DataService.count(KEY, "OrderItem", {"OrderId": doomed_job}) == 0
    with pytest.raises(xmlrpc.client.Fault) as fault:
        api.DataService.load(KEY, "Invoice", doomed, ["Id"])
    assert fault.value.faultString.startswith("[RecordNotFound]")
    later = new_order(api, contact, (product, 4, 1.0, 1, "Later"))
    assert later == doomed + 1
    assert api.InvoiceService.getOrderId(KEY, later) != later


def test_payment_plan_splits_the_rest_evenly(api, sandbox, customer):
    contact, card, product = customer
    invoice_id = new_order(api, contact, (product, 4, 25.0, 4, "Brake Pads"))  # 100.00
    assert api.InvoiceService.addPaymentPlan(
        KEY, invoice_id, True, card, 1, 2, 3, 25.5, datetime(2024, 10, 11), datetime(2024, 10, 25), 3, 30,
    ) is True
    [plan] = api.DataService.query(KEY, "PayPlan", 10, 0, {"InvoiceId": invoice_id},
                                   ["Id", "AmtDue", "FirstPayAmt", "StartDate"])
    assert plan["AmtDue"] == 100.0 and plan["FirstPayAmt"] == 25.5
    items = api.DataService.query(KEY, "PayPlanItem", 10, 0, {"PayPlanId": plan["Id"]}, ["DateDue", "AmtDue"], "Id", True)
    assert [i["AmtDue"] for i in items] == [25.5, 24.83, 24.83, 24.84]
    assert [str(i["DateDue"])[:8] for i in items] == ["20241011", "20241025", "20241124", "20241224"]
    assert invoice_row(api, invoice_id, "PayPlanStatus")["PayPlanStatus"] == 1


def test_subscription_invoices_every_due_cycle_once(api, sandbox, customer, clock):
    contact, card, product = customer
    plan = sandbox.store.add_subscription_plan(product, "9.99", cycle="2", frequency=1)
    sub = api.InvoiceService.addRecurringOrder(KEY, contact, False, plan, 1, 9.99, False, 1, card, 0, 0)
    assert api.InvoiceService.addRecurringOrder(KEY, contact, False, plan, 1, 9.99, False, 1, card, 0, 0) == sub
    assert api.InvoiceService.updateJobRecurringNextBillDate(KEY, sub, datetime(2024, 9, 1)) is True
    invoice_id = api.InvoiceService.createInvoiceForRecurring(KEY, sub)  # Sep 1, Oct 1, Nov 1 are due
    assert invoice_id > 0
    assert invoice_row(api, invoice_id)["InvoiceTotal"] == pytest.approx(29.97)
    job = api.InvoiceService.getOrderId(KEY, invoice_id)
    assert api.DataService.count(KEY, "OrderItem", {"OrderId": job, "ItemType": 9}) == 3
    assert api.InvoiceService.createInvoiceForRecurring(KEY, sub) == 0
    assert api.DataService.load(KEY, "RecurringOrder", sub, ["NextBillDate"])["NextBillDate"].value.startswith("20241201")
    assert api.InvoiceService.deleteSubscription(KEY, sub) is True
    assert api.DataService.count(KEY, "Invoice", {"Id": invoice_id}) == 0
    assert api.DataService.count(KEY, "RecurringOrder", {"Id": sub}) == 0


def test_card_lookup_validation_and_options(api, sandbox, customer):
    contact, card, _ = customer
    assert api.InvoiceService.locateExistingCard(KEY, contact, "1111") == card
    assert api.InvoiceService.locateExistingCard(KEY, contact, "9999") == 0
    assert api.InvoiceService.validateCreditCard(KEY, card) == {"Message": "", "Valid": "true"}
    expired = {"CardType": "Visa", "ContactId": contact, "CardNumber": "4111111111111111",
               "ExpirationMonth": "12", "ExpirationYear": "2009", "CVV2": "123"}
    assert api.InvoiceService.validateCreditCard(KEY, expired) == {"Message": "Card has expired", "Valid": "false"}
    options = api.InvoiceService.getAllPaymentOptions(KEY)
    assert options["Check"] == "Check" and "Credit Card (Manual)" in options and "Refund" in options
    assert api.InvoiceService.getAllShippingOptions(KEY) is True


def test_recalculate_tax_and_commission_override(api, sandbox, customer):
    contact, _, product = customer
    invoice_id = new_order(api, contact, (product, 4, 17.47, 2, "Brake Pads"), (0, 3, 10.0, 1, "Labor"))
    assert api.InvoiceService.recalculateTax(KEY, invoice_id) is True  # no rate configured: unchanged
    assert api.InvoiceService.calculateAmountOwed(KEY, invoice_id) == 44.94
    sandbox.store.tax_rate = Decimal("0.0625")
    assert api.InvoiceService.recalculateTax(KEY, invoice_id) is True
    assert api.InvoiceService.calculateAmountOwed(KEY, invoice_id) == 47.12  # + 2.18 on the taxable 34.94
    assert api.InvoiceService.addOrderCommissionOverride(
        KEY, invoice_id, 1, product, 15, 5.06, 5, "No Description", datetime(2024, 11, 1)) is True
    with pytest.raises(xmlrpc.client.Fault) as fault:
        api.InvoiceService.addOrderCommissionOverride(KEY, 999, 1, product, 15, 5.06, 5, "x", datetime(2024, 11, 1))
    assert fault.value.faultCode == 5 and fault.value.faultString.startswith("[RecordNotFound]")


def test_java_overloads_reject_wrong_argument_types(api, customer):
    contact, _, _ = customer
    invoice_id = new_order(api, contact)
    with pytest.raises(xmlrpc.client.Fault) as fault:  # amount as int instead of double
        api.InvoiceService.addManualPayment(KEY, invoice_id, 5, ORDER_DATE, "Check", "", False)
    assert fault.value.faultString == (
        "No method matching arguments: java.lang.String, java.lang.Integer, java.lang.Integer, java.util.Date, "
        "java.lang.String, java.lang.String, java.lang.Boolean"
    )

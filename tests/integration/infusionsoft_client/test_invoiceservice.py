"""Every InvoiceService method through the client, against the sandbox."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from syncsvc.infusionsoft.errors import InfusionsoftFault, RecordNotFoundFault
from syncsvc.infusionsoft.invoiceservice import NewCard
from syncsvc.infusionsoft.records import ItemType
from syncsvc.sandbox.infusionsoft import APPROVE_CARD, DECLINE_CARD

NY = ZoneInfo("America/New_York")
NOW = datetime.now(NY)


@pytest.fixture
def client(make_client):
    return make_client()


@pytest.fixture
def shop(sandbox):
    contact = sandbox.store.add_contact(FirstName="Ann", LastName="O'Brien", Email="ann@example.com")
    product = sandbox.store.add_product(ProductName="Head gasket", ProductPrice=17.47, Sku="HG-1")
    return contact, product


def order_with_item(client, contact, product, price="17.47", qty=2) -> int:
    invoice_id = client.invoices.create_blank_order(contact, "Cart order", NOW)
    assert client.invoices.add_order_item(invoice_id, product, ItemType.PRODUCT, Decimal(price), qty, "Head gasket", "")
    return invoice_id


def test_seed_002_worked_example(client, shop):
    """Invoice owing 34.94, a 5.06 manual payment by Check, now owing 29.88."""
    invoice_id = order_with_item(client, *shop)
    assert client.invoices.calculate_amount_owed(invoice_id) == Decimal("34.94")
    pay_date = datetime(2007, 1, 12, tzinfo=NY)
    assert client.invoices.add_manual_payment(invoice_id, Decimal("5.06"), pay_date, "Check", "Personal check")
    assert client.invoices.calculate_amount_owed(invoice_id) == Decimal("29.88")
    [payment] = client.invoices.get_payments(invoice_id)
    assert (payment.amount, payment.pay_type, payment.note) == (Decimal("5.06"), "Check", "Personal check")
    assert payment.pay_date == pay_date and payment.is_manual and payment.ref_num is None


def test_charge_invoice_approved_and_declined_and_ref_num_reaches_the_payment(client, sandbox, shop):
    contact, product = shop
    card = sandbox.store.add_credit_card(contact, APPROVE_CARD)
    invoice_id = order_with_item(client, contact, product)
    approved = client.invoices.charge_invoice(invoice_id, "API Upsell Payment", card, 1)
    assert approved.successful and approved.code == "APPROVED" and approved.ref_num
    assert client.invoices.calculate_amount_owed(invoice_id) == Decimal("0")
    [payment] = client.source.payments_for_invoices([invoice_id])
    assert payment.ref_num == approved.ref_num and not payment.is_manual

    skipped = client.invoices.charge_invoice(invoice_id, "again", card, 1)
    assert not skipped.successful and skipped.code == "SKIPPED" and skipped.ref_num is None

    bad_card = sandbox.store.add_credit_card(contact, DECLINE_CARD)
    unpaid = order_with_item(client, contact, product)
    declined = client.invoices.charge_invoice(unpaid, "try", bad_card, 1)
    assert not declined.successful and declined.code == "DECLINED"
    assert client.invoices.get_payments(unpaid) == []  # a failed charge makes no payment


def test_cards(client, sandbox, shop):
    contact, _ = shop
    card = sandbox.store.add_credit_card(contact, APPROVE_CARD)
    assert client.invoices.locate_existing_card(contact, "1111") == card
    assert client.invoices.locate_existing_card(contact, "9999") is None
    assert client.invoices.validate_credit_card(card).valid
    expired = NewCard("Visa", contact, APPROVE_CARD, "12", "2009", "123")
    result = client.invoices.validate_credit_card(expired)
    assert not result.valid and result.message
    fresh = NewCard("Visa", contact, APPROVE_CARD, "12", str(NOW.year + 2), "123")
    assert client.invoices.validate_credit_card(fresh).valid


def test_payment_plan_and_its_details_by_invoice_id(client, sandbox, shop):
    contact, product = shop
    card = sandbox.store.add_credit_card(contact, APPROVE_CARD)
    invoice_id = order_with_item(client, contact, product, price="100.00", qty=1)
    start = NOW + timedelta(days=14)
    assert client.invoices.add_payment_plan(
        invoice_id, True, card, 1, 2, 3, Decimal("25.00"), NOW, start, 3, 30
    )
    plan = client.payment_plan_for_invoice(invoice_id)
    assert plan is not None and plan.invoice_id == invoice_id
    assert plan.first_payment_amount == Decimal("25.00")
    assert len(plan.items) == 4
    assert sum((item.amount_due for item in plan.items), Decimal("0")) == Decimal("100.00")
    assert all(item.date_due.tzinfo is not None for item in plan.items)
    assert client.payment_plan_for_invoice(order_with_item(client, contact, product)) is None


def test_subscriptions(client, sandbox, shop):
    contact, product = shop
    card = sandbox.store.add_credit_card(contact, APPROVE_CARD)
    plan = sandbox.store.add_subscription_plan(product, "9.95")
    recurring = client.invoices.add_recurring_order(contact, False, plan, 1, Decimal("9.95"), False, 1, card, 0, 0)
    assert recurring > 0
    invoice_id = client.invoices.create_invoice_for_recurring(recurring)
    assert invoice_id and client.invoices.calculate_amount_owed(invoice_id) == Decimal("9.95")
    assert client.invoices.create_invoice_for_recurring(recurring) is None  # nothing more due
    assert client.invoices.update_job_recurring_next_bill_date(recurring, NOW + timedelta(days=40))
    [row] = sandbox.store.rows("RecurringOrder", Id=recurring)
    assert row["NextBillDate"].date() == (NOW + timedelta(days=40)).date()
    assert client.invoices.delete_subscription(recurring)
    assert sandbox.store.rows("RecurringOrder", Id=recurring) == []


def test_ids_lookup_delete_tax_options_commissions(client, sandbox, shop):
    contact, product = shop
    first = order_with_item(client, contact, product)
    order_id = client.invoices.get_order_id(first)
    assert client.invoices.get_invoice_id(order_id) == first
    assert client.invoices.delete_invoice(first)
    with pytest.raises(InfusionsoftFault):
        client.invoices.calculate_amount_owed(first)
    assert client.source.invoices_by_ids([first]) == []

    second = order_with_item(client, contact, product)
    assert client.invoices.get_invoice_id(client.invoices.get_order_id(second)) == second
    assert client.invoices.recalculate_tax(second)
    assert "Check" in client.invoices.get_all_payment_options()
    assert client.invoices.get_all_shipping_options() is not None
    assert client.invoices.add_order_commission_override(second, 1, product, 15, Decimal("5.06"), 5, "No Description", NOW)


def test_data_service_load_and_find_by_field(client, shop):
    contact, product = shop
    row = client.data.load("Contact", contact, ["Id", "FirstName", "LastName"])
    assert row == {"Id": contact, "FirstName": "Ann", "LastName": "O'Brien"}
    assert [r["Id"] for r in client.data.find_by_field("Product", "Sku", "HG-1", ["Id"])] == [product]
    assert client.data.count("Contact", {"LastName": "O'Brien"}) == 1
    with pytest.raises(RecordNotFoundFault):
        client.data.load("Contact", 999999, ["Id"])

"""QuickBooks' rules on names, end to end (issue 10): inactive records, DisplayNames held by vendors
and employees, names and emails QBO refuses, and a payment method whose creation meets a 5xx.

Real QBO hides inactive customers, items and payment methods from queries but keeps their names
taken; the sandbox does the same. Before the fix an inactive item or customer made every cycle fail
on 6240, an inactive payment method crashed the order (AttributeError), and a vendor holding a
contact's name failed the order on 6240 every cycle.
"""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

import pytest
from quickbooks.objects.paymentmethod import PaymentMethod
from quickbooks.objects.vendor import Vendor

from syncsvc.quickbooks import writers
from syncsvc.quickbooks.client import open_company
from tests.integration.quickbooks_client.builders import customer, service_item

from .shop import Shop


def _qb(world):
    return open_company(world.settings()).client()


def _deactivate(qb, obj):
    obj = type(obj).get(obj.Id, qb=qb)
    obj.Active, obj.sparse = False, True
    return obj.save(qb=qb)


def test_an_order_for_an_inactive_item_reactivates_it_and_posts_on_it(world):
    qb = _qb(world)
    widget = writers.create(qb, service_item(qb, "WID-1", sku="WID-1"))
    _deactivate(qb, widget)
    shop = Shop(world.keap.store)
    order_id, _ = shop.order(shop.contact(), (shop.product(sku="WID-1", price="40.00"), "40.00", 1))

    summary = world.cycle()
    assert summary.ok, summary.failed
    [line] = [ln for ln in world.invoice(str(order_id))["Line"] if ln["DetailType"] == "SalesItemLineDetail"]
    assert line["SalesItemLineDetail"]["ItemRef"]["value"] == str(widget.Id)
    named = [i for i in world.entities("Item") if i["Name"].casefold() == "wid-1"]
    assert [(i["Id"], i["Active"]) for i in named] == [(str(widget.Id), True)]
    items = len(world.entities("Item"))
    again = world.cycle()
    assert again.ok and again.counts["items_created"] == 0 and len(world.entities("Item")) == items


def test_an_inactive_item_no_order_needs_stays_inactive(world):
    qb = _qb(world)
    shipping = writers.create(qb, service_item(qb, "Shipping"))
    _deactivate(qb, shipping)
    shop = Shop(world.keap.store)
    shop.order(shop.contact(), (shop.product(price="10.00"), "10.00", 1))
    assert world.cycle().ok
    assert world.qbo.get(world.realm, "Item", str(shipping.Id))["Active"] is False


def test_a_contact_whose_customer_is_inactive_posts_to_that_customer(world):
    qb = _qb(world)
    old = writers.create(qb, customer("J. Smith (2019)", email="jane@example.com"))
    _deactivate(qb, old)
    shop = Shop(world.keap.store)
    order_id, _ = shop.order(shop.contact(email="JANE@example.com"), (shop.product(price="12.00"), "12.00", 1))

    summary = world.cycle()
    assert summary.ok, summary.failed
    assert summary.counts["customers_created"] == 0 and summary.counts["customers_by_email"] == 1
    assert world.invoice(str(order_id))["CustomerRef"]["value"] == str(old.Id)
    assert [c["Id"] for c in world.entities("Customer")] == [str(old.Id)]
    assert world.qbo.get(world.realm, "Customer", str(old.Id))["Active"] is True


def test_a_vendor_holding_the_contacts_name_gives_the_customer_the_next_free_name(world):
    qb = _qb(world)
    vendor = Vendor()
    vendor.DisplayName = "Jane Smith"
    vendor.save(qb=qb)
    shop = Shop(world.keap.store)
    jane = shop.contact("Jane", "Smith", "jane@example.com")
    order_id, _ = shop.order(jane, (shop.product(price="12.00"), "12.00", 1))

    summary = world.cycle()
    assert summary.ok, summary.failed
    [created] = world.entities("Customer")
    assert created["DisplayName"] == f"Jane Smith ({jane})"
    assert world.invoice(str(order_id))["CustomerRef"]["value"] == created["Id"]


def test_a_payment_whose_payment_method_is_inactive_reactivates_it(world):
    qb = _qb(world)
    check = next(m for m in PaymentMethod.all(qb=qb) if m.Name == "Check")
    _deactivate(qb, check)
    shop = Shop(world.keap.store)
    order_id, invoice_id = shop.order(shop.contact(), (shop.product(price="50.00"), "50.00", 1))
    shop.pay_manually(invoice_id, "50.00", datetime.now(timezone.utc), pay_type="Check")

    summary = world.cycle()
    assert summary.ok, summary.failed
    [payment] = world.payments_for(world.invoice(str(order_id)))
    assert payment["PaymentMethodRef"]["value"] == str(check.Id)
    checks = [m for m in world.entities("PaymentMethod") if m["Name"] == "Check"]
    assert [(m["Id"], m["Active"]) for m in checks] == [(str(check.Id), True)]


@pytest.mark.parametrize("kind", ["http500", "http500_after_commit"])
def test_a_payment_method_whose_create_meets_a_5xx_is_created_once(world, kind):
    world.qbo.inject(world.realm, kind, entity="PaymentMethod", writes_only=True)
    shop = Shop(world.keap.store)
    jane = shop.contact()
    order_id, invoice_id = shop.order(jane, (shop.product(price="30.00"), "30.00", 1))
    shop.charge(invoice_id, jane)

    summary = world.cycle()
    assert summary.ok, summary.failed
    [payment] = world.payments_for(world.invoice(str(order_id)))
    method = world.qbo.get(world.realm, "PaymentMethod", payment["PaymentMethodRef"]["value"])
    assert len([m for m in world.entities("PaymentMethod") if m["Name"] == method["Name"]]) == 1
    assert payment["TotalAmt"] == Decimal("30.00")


def test_names_and_emails_quickbooks_refuses_are_cleaned_before_sending(world):
    shop = Shop(world.keap.store)
    contact = shop.contact("Jane:", "Sm\tith", "jane-at-example.com", company="Acme: West", city="Boston")
    order_id, _ = shop.order(contact, (shop.product(sku="AB:12\t3", price="9.00"), "9.00", 1))

    summary = world.cycle()
    assert summary.ok, summary.failed
    [created] = world.entities("Customer")
    assert (created["DisplayName"], created["GivenName"], created["FamilyName"], created["CompanyName"]) == (
        "Jane Sm ith", "Jane", "Sm ith", "Acme West")
    assert "PrimaryEmailAddr" not in created
    [line] = [ln for ln in world.invoice(str(order_id))["Line"] if ln["DetailType"] == "SalesItemLineDetail"]
    assert line["SalesItemLineDetail"]["ItemRef"]["name"] == "AB 12 3"

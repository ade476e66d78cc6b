"""The directory and writers against QBO's rules on inactive records and shared DisplayNames (issue 10).

The sandbox leaves inactive customers, items and payment methods out of queries that do not filter
on Active, as QBO does, while their names stay taken; DisplayName is unique across customers,
vendors and employees. The client must find such records rather than crash or loop on 6240.
"""

from __future__ import annotations

import logging

import pytest
from quickbooks.objects.customer import Customer
from quickbooks.objects.employee import Employee
from quickbooks.objects.item import Item
from quickbooks.objects.paymentmethod import PaymentMethod
from quickbooks.objects.vendor import Vendor

from syncsvc.engine.customers import Create, Matched
from syncsvc.infusionsoft.records import Contact
from syncsvc.quickbooks import writers
from syncsvc.sync.resolve import QboDirectory

from .builders import customer, service_item


def contact(contact_id=1234, first="Jane", last="Smith", email="", company="", city="") -> Contact:
    return Contact(id=contact_id, first_name=first, last_name=last, email=email, company=company, city=city,
                   state="", postal_code="", country="", street1="", street2="", phone="")


def deactivate(qb, obj):
    obj = type(obj).get(obj.Id, qb=qb)
    obj.Active = False
    obj.sparse = True
    return obj.save(qb=qb)


def active(sandbox, realm, entity, record_id) -> bool:
    return sandbox.get(realm, entity, str(record_id))["Active"]


# -- payment methods ------------------------------------------------------------------------------

def test_an_inactive_payment_method_is_reactivated_not_a_crash(qb, sandbox, realm, caplog):
    check = next(m for m in PaymentMethod.all(qb=qb) if m.Name == "Check")
    deactivate(qb, check)
    with caplog.at_level(logging.WARNING):
        method_id = QboDirectory(qb).payment_method_id("Check")
    assert method_id == str(check.Id) and active(sandbox, realm, "PaymentMethod", check.Id)
    assert [m["Name"] for m in sandbox.entities(realm, "PaymentMethod")].count("Check") == 1
    assert any("Check" in r.getMessage() and "inactive" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("kind", ["http500", "http500_after_commit", "drop_after_commit"])
def test_a_payment_method_whose_create_fails_with_5xx_is_created_once(qb, sandbox, realm, kind):
    sandbox.inject(realm, kind, entity="PaymentMethod", writes_only=True)
    method_id = QboDirectory(qb).payment_method_id("PayPal")
    paypal = [m for m in sandbox.entities(realm, "PaymentMethod") if m["Name"] == "PayPal"]
    assert [m["Id"] for m in paypal] == [method_id]


def test_a_payment_method_created_inactive_meanwhile_is_reactivated(qb, sandbox, realm):
    """The directory's lookup missed it (another process made it, then someone made it inactive):
    the create's 6240 is answered by reactivating the holder of the name."""
    method = PaymentMethod()
    method.Name, method.Type = "Zelle", "NON_CREDIT_CARD"
    made = method.save(qb=qb)  # by the bookkeeper, in QuickBooks
    deactivate(qb, made)
    again = PaymentMethod()
    again.Name, again.Type = "Zelle", "NON_CREDIT_CARD"
    assert str(writers.create(qb, again).Id) == str(made.Id)
    assert active(sandbox, realm, "PaymentMethod", made.Id)


# -- items ------------------------------------------------------------------------------------------

def test_creating_an_item_whose_name_an_inactive_item_holds_reactivates_it(qb, sandbox, realm, caplog):
    widget = writers.create(qb, service_item(qb, "WID-1", sku="WID-1"))
    deactivate(qb, widget)
    assert QboDirectory(qb).items(["WID-1"]) == ()  # hidden, as QBO hides it
    with caplog.at_level(logging.WARNING):
        again = writers.create(qb, service_item(qb, "wid-1", sku="WID-1"))
    assert str(again.Id) == str(widget.Id) and active(sandbox, realm, "Item", widget.Id)
    assert len([i for i in sandbox.entities(realm, "Item") if i["Name"].casefold() == "wid-1"]) == 1
    assert any("WID-1" in r.getMessage() and "reactivated" in r.getMessage() for r in caplog.records)


# -- customers ----------------------------------------------------------------------------------------

def test_an_inactive_customer_matched_by_email_is_used_and_reactivated(qb, sandbox, realm):
    old = writers.create(qb, customer("J. Smith (old)", email="jane@example.com"))
    deactivate(qb, old)
    decided = QboDirectory(qb).resolve_customer(contact(email="jane@example.com"), None)
    assert decided == Matched(str(old.Id), "email")
    assert active(sandbox, realm, "Customer", old.Id)


def test_an_inactive_customer_matched_in_a_batch_is_used_and_reactivated(qb, sandbox, realm):
    old = writers.create(qb, customer("Jane Smith", "Jane", "Smith"))
    deactivate(qb, old)
    directory = QboDirectory(qb)
    jane = contact(email="new@example.com")
    directory.load_customers([jane])
    assert directory.resolve_customer(jane, None) == Matched(str(old.Id), "name")
    assert active(sandbox, realm, "Customer", old.Id)


def test_an_active_match_wins_over_an_inactive_one(qb, sandbox, realm):
    old = writers.create(qb, customer("Jane Smith (2019)", email="jane@example.com"))
    deactivate(qb, old)
    current = writers.create(qb, customer("Jane Smith", email="jane@example.com"))
    for batch in (False, True):
        directory = QboDirectory(qb)
        jane = contact(email="jane@example.com")
        if batch:
            directory.load_customers([jane])
        assert directory.resolve_customer(jane, None) == Matched(str(current.Id), "email")
    assert not active(sandbox, realm, "Customer", old.Id)


def test_an_inactive_customer_keeps_its_display_name_from_a_new_customer(qb):
    """A different person whose plain name an inactive customer holds gets the next free name."""
    old = writers.create(qb, customer("Jane Smith", email="other@example.com"))
    deactivate(qb, old)
    for batch in (False, True):
        directory = QboDirectory(qb)
        jane = contact(email="jane@example.com", first="Jane", last="Smith")
        if batch:
            directory.load_customers([jane])
        decided = directory.resolve_customer(jane, None)
        assert isinstance(decided, Create) and decided.draft.display_name == "Jane Smith (1234)"


@pytest.mark.parametrize("holder", [Vendor, Employee])
@pytest.mark.parametrize("batch", [False, True], ids=["one-contact", "batch"])
def test_a_display_name_held_by_a_vendor_or_employee_is_skipped(qb, holder, batch):
    other = holder()
    other.DisplayName, other.GivenName, other.FamilyName = "Jane Smith", "Jane", "Smith"
    other.save(qb=qb)
    directory = QboDirectory(qb)
    jane = contact(email="jane@example.com")
    if batch:
        directory.load_customers([jane])
    decided = directory.resolve_customer(jane, None)
    assert isinstance(decided, Create) and decided.draft.display_name == "Jane Smith (1234)"
    created = writers.create(qb, _customer_from(decided))
    assert created.DisplayName == "Jane Smith (1234)"


def test_an_inactive_vendor_holds_its_display_name_too(qb):
    vendor = Vendor()
    vendor.DisplayName = "Jane Smith"
    deactivate(qb, vendor.save(qb=qb))
    decided = QboDirectory(qb).resolve_customer(contact(email="jane@example.com"), None)
    assert isinstance(decided, Create) and decided.draft.display_name == "Jane Smith (1234)"


def _customer_from(decided: Create) -> Customer:
    from syncsvc.sync.qbo_mapping import customer_from_draft

    return customer_from_draft(decided.draft)


def test_items_and_customers_lookups_see_inactive_records(qb):
    from syncsvc.quickbooks import lookups

    gone = writers.create(qb, customer("Gone Co", "Gone", "Person", "gone@example.com", "Gone Co", "Boston"))
    deactivate(qb, gone)
    item = writers.create(qb, service_item(qb, "Old Widget", sku="OLD-1"))
    deactivate(qb, item)
    assert [c.Id for c in lookups.customers_by_email(qb, "gone@example.com")] == [gone.Id]
    assert [c.Id for c in lookups.customers_by_name(qb, "Gone", "Person")] == [gone.Id]
    assert [c.Id for c in lookups.customers_by_company_and_city(qb, "Gone Co", "Boston")] == [gone.Id]
    assert lookups.customer_by_display_name(qb, "Gone Co").Id == gone.Id
    assert lookups.item_by_name(qb, "Old Widget").Id == item.Id
    assert [i.Id for i in lookups.items_by_sku(qb, "OLD-1")] == [item.Id]
    assert list(lookups.paged(qb, Item, [lookups.equals("Name", "Old Widget")])) == []


# -- issue 11: DisplayName-only customers and other people of the same name --------------------------

@pytest.mark.parametrize("bulk", [False, True])
def test_a_customer_with_only_a_display_name_is_matched_by_name(qb, bulk):
    jane = writers.create(qb, customer("Jane Doe"))
    directory = QboDirectory(qb)
    person = contact(first="Jane", last="Doe", email="jane@doe.example")
    if bulk:
        directory.load_customers([person])
    assert directory.resolve_customer(person, None) == Matched(str(jane.Id), "name")


@pytest.mark.parametrize("bulk", [False, True])
def test_a_name_match_with_another_email_is_a_new_customer_with_a_free_name(qb, bulk):
    writers.create(qb, customer("Pat Lee", "Pat", "Lee", "pat@one.example"))
    directory = QboDirectory(qb)
    person = contact(contact_id=77, first="Pat", last="Lee", email="pat@two.example")
    if bulk:
        directory.load_customers([person])
    decided = directory.resolve_customer(person, None)
    assert isinstance(decided, Create) and decided.rule == "created_other_email"
    assert decided.draft.display_name == "Pat Lee (77)"

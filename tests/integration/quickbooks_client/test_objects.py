"""python-quickbooks' own objects, queries and batch through our layer, against the sandbox."""

from __future__ import annotations

from decimal import Decimal

import pytest
from quickbooks.objects.customer import Customer
from quickbooks.objects.invoice import Invoice
from quickbooks.objects.salesreceipt import SalesReceipt

from syncsvc.quickbooks import lookups, writers
from syncsvc.quickbooks.batch import batch_create
from syncsvc.quickbooks.errors import DuplicateDocNumber, DuplicateName, ObjectNotFound, ValidationFault

from .builders import customer, invoice, payment, ref, sales_receipt, service_item


def test_customers_are_found_by_email_name_and_company_city(qb):
    obrien = writers.create(qb, customer("Sean O'Brien", "Sean", "O'Brien", "sean@obrien.example", "O'Brien Ltd", "Boston"))
    writers.create(qb, customer("O'Brien Ltd (Cork)", "Aoife", "O'Brien", None, "O'Brien Ltd", "Cork"))
    slash = writers.create(qb, customer("Back\\slash Co", company="a\\b"))
    assert obrien.Id and slash.Id

    assert [c.Id for c in lookups.customers_by_email(qb, "sean@obrien.example")] == [obrien.Id]
    assert [c.Id for c in lookups.customers_by_name(qb, "Sean", "O'Brien")] == [obrien.Id]
    assert [c.Id for c in lookups.customers_by_company_and_city(qb, "O'Brien Ltd", "boston")] == [obrien.Id]
    assert lookups.customer_by_display_name(qb, "Back\\slash Co").Id == slash.Id
    assert lookups.customer_by_display_name(qb, "Back\\\\slash Co") is None
    assert lookups.customers_by_email(qb, "nobody@example.com") == []


def test_items_by_name_and_sku(qb):
    item = writers.create(qb, service_item(qb, "Widget 'Pro'", sku="W-PRO\\1"))
    assert lookups.item_by_name(qb, "Widget 'Pro'").Id == item.Id
    found = lookups.items_by_sku(qb, "W-PRO\\1")
    assert [i.Id for i in found] == [item.Id] and found[0].Sku == "W-PRO\\1"


def test_documents_and_payments_round_trip_with_decimal_money(qb, sandbox, realm):
    cust = writers.create(qb, customer("Dana Doc"))
    item = writers.create(qb, service_item(qb, "Consulting"))
    inv = writers.create(qb, invoice("K-1001", cust, item, "19.99", "0.01"))
    receipt = writers.create(qb, sales_receipt("K-2001", cust, item, "5.50"))
    assert inv.TotalAmt == Decimal("20.00") and isinstance(inv.TotalAmt, Decimal)

    pay = writers.create(qb, payment("CHK-77", cust, inv, "20.00"))
    assert [d.Id for d in lookups.documents_by_doc_number(qb, Invoice, "K-1001")] == [inv.Id]
    assert [d.Id for d in lookups.documents_by_doc_number(qb, SalesReceipt, "K-2001")] == [receipt.Id]
    assert [p.Id for p in lookups.payments_by_ref(qb, "CHK-77")] == [pay.Id]
    assert Invoice.get(inv.Id, qb=qb).Balance == Decimal("0")


def test_paging_returns_every_row_once(qb):
    result = batch_create(qb, [customer(f"Pager {n:03d}") for n in range(45)], batch_size=20)
    assert len(result.succeeded) == 45 and not result.failed
    names = [c.DisplayName for c in lookups.paged(qb, Customer, [], page_size=10)]
    assert sorted(n for n in names if n.startswith("Pager")) == [f"Pager {n:03d}" for n in range(45)]
    assert len(names) == len(set(names))


def test_batch_reports_item_faults_with_the_original_object(qb):
    writers.create(qb, customer("Taken Name"))
    wanted = [customer("Fresh One"), customer("Taken Name"), customer("Fresh Two")]
    result = batch_create(qb, wanted)
    assert sorted(orig.DisplayName for orig, _ in result.succeeded) == ["Fresh One", "Fresh Two"]
    assert len(result.failed) == 1
    assert result.failed[0].original is wanted[1]
    assert isinstance(result.failed[0].error, DuplicateName)


def test_faults_arrive_typed_and_are_not_retried(qb, company):
    slept = []
    company.retry_policy.sleep = slept.append
    cust = writers.create(qb, customer("Faulty"))
    item = writers.create(qb, service_item(qb, "Thing"))
    writers.create(qb, invoice("K-9", cust, item))
    with pytest.raises(DuplicateDocNumber):
        writers.create(qb, invoice("K-9", cust, item, "99.00"))
    # Same name, different content (the identical write would be replayed by its requestid).
    with pytest.raises(DuplicateName):
        writers.create(qb, customer("Faulty", given="Another"))
    with pytest.raises((ValidationFault, ObjectNotFound)):
        bad = invoice("K-10", cust, item)
        bad.CustomerRef = ref("999999")
        writers.create(qb, bad)
    with pytest.raises(ObjectNotFound):
        Invoice.get("424242", qb=qb)
    assert slept == []
    assert len(lookups.documents_by_doc_number(qb, Invoice, "K-10")) == 0


def test_the_libraries_own_query_helpers_work_through_the_layer(qb):
    writers.create(qb, customer("Helper O'Neil"))
    assert [c.DisplayName for c in Customer.filter(DisplayName="Helper O'Neil", qb=qb)] == ["Helper O'Neil"]
    assert Customer.count("DisplayName = 'Helper O\\'Neil'", qb=qb) == 1
    assert any(c.DisplayName == "Helper O'Neil" for c in Customer.all(max_results=1000, qb=qb))

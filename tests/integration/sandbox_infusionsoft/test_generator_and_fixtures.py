"""The account generator and the JSON fixture loader."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

import pytest

from syncsvc.commands.sandbox import MIX_CHOICES
from syncsvc.sandbox.infusionsoft.fixtures import EXAMPLE_FIXTURE
from syncsvc.sandbox.infusionsoft.generator import MIXES, generate_account
from syncsvc.sandbox.infusionsoft.schema import TABLES
from syncsvc.sandbox.infusionsoft.store import AccountStore

from .conftest import FIXED_NOW, Clock, dataservice_rows

KEY = "placeholder"
# ItemTypes that become sales lines on a product's item (the others go to shipping, tax, finance, discount).
SALES_ITEM_TYPES = {0, 3, 4, 5, 8, 9}


def generated(orders, seed, **kwargs):
    store = AccountStore(clock=Clock())
    summary = generate_account(store, orders=orders, seed=seed, **kwargs)
    return store, summary


def test_same_seed_same_account_other_seed_other_account():
    first, summary = generated(300, seed=7)
    second, _ = generated(300, seed=7)
    for table in TABLES:
        assert first.rows(table) == second.rows(table), table
    third, _ = generated(300, seed=8)
    assert first.rows("Payment") != third.rows("Payment")
    assert summary.orders == 300


def share_without_sku_or_product(store):
    """Of the sales lines, the share a sync would put on the unknown item: no product, or a product without SKU."""
    skus = {p["Id"]: p["Sku"] for p in store.rows("Product")}
    lines = [i for i in store.rows("OrderItem") if i["ItemType"] in SALES_ITEM_TYPES]
    return sum(1 for i in lines if not skus.get(i["ProductId"])) / len(lines)


def test_a_typical_account_has_few_lines_without_sku_or_product_and_a_stress_one_many():
    typical, typical_summary = generated(300, seed=7, mix="typical")
    stress, stress_summary = generated(300, seed=7, mix="stress")
    assert 0 < share_without_sku_or_product(typical) < 0.10
    assert share_without_sku_or_product(stress) > 0.30
    # Only that mix differs: every other quirk is still there in a typical account.
    for summary in (typical_summary, stress_summary):
        assert summary.item_types == set(range(15))
        assert min(summary.declined_charges, summary.manual_payments, summary.refunds, summary.pay_plans,
                   summary.split_payments, summary.partial_payments, summary.subscriptions,
                   summary.deleted_invoices) > 0
    assert any(p["Sku"] == "" for p in typical.rows("Product"))
    assert any(i["ProductId"] == 0 and i["ItemType"] in SALES_ITEM_TYPES for i in typical.rows("OrderItem"))


def test_an_unknown_mix_is_refused_with_the_allowed_names():
    store = AccountStore(clock=Clock())
    with pytest.raises(ValueError, match="'tidy'.*'stress', 'typical'"):
        generate_account(store, orders=10, seed=1, mix="tidy")
    assert store.rows("Invoice") == []
    assert set(MIX_CHOICES) == set(MIXES)  # what `syncsvc sandbox --mix` offers


def money(value):
    return Decimal(repr(value))


def test_generated_invoices_add_up_over_the_api(sandbox, api):
    generate_account(sandbox.store, orders=400, seed=3)
    invoices = dataservice_rows(api, "Invoice", ["Id", "JobId", "InvoiceTotal", "TotalPaid", "TotalDue", "PayStatus",
                                                 "RefundStatus", "DateCreated"])
    items = dataservice_rows(api, "InvoiceItem", ["InvoiceId", "InvoiceAmt"])
    allocations = dataservice_rows(api, "InvoicePayment", ["InvoiceId", "Amt", "PaymentId"])
    payments = {p["Id"]: p for p in dataservice_rows(api, "Payment", ["Id", "PayType", "PayAmt", "PayDate", "ChargeId",
                                                                      "RefundId"])}
    item_sum, paid_sum = defaultdict(Decimal), defaultdict(Decimal)
    for item in items:
        item_sum[item["InvoiceId"]] += money(item["InvoiceAmt"])
    for allocation in allocations:
        if payments[allocation["PaymentId"]]["PayType"] != "Refund":
            paid_sum[allocation["InvoiceId"]] += money(allocation["Amt"])
    for invoice in invoices:
        total = money(invoice["InvoiceTotal"])
        assert total == item_sum[invoice["Id"]], invoice
        assert money(invoice["TotalPaid"]) == paid_sum[invoice["Id"]], invoice
        assert money(invoice["TotalDue"]) == total - paid_sum[invoice["Id"]], invoice
        assert invoice["PayStatus"] == (1 if total - paid_sum[invoice["Id"]] <= 0 else 0)
    # the quirks a sync must survive are all there
    assert any(i["Id"] != i["JobId"] for i in invoices)  # deletions made the ids drift apart
    assert any(i["RefundStatus"] in (1, 2) for i in invoices)
    assert any(i["TotalPaid"] == 0 and i["TotalDue"] > 0 for i in invoices)
    manual = [p for p in payments.values() if p["ChargeId"] == 0 and p["PayType"] not in ("Refund",)]
    assert manual and all(str(p["PayDate"]).endswith("T00:00:00") for p in manual)
    refunds = [p for p in payments.values() if p["PayType"] == "Refund"]
    assert refunds and all(p["PayAmt"] < 0 and p["RefundId"] in payments for p in refunds)
    types = {r["ItemType"] for r in dataservice_rows(api, "OrderItem", ["ItemType"])}
    assert types == set(range(15))
    assert api.DataService.count(KEY, "OrderItem", {"ProductId": 0, "ItemType": 4}) > 0
    assert api.DataService.count(KEY, "Product", {"Sku": ""}) > 0
    assert api.DataService.count(KEY, "Contact", {"LastName": "O'Brien"}) == 1
    assert api.DataService.count(KEY, "Contact", {"FirstName": "John", "LastName": "Smith"}) >= 2
    assert api.DataService.count(KEY, "PayPlan", {"Id": "%"}) > 0
    local_now = FIXED_NOW.astimezone(sandbox.store.zone).replace(tzinfo=None)
    oldest = min(i["DateCreated"] for i in invoices)
    assert str(oldest) >= (local_now - timedelta(days=60)).strftime("%Y%m%dT%H:%M:%S")


def test_example_fixture_loads_with_the_worked_example(sandbox, api):
    ids = sandbox.load_fixture(EXAMPLE_FIXTURE)
    worked = ids["orders"]["worked-example"]
    assert api.InvoiceService.calculateAmountOwed(KEY, worked) == 34.94
    declined = ids["orders"]["declined"]
    assert api.InvoiceService.getPayments(KEY, declined) == []
    split = api.InvoiceService.getPayments(KEY, ids["orders"]["split"])
    assert [p["PayAmt"] for p in split] == [25.0, 75.0]
    assert str(split[1]["PayDate"]) == "20240320T00:00:00"
    after_delete = ids["orders"]["after-delete"]
    assert api.InvoiceService.getOrderId(KEY, after_delete) != after_delete
    assert api.DataService.count(KEY, "Invoice", {"Id": ids["orders"]["deleted"]}) == 0

"""Documents: items, edits, numbering, clashes, sales receipts."""

from __future__ import annotations

from decimal import Decimal

import pytest
from quickbooks.objects.customer import Customer
from quickbooks.objects.detailline import SalesItemLine, SalesItemLineDetail
from quickbooks.objects.invoice import Invoice

from syncsvc.quickbooks import writers
from syncsvc.quickbooks.client import open_company
from syncsvc.sandbox.infusionsoft import billing
from syncsvc.sync.qbo_mapping import ref

from .shop import Shop


def _item_names(world, document):
    return [world.qbo.get(world.realm, "Item", l["SalesItemLineDetail"]["ItemRef"]["value"])["Name"]
            for l in document["Line"] if l["DetailType"] == "SalesItemLineDetail"]


def test_a_product_without_sku_posts_on_the_unknown_item_until_fixed_and_resynced(world):
    shop = Shop(world.keap.store)
    jane = shop.contact()
    gizmo = shop.product(name="Gizmo", sku="", price="15.00")
    order_id, invoice_id = shop.order(jane, (gizmo, "15.00", 1))
    shop.charge(invoice_id, jane)

    first = world.cycle()
    assert first.ok and first.counts["unknown_items"] == 1
    assert _item_names(world, world.invoice(str(order_id))) == ["unknown do not delete"]
    with world.state().unit() as uow:
        [issue] = uow.open_issues()
    assert issue.kind == "warning" and "has no SKU" in issue.reason and "Gizmo" in issue.reason

    world.keap.store.update("Product", gizmo, Sku="GIZ-9")
    resync = world.resync([order_id])
    assert resync.ok and resync.counts["updated"] == 1
    invoice = world.invoice(str(order_id))
    assert _item_names(world, invoice) == ["GIZ-9"] and invoice["SyncToken"] != "0"
    assert len(world.entities("Invoice")) == 1 and len(world.entities("Payment")) == 1
    with world.state().unit() as uow:
        assert uow.open_issues() == []


def test_an_order_edited_after_posting_updates_its_invoice(any_db_world):
    world = any_db_world
    shop = Shop(world.keap.store)
    jane = shop.contact()
    order_id, invoice_id = shop.order(jane, (shop.product(price="10.00"), "10.00", 1))
    assert world.cycle().ok
    billing.add_item(world.keap.store, invoice_id, shop.product(name="Extra", sku="EXT", price="5.00"), 4, "5.00", 1, "Extra")

    summary = world.cycle()
    assert summary.ok and summary.counts["updated"] == 1 and summary.counts["invoices"] == 0
    invoice = world.invoice(str(order_id))
    assert invoice["TotalAmt"] == Decimal("15.00") and invoice["SyncToken"] == "1"
    assert sorted(_item_names(world, invoice)) == ["EXT", "WID-1"]


def test_deleted_invoices_make_ids_diverge_and_the_docnumber_is_the_order_id(world):
    shop = Shop(world.keap.store)
    jane = shop.contact()
    widget = shop.product(price="10.00")
    _, doomed = shop.order(jane, (widget, "10.00", 1))
    billing.delete_invoice(world.keap.store, doomed)
    order_id, invoice_id = shop.order(jane, (widget, "10.00", 3))
    assert order_id != invoice_id

    assert world.cycle().ok
    invoice = world.invoice(str(order_id))
    assert invoice["TotalAmt"] == Decimal("30.00")
    assert f"order {order_id} / invoice {invoice_id}" in invoice["PrivateNote"]
    assert not [i for i in world.entities("Invoice") if i.get("DocNumber") == str(invoice_id)]


@pytest.mark.parametrize("qbo_rejects_duplicates", [True, False], ids=["qbo-rejects-6140", "qbo-allows-duplicates"])
def test_a_docnumber_taken_by_someone_else_is_held_with_the_fix_and_no_payment_lands(world, qbo_rejects_duplicates):
    # Whether QBO always answers 6140 to a duplicate DocNumber is unconfirmed: the hold must not depend on it.
    world.qbo.configure(world.realm, duplicate_doc_numbers=not qbo_rejects_duplicates)
    shop = Shop(world.keap.store)
    jane = shop.contact()
    order_id, invoice_id = shop.order(jane, (shop.product(price="10.00"), "10.00", 1))
    shop.charge(invoice_id, jane)
    qb = open_company(world.settings()).client()
    walk_in = Customer()
    walk_in.DisplayName = "Walk-in"
    line = SalesItemLine()
    line.Amount = Decimal("99.00")
    line.SalesItemLineDetail = SalesItemLineDetail()
    line.SalesItemLineDetail.ItemRef = ref(next(i["Id"] for i in world.entities("Item") if i["Name"] == "Services"))
    theirs = Invoice()
    theirs.DocNumber, theirs.Line = str(order_id), [line]
    theirs.CustomerRef = writers.create(qb, walk_in).to_ref()
    writers.create(qb, theirs)  # typed in QBO by a person: no syncsvc memo

    summary = world.cycle()
    assert summary.ok and summary.counts["held"] == 1
    reason = summary.held[order_id]
    assert "doc_number_prefix" in reason and "did not create" in reason
    [existing] = world.entities("Invoice")
    assert existing["TotalAmt"] == Decimal("99.00") and world.entities("Payment") == []

    fixed = world.cycle(doc_number_prefix="IS-")
    assert fixed.ok and fixed.counts["invoices"] == 1 and fixed.counts["payments"] == 1
    assert world.invoice(f"IS-{order_id}")["Balance"] == Decimal("0")


def test_sales_receipt_mode_posts_one_receipt_per_paid_order(world):
    shop = Shop(world.keap.store)
    jane = shop.contact()
    order_id, invoice_id = shop.order(jane, (shop.product(price="60.00"), "60.00", 1))
    first = shop.charge(invoice_id, jane, "20.00")
    assert world.cycle(posting_mode="sales_receipt").ok
    assert world.entities("SalesReceipt") == []  # not paid in full yet
    shop.charge(invoice_id, jane, "40.00")

    summary = world.cycle(posting_mode="sales_receipt")
    assert summary.ok and summary.counts["sales_receipts"] == 1
    [receipt] = world.entities("SalesReceipt")
    assert receipt["DocNumber"] == str(order_id) and receipt["TotalAmt"] == Decimal("60.00")
    assert receipt["PaymentRefNum"] == first.ref_num
    assert world.entities("Invoice") == [] and world.entities("Payment") == []
    assert world.cycle(posting_mode="sales_receipt").counts["sales_receipts"] == 0

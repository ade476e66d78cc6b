"""Issue 11: an order edited in Keap after posting updates its QuickBooks document with a sparse update of
the fields syncsvc owns; what a bookkeeper typed in QuickBooks (message, terms, class, their memo text around
ours) survives."""

from __future__ import annotations

from decimal import Decimal

from quickbooks.objects.base import CustomerMemo, Ref
from quickbooks.objects.invoice import Invoice

from syncsvc.quickbooks.client import open_company
from syncsvc.sandbox.infusionsoft import billing

from .shop import Shop


def _ref(value, name) -> Ref:
    r = Ref()
    r.value, r.name = value, name
    return r


def _typed_by_the_bookkeeper(world, entity_cls, qbo_id):
    """Open the document in QuickBooks and type a message, terms, a class and a memo line around ours."""
    qb = open_company(world.settings()).client()
    doc = entity_cls.get(qbo_id, qb=qb)
    doc.CustomerMemo = CustomerMemo()
    doc.CustomerMemo.value = "Thank you for your business!"
    if entity_cls is Invoice:
        doc.SalesTermRef = _ref("3", "Net 30")
    doc.ClassRef = _ref("200", "Retail")
    doc.PrivateNote = f"Called Jane about delivery\n{doc.PrivateNote}\nOK to ship - AB"
    doc.save(qb=qb)


def test_an_edit_after_posting_keeps_what_the_bookkeeper_typed_on_the_invoice(world):
    shop = Shop(world.keap.store)
    jane = shop.contact()
    order_id, invoice_id = shop.order(jane, (shop.product(price="10.00"), "10.00", 1))
    assert world.cycle().ok
    posted = world.invoice(str(order_id))
    _typed_by_the_bookkeeper(world, Invoice, posted["Id"])
    billing.add_item(world.keap.store, invoice_id, shop.product(name="Extra", sku="EXT", price="5.00"), 4, "5.00", 1,
                     "Extra")

    summary = world.cycle()
    assert summary.ok and summary.counts["updated"] == 1
    invoice = world.invoice(str(order_id))
    assert invoice["TotalAmt"] == Decimal("15.00") and len([l for l in invoice["Line"] if "SalesItemLineDetail" in l]) == 2
    assert invoice["CustomerMemo"]["value"] == "Thank you for your business!"
    assert invoice["SalesTermRef"]["value"] == "3" and invoice["ClassRef"]["value"] == "200"
    assert invoice["PrivateNote"] == (f"Called Jane about delivery\nInfusionsoft order {order_id} / invoice {invoice_id}"
                                      f"\nOK to ship - AB")



def test_an_edit_after_posting_keeps_what_the_bookkeeper_typed_on_the_sales_receipt(world):
    from quickbooks.objects.salesreceipt import SalesReceipt

    shop = Shop(world.keap.store)
    jane = shop.contact()
    order_id, invoice_id = shop.order(jane, (shop.product(price="10.00"), "10.00", 1))
    shop.charge(invoice_id, jane)
    assert world.cycle(posting_mode="sales_receipt").ok
    [receipt] = world.entities("SalesReceipt")
    _typed_by_the_bookkeeper(world, SalesReceipt, receipt["Id"])
    [item] = world.keap.store.find("OrderItem", "OrderId", order_id)
    world.keap.store.update("OrderItem", item["Id"], ItemDescription="Widget, blue")

    summary = world.resync([order_id], posting_mode="sales_receipt")
    assert summary.ok and summary.counts["updated"] == 1
    [after] = world.entities("SalesReceipt")
    assert [line.get("Description") for line in after["Line"] if "SalesItemLineDetail" in line] == ["Widget, blue"]
    assert after["CustomerMemo"]["value"] == "Thank you for your business!" and after["ClassRef"]["value"] == "200"
    assert after["PrivateNote"] == (f"Called Jane about delivery\nInfusionsoft order {order_id} / invoice {invoice_id}"
                                    f"\nOK to ship - AB")
    assert after["PaymentRefNum"] == receipt["PaymentRefNum"] and after["TotalAmt"] == receipt["TotalAmt"]


def test_several_edited_orders_update_in_one_batch_and_keep_what_the_bookkeeper_typed(world):
    shop = Shop(world.keap.store)
    jane = shop.contact()
    widget, extra = shop.product(price="10.00"), shop.product(name="Extra", sku="EXT", price="5.00")
    orders = [shop.order(jane, (widget, "10.00", 1)) for _ in range(4)]
    assert world.cycle().ok
    for order_id, invoice_id in orders:
        _typed_by_the_bookkeeper(world, Invoice, world.invoice(str(order_id))["Id"])
        billing.add_item(world.keap.store, invoice_id, extra, 4, "5.00", 1, "Extra")
    batches = world.qbo.traffic(world.realm)["batches"]

    summary = world.cycle()

    assert summary.ok and summary.counts["updated"] == 4
    assert world.qbo.traffic(world.realm)["batches"] == batches + 1  # the four sparse updates in one request
    for order_id, invoice_id in orders:
        invoice = world.invoice(str(order_id))
        assert invoice["TotalAmt"] == Decimal("15.00")
        assert invoice["CustomerMemo"]["value"] == "Thank you for your business!"
        assert invoice["SalesTermRef"]["value"] == "3" and invoice["ClassRef"]["value"] == "200"
        assert invoice["PrivateNote"] == (f"Called Jane about delivery\nInfusionsoft order {order_id} / invoice "
                                          f"{invoice_id}\nOK to ship - AB")

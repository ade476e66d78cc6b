"""One cycle end to end: what QuickBooks holds afterwards, and that a second cycle adds nothing."""

from __future__ import annotations

from decimal import Decimal

from .shop import Shop


def test_a_paid_order_becomes_an_invoice_with_its_payment_and_a_rerun_creates_nothing(any_db_world):
    world = any_db_world
    shop = Shop(world.keap.store)
    jane = shop.contact()
    widget = shop.product(sku="WID-1", price="40.00")
    order_id, invoice_id = shop.order(jane, (widget, "40.00", 2))
    charge = shop.charge(invoice_id, jane)

    summary = world.cycle()

    assert summary.ok, summary.failed
    assert (summary.counts["invoices"], summary.counts["payments"], summary.counts["customers_created"]) == (1, 1, 1)
    invoice = world.invoice(str(order_id))
    assert invoice["TotalAmt"] == Decimal("80.00") and invoice["Balance"] == Decimal("0")
    assert f"Infusionsoft order {order_id} / invoice {invoice_id}" in invoice["PrivateNote"]
    [line] = [l for l in invoice["Line"] if l["DetailType"] == "SalesItemLineDetail"]
    item = world.qbo.get(world.realm, "Item", line["SalesItemLineDetail"]["ItemRef"]["value"])
    assert item["Name"] == "WID-1" and line["SalesItemLineDetail"]["Qty"] == Decimal("2")
    [customer] = [c for c in world.entities("Customer") if c["Id"] == invoice["CustomerRef"]["value"]]
    assert customer["DisplayName"] == "Jane Smith" and customer["PrimaryEmailAddr"]["Address"] == "jane@example.com"
    [payment] = world.payments_for(invoice)
    assert payment["PaymentRefNum"] == charge.ref_num and payment["TotalAmt"] == Decimal("80.00")
    deposit = world.qbo.get(world.realm, "Account", payment["DepositToAccountRef"]["value"])
    assert deposit["Name"] == "Undeposited Funds"

    before = world.qbo.counts(world.realm)
    again = world.cycle()
    assert again.ok and world.qbo.counts(world.realm) == before
    assert again.counts["invoices"] + again.counts["payments"] + again.counts["updated"] == 0

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


def test_a_state_database_that_lost_its_records_adopts_what_quickbooks_holds_instead_of_posting_it_again(
        any_db_world):
    """A crash between QuickBooks' answer and our commit, or a state database restored from an old backup:
    the documents and payments are found in QuickBooks by number and reference, never posted twice."""
    from sqlalchemy import delete

    from syncsvc.store.sync_models import CustomerLink, ItemLink, SyncedDocument, SyncedPayment, Watermark

    world = any_db_world
    shop = Shop(world.keap.store)
    jane, bob = shop.contact(), shop.contact("Bob", "Ray", "bob@example.com")
    widget = shop.product(price="40.00")
    first, first_invoice = shop.order(jane, (widget, "40.00", 1))
    shop.charge(first_invoice, jane, amount="10.00")
    shop.charge(first_invoice, jane, amount="30.00")
    second, second_invoice = shop.order(bob, (widget, "40.00", 2))
    shop.charge(second_invoice, bob)
    assert world.cycle().counts["payments"] == 3
    before = world.qbo.counts(world.realm)

    state = world.state()
    with state.unit() as uow:
        for model in (SyncedDocument, SyncedPayment, Watermark, CustomerLink, ItemLink):
            uow.session.execute(delete(model))
    state.engine.dispose()

    recovered = world.cycle()
    assert recovered.ok, recovered.failed
    assert world.qbo.counts(world.realm) == before
    counts = recovered.counts
    assert (counts["invoices"], counts["payments"], counts["customers_created"], counts["items_created"]) == (0, 0, 0, 0)
    assert counts["duplicates_avoided"] == 2 + 3
    assert len(world.payments_for(world.invoice(str(first)))) == 2
    assert len(world.payments_for(world.invoice(str(second)))) == 1

    again = world.cycle()  # and the records are back: the next cycle has nothing to adopt
    assert again.counts["duplicates_avoided"] == 0 and world.qbo.counts(world.realm) == before

"""Orders deleted in Keap after posting, and the payments on them, are said, never undone (issue 10).

Each becomes an open issue of kind "deleted" naming the QuickBooks document (type, DocNumber, Id) or
payment (Id, PaymentRefNum) for the bookkeeper to void; nothing is voided or deleted in QuickBooks by
syncsvc; the issue closes once the bookkeeper has voided it. Before, they vanished without a word.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

from syncsvc.infusionsoft.records import ItemType
from syncsvc.quickbooks.client import open_company
from syncsvc.sandbox.infusionsoft import billing
from syncsvc.sync.deleted import POSTED_CHECKED_AT

from .shop import Shop


def _issues(world):
    with world.state().unit() as uow:
        return {(i.subject, i.subject_id): i for i in uow.open_issues()}


def _check_due(world):
    """As if the daily check of posted orders last ran 25 hours ago."""
    with world.state().unit() as uow:
        uow.set_watermark(POSTED_CHECKED_AT, (datetime.now(timezone.utc) - timedelta(hours=25)).isoformat())


def _posted_pair(world):
    shop = Shop(world.keap.store)
    jane = shop.contact()
    widget = shop.product(price="40.00")
    doomed, doomed_invoice = shop.order(jane, (widget, "40.00", 1))
    charge = shop.charge(doomed_invoice, jane)
    kept, kept_invoice = shop.order(jane, (widget, "40.00", 2))
    shop.charge(kept_invoice, jane)
    first = world.cycle()
    assert first.ok and first.counts["invoices"] == 2 and first.counts["payments"] == 2
    return shop, (doomed, doomed_invoice, charge), (kept, kept_invoice)


def test_a_posted_order_deleted_in_keap_is_found_by_the_daily_check_and_named_for_voiding(any_db_world):
    world = any_db_world
    _, (doomed, doomed_invoice, charge), (kept, _) = _posted_pair(world)
    invoice = world.invoice(str(doomed))
    [payment] = world.payments_for(invoice)
    billing.delete_invoice(world.keap.store, doomed_invoice)

    quiet = world.cycle()  # the check ran with the first cycle: not due again for a day
    assert quiet.ok and quiet.counts["deleted_in_keap"] == 0 and _issues(world) == {}

    _check_due(world)
    summary = world.cycle()
    assert summary.ok and summary.counts["deleted_in_keap"] == 1 and "deleted in Keap" in summary.line()
    issues = _issues(world)
    assert set(issues) == {("order", doomed), ("payment", charge.payment_id)}
    order_issue, payment_issue = issues[("order", doomed)], issues[("payment", charge.payment_id)]
    assert order_issue.kind == payment_issue.kind == "deleted"
    assert f"Invoice {doomed} (Id {invoice['Id']})" in order_issue.reason and "void" in order_issue.reason
    assert f"Payment {payment['Id']}" in order_issue.reason
    assert f"Payment {payment['Id']} (PaymentRefNum {payment['PaymentRefNum']}, 40.00)" in payment_issue.reason
    assert f"Invoice {doomed}" in payment_issue.reason and "\n" not in order_issue.reason + payment_issue.reason
    # nothing undone in QuickBooks
    assert world.invoice(str(doomed))["TotalAmt"] == Decimal("40.00") and len(world.entities("Payment")) == 2

    _check_due(world)
    again = world.cycle()  # said once; the issue stays open, not retried
    assert again.ok and again.counts["deleted_in_keap"] == 0
    assert _issues(world)[("order", doomed)].attempts == 1

    # the bookkeeper voids both in QuickBooks: the next check closes the issues
    qb = open_company(world.settings()).client()
    from quickbooks.objects.invoice import Invoice
    from quickbooks.objects.payment import Payment

    Payment.get(payment["Id"], qb=qb).void(qb=qb)
    Invoice.get(invoice["Id"], qb=qb).void(qb=qb)
    _check_due(world)
    assert world.cycle().ok
    assert _issues(world) == {}
    assert world.invoice(str(kept))["TotalAmt"] == Decimal("80.00")


def test_a_held_posted_order_deleted_in_keap_is_named_at_the_next_cycle(world):
    _, (doomed, doomed_invoice, _), _ = _posted_pair(world)
    # edited into something that cannot post (a discount larger than the order): held, document kept
    billing.add_item(world.keap.store, doomed_invoice, 0, int(ItemType.SPECIAL_ORDER_TOTAL), "-100.00", 1, "OOPS")
    held = world.cycle()
    assert set(held.held) == {doomed}
    billing.delete_invoice(world.keap.store, doomed_invoice)

    summary = world.cycle()  # retried because held, found missing: said at once, no daily check needed
    assert summary.ok and summary.counts["deleted_in_keap"] == 1
    issue = _issues(world)[("order", doomed)]
    assert issue.kind == "deleted" and f"Invoice {doomed}" in issue.reason


def test_resyncing_a_deleted_posted_order_names_its_quickbooks_document(world):
    _, (doomed, doomed_invoice, _), _ = _posted_pair(world)
    billing.delete_invoice(world.keap.store, doomed_invoice)
    summary = world.resync([doomed])
    reason = summary.failed[doomed]
    assert "deleted in Keap" in reason and f"Invoice {doomed}" in reason
    assert _issues(world)[("order", doomed)].kind == "deleted"


def test_a_deleted_orders_id_given_to_a_new_order_never_overwrites_the_posted_document(world):
    shop = Shop(world.keap.store)
    jane = shop.contact()
    first, first_invoice = shop.order(jane, (shop.product(price="40.00"), "40.00", 1))
    shop.charge(first_invoice, jane)
    assert world.cycle().ok
    posted = world.invoice(str(first))
    billing.delete_invoice(world.keap.store, first_invoice)
    second, second_invoice = shop.order(jane, (shop.product(name="Other", sku="OTH", price="7.00"), "7.00", 1))
    assert second == first  # Keap hands the highest order id out again after a delete

    summary = world.cycle()
    assert set(summary.held) == {second}
    reason = summary.held[second]
    assert f"invoice {second_invoice}" in reason and f"Invoice {first} (Id {posted['Id']})" in reason
    assert world.invoice(str(first))["TotalAmt"] == Decimal("40.00")  # not overwritten by the new order


def test_a_payment_keap_kept_after_its_posted_order_was_deleted_names_it_at_the_next_cycle(world):
    _, (doomed, doomed_invoice, charge), _ = _posted_pair(world)
    store = world.keap.store
    # Keap deleted the order and its invoice but kept the payment row (the payment scans still see it)
    for item in store.find("OrderItem", "OrderId", doomed):
        store.delete("OrderItem", item["Id"])
    for allocation in store.find("InvoicePayment", "InvoiceId", doomed_invoice):
        store.delete("InvoicePayment", allocation["Id"])
    store.delete("Invoice", doomed_invoice)
    store.delete("Job", doomed)
    assert store.get("Payment", charge.payment_id) is not None

    summary = world.cycle()  # no daily check due: the payment scan leads to the order
    assert summary.counts["deleted_in_keap"] == 1, summary.line()
    issues = _issues(world)
    assert issues[("order", doomed)].kind == issues[("payment", charge.payment_id)].kind == "deleted"


def test_the_daily_check_costs_one_keap_call_per_1000_posted_orders(world):
    _posted_pair(world)

    def calls():
        return world.keap.rest_calls + world.keap.calls

    before = calls()
    world.cycle()
    quiet = calls() - before
    _check_due(world)
    before = calls()
    assert world.cycle().ok
    assert calls() - before == quiet + 1  # two posted orders: one existence read, ids only

"""Payments: split payments, manual payments stamped 12:00 AM, back-dated ones, declines, long references."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

from .shop import Shop


def test_a_25_plus_75_split_posts_two_payments_with_their_own_references(any_db_world):
    world = any_db_world
    shop = Shop(world.keap.store)
    jane = shop.contact()
    order_id, invoice_id = shop.order(jane, (shop.product(price="100.00"), "100.00", 1))
    first = shop.charge(invoice_id, jane, "25.00")
    assert world.cycle().ok
    second = shop.charge(invoice_id, jane, "75.00")
    assert world.cycle().ok

    invoice = world.invoice(str(order_id))
    payments = sorted(world.payments_for(invoice), key=lambda p: p["TotalAmt"])
    assert [(p["PaymentRefNum"], p["TotalAmt"]) for p in payments] == [
        (first.ref_num, Decimal("25.00")), (second.ref_num, Decimal("75.00"))]
    assert invoice["Balance"] == Decimal("0")


def test_manual_and_back_dated_payments_arrive_on_the_next_cycle(world):
    clock = [datetime(2024, 3, 4, 15, 0, tzinfo=timezone.utc)]
    world.keap.set_clock(lambda: clock[0])
    shop = Shop(world.keap.store)
    jane = shop.contact()
    order_a, invoice_a = shop.order(jane, (shop.product(price="50.00"), "50.00", 1))
    order_b, invoice_b = shop.order(jane, (shop.product(name="Gadget", sku="GAD-1", price="30.00"), "30.00", 1))
    assert world.cycle().ok  # both invoices posted, unpaid

    # Hours later a manual payment is entered: Infusionsoft stamps it 12:00 AM today.
    clock[0] += timedelta(hours=6)
    shop.pay_manually(invoice_a, "50.00", clock[0], pay_type="Check")
    # And one back-dated three days (before any PayDate window): found by its new Id.
    manual_b = shop.pay_manually(invoice_b, "30.00", clock[0] - timedelta(days=3), pay_type="Cash")
    summary = world.cycle()

    assert summary.ok and summary.counts["payments"] == 2
    [check] = world.payments_for(world.invoice(str(order_a)))
    assert check["TxnDate"] == "2024-03-04" and check["PaymentRefNum"].startswith("IS-PAY-")
    [cash] = world.payments_for(world.invoice(str(order_b)))
    assert cash["PaymentRefNum"] == f"IS-PAY-{manual_b}" and cash["TxnDate"] == "2024-03-01"
    method = world.qbo.get(world.realm, "PaymentMethod", cash["PaymentMethodRef"]["value"])
    assert method["Name"] == "Cash"


def test_a_declined_charge_posts_an_open_invoice_unless_paid_only(world):
    shop = Shop(world.keap.store)
    jane = shop.contact()
    order_id, invoice_id = shop.order(jane, (shop.product(price="20.00"), "20.00", 1))
    assert not shop.charge(invoice_id, jane, declined=True).successful

    held_back = world.cycle(paid_only=True)
    assert held_back.ok and held_back.counts["skipped"] == 1 and world.entities("Invoice") == []
    with world.state().unit() as uow:
        [issue] = uow.open_issues()
    assert (issue.subject_id, issue.kind) == (order_id, "skipped") and "paid_only" in issue.reason

    posted = world.resync([order_id], paid_only=False)
    assert posted.ok
    invoice = world.invoice(str(order_id))
    assert invoice["Balance"] == Decimal("20.00") and world.entities("Payment") == []


def test_a_27_character_reference_is_shortened_and_kept_whole_in_the_memo(world):
    shop = Shop(world.keap.store)
    jane = shop.contact()
    order_id, invoice_id = shop.order(jane, (shop.product(price="10.00"), "10.00", 1))
    charge = shop.charge(invoice_id, jane)
    long_ref = "TXN-" + "0123456789ABCDEFGHIJKLM"
    assert len(long_ref) == 27
    [cc] = [c for c in world.keap.store.rows("CCharge") if c["PaymentId"] == charge.payment_id]
    world.keap.store.update("CCharge", cc["Id"], RefNum=long_ref)

    assert world.cycle().ok
    [payment] = world.payments_for(world.invoice(str(order_id)))
    assert len(payment["PaymentRefNum"]) <= 21 and payment["PaymentRefNum"].startswith(long_ref[:10])
    assert long_ref in payment["PrivateNote"]


def test_a_payment_plan_sets_the_due_date_and_the_schedule_and_moves_as_it_is_paid(world):
    from syncsvc.sandbox.infusionsoft import billing

    clock = [datetime(2026, 3, 2, 15, 0, tzinfo=timezone.utc)]
    world.keap.set_clock(lambda: clock[0])
    store = world.keap.store
    shop = Shop(store)
    jane = shop.contact()
    order_id, invoice_id = shop.order(jane, (shop.product(price="120.00"), "120.00", 1))
    card = store.add_credit_card(jane)
    # 30.00 now, then three payments of 30.00 every 30 days from April 1st
    billing.add_payment_plan(store, invoice_id, True, card, 1, 1, 3, "30.00",
                             datetime(2026, 3, 2, 12, tzinfo=timezone.utc), datetime(2026, 4, 1, 12, tzinfo=timezone.utc), 3, 30)
    assert world.cycle().ok
    invoice = world.invoice(str(order_id))
    assert invoice["DueDate"] == "2026-03-02"
    assert "Payment plan, 4 installments: 2026-03-02 30.00, 2026-04-01 30.00" in invoice["PrivateNote"]

    shop.charge(invoice_id, jane, "30.00")  # the first installment is paid
    assert world.cycle().ok
    invoice = world.invoice(str(order_id))
    assert invoice["DueDate"] == "2026-04-01" and invoice["Balance"] == Decimal("90.00")
    assert len(world.entities("Invoice")) == 1


def test_under_refunds_report_a_refund_is_reported_as_skipped_and_never_posted_as_a_payment(world):
    from syncsvc.sandbox.infusionsoft import billing

    shop = Shop(world.keap.store)
    jane = shop.contact()
    order_id, invoice_id = shop.order(jane, (shop.product(price="60.00"), "60.00", 1))
    charge = shop.charge(invoice_id, jane)
    refund_id = billing.refund_payment(world.keap.store, charge.payment_id, "20.00")

    summary = world.cycle(refunds="report")  # the default books it (tests/e2e/test_refunds.py)
    assert summary.ok and summary.counts["payments"] == 1 and summary.counts["payments_skipped"] == 1
    [payment] = world.payments_for(world.invoice(str(order_id)))
    assert payment["TotalAmt"] == Decimal("60.00") and payment["PaymentRefNum"] == charge.ref_num
    with world.state().unit() as uow:
        skipped = [i for i in uow.open_issues() if i.subject == "payment" and i.subject_id == refund_id]
    assert skipped and skipped[0].kind == "skipped" and "refund" in skipped[0].reason.lower()
    again = world.cycle(refunds="report")
    assert again.counts["payments"] == 0 and again.counts["payments_skipped"] == 0  # reported once
    assert world.entities("RefundReceipt") == [] and world.entities("CreditMemo") == []

"""No money wrong, ever: payments are never adopted from someone else, never skipped for sharing a
reference, never refused forever, never posted over the open balance, and never posted by a process
that lost the connection's lease."""

from __future__ import annotations

import time
from urllib.parse import urlparse
from datetime import datetime, timezone
from decimal import Decimal

from quickbooks.objects.base import LinkedTxn
from quickbooks.objects.payment import Payment, PaymentLine

from syncsvc.cli import main
from syncsvc.quickbooks import writers
from syncsvc.quickbooks.client import open_company
from syncsvc.quickbooks.transport import LoopbackAwareOAuth2Session
from syncsvc.service import locking
from syncsvc.sync import executor
from syncsvc.sync.qbo_mapping import ref

from .books import order_issues
from .shop import Shop


def _set_ref(world, payment_id: int, ref_num: str) -> None:
    """The merchant reference Keap shows for a card payment."""
    [charge] = [c for c in world.keap.store.rows("CCharge") if c["PaymentId"] == payment_id]
    world.keap.store.update("CCharge", charge["Id"], RefNum=ref_num)


def _hand_entered_payment(qb, ref_num: str, invoice: dict, amount: str) -> Payment:
    """A payment a bookkeeper types into QuickBooks on `invoice` (no syncsvc memo)."""
    typed = Payment()
    typed.PaymentRefNum, typed.CustomerRef = ref_num, ref(invoice["CustomerRef"]["value"])
    typed.TotalAmt = Decimal(amount)
    line = PaymentLine()
    line.Amount = Decimal(amount)
    linked = LinkedTxn()
    linked.TxnId, linked.TxnType = invoice["Id"], "Invoice"
    line.LinkedTxn = [linked]
    typed.Line = [line]
    return writers.create(qb, typed)


def _other_customers_invoice(world, qb, shop) -> dict:
    """An invoice of another customer, posted by the sync, to hang someone else's payment on."""
    bob = shop.contact("Bob", "Other", "bob@example.com")
    order_id, _ = shop.order(bob, (shop.product(name="Gadget", sku="GAD-1", price="80.00"), "80.00", 1))
    assert world.cycle().ok
    return world.invoice(str(order_id))


# -- 1. adopting only our own payment -----------------------------------------------------------

def test_a_payment_with_our_reference_but_another_amount_is_not_taken_for_ours(world):
    shop = Shop(world.keap.store)
    jane = shop.contact()
    order_id, invoice_id = shop.order(jane, (shop.product(price="100.00"), "100.00", 1))
    assert world.cycle().ok
    charge = shop.charge(invoice_id, jane, "60.00")
    qb = open_company(world.settings()).client()
    invoice = world.invoice(str(order_id))
    _hand_entered_payment(qb, charge.ref_num, invoice, "40.00")  # typed with the card's reference

    summary = world.cycle()

    assert summary.ok and summary.counts["payments"] == 1 and summary.counts["duplicates_avoided"] == 0
    payments = sorted(world.payments_for(invoice), key=lambda p: p["TotalAmt"])
    assert [(p["PaymentRefNum"], p["TotalAmt"]) for p in payments] == [
        (charge.ref_num, Decimal("40.00")), (f"{charge.ref_num}-P{charge.payment_id}", Decimal("60.00"))]
    assert charge.ref_num in payments[1]["PrivateNote"]
    assert world.invoice(str(order_id))["Balance"] == Decimal("0")


def test_after_a_lost_answer_someone_elses_payment_with_our_reference_is_not_adopted(world, monkeypatch):
    shop = Shop(world.keap.store)
    qb = open_company(world.settings()).client()
    bobs = _other_customers_invoice(world, qb, shop)
    jane = shop.contact()
    order_id, invoice_id = shop.order(jane, (shop.product(price="100.00"), "100.00", 1))
    assert world.cycle().ok
    charge = shop.charge(invoice_id, jane)
    _hand_entered_payment(qb, charge.ref_num, bobs, "80.00")  # same reference, Bob's invoice
    steps = executor.PlanExecutor.steps  # an order's execution starts here

    def lose_the_answer_to_the_payment(self, plan, *args, **kwargs):
        # After the batch's reads: the payment's POST is the next Payment request, and its answer a 500.
        world.qbo.inject(world.realm, "http500", count=1, entity="Payment")
        return steps(self, plan, *args, **kwargs)

    monkeypatch.setattr(executor.PlanExecutor, "steps", lose_the_answer_to_the_payment)

    summary = world.cycle()

    assert summary.ok and summary.counts["payments"] == 1
    [ours] = world.payments_for(world.invoice(str(order_id)))
    assert ours["TotalAmt"] == Decimal("100.00") and ours["PaymentRefNum"].startswith(charge.ref_num)
    assert world.invoice(str(order_id))["Balance"] == Decimal("0")
    [bobs_payment] = world.payments_for(bobs)
    assert bobs_payment["TotalAmt"] == Decimal("80.00")


def test_a_payment_whose_references_are_all_taken_in_quickbooks_is_held_with_what_to_fix(world):
    shop = Shop(world.keap.store)
    qb = open_company(world.settings()).client()
    bobs = _other_customers_invoice(world, qb, shop)
    jane = shop.contact()
    order_id, invoice_id = shop.order(jane, (shop.product(price="100.00"), "100.00", 1))
    assert world.cycle().ok
    charge = shop.charge(invoice_id, jane)
    _hand_entered_payment(qb, charge.ref_num, bobs, "40.00")
    _hand_entered_payment(qb, f"{charge.ref_num}-P{charge.payment_id}", bobs, "40.00")

    summary = world.cycle()

    assert summary.ok and summary.counts["held"] == 1 and summary.counts["payments"] == 0
    assert "already carry the reference" in summary.held[order_id] and "in QuickBooks" in summary.held[order_id]
    assert world.payments_for(world.invoice(str(order_id))) == []


# -- 2. one reference, two payments ----------------------------------------------------------------

def test_two_payments_on_one_invoice_with_one_merchant_reference_both_post(any_db_world):
    world = any_db_world
    shop = Shop(world.keap.store)
    jane = shop.contact()
    order_id, invoice_id = shop.order(jane, (shop.product(price="100.00"), "100.00", 1))
    first = shop.charge(invoice_id, jane, "25.00")
    assert world.cycle().ok
    second = shop.charge(invoice_id, jane, "75.00")
    _set_ref(world, second.payment_id, first.ref_num)  # the gateway reused the reference

    summary = world.cycle()

    assert summary.ok and summary.counts["payments"] == 1
    invoice = world.invoice(str(order_id))
    payments = sorted(world.payments_for(invoice), key=lambda p: p["TotalAmt"])
    suffixed = f"{first.ref_num}-P{second.payment_id}"
    assert [(p["PaymentRefNum"], p["TotalAmt"]) for p in payments] == [
        (first.ref_num, Decimal("25.00")), (suffixed, Decimal("75.00"))]
    assert len(suffixed) <= 21 and first.ref_num in payments[1]["PrivateNote"]
    assert invoice["Balance"] == Decimal("0")
    again = world.resync([order_id])  # posted under its own reference: never posted again, no warning
    assert again.ok and again.counts["payments"] == 0 and len(world.entities("Payment")) == 2
    assert order_issues(world) == {}


def test_one_merchant_reference_on_payments_of_two_orders_posts_both(any_db_world):
    world = any_db_world
    shop = Shop(world.keap.store)
    jane, bob = shop.contact(), shop.contact("Bob", "Other", "bob@example.com")
    widget = shop.product(price="30.00")
    order_a, invoice_a = shop.order(jane, (widget, "30.00", 1))
    order_b, invoice_b = shop.order(bob, (widget, "30.00", 2))
    paid_a = shop.charge(invoice_a, jane)
    paid_b = shop.charge(invoice_b, bob)
    _set_ref(world, paid_b.payment_id, paid_a.ref_num)

    summary = world.cycle()

    assert summary.ok and summary.counts["payments"] == 2 and summary.counts["errors"] == 0
    [a] = world.payments_for(world.invoice(str(order_a)))
    [b] = world.payments_for(world.invoice(str(order_b)))
    assert (a["PaymentRefNum"], a["TotalAmt"]) == (paid_a.ref_num, Decimal("30.00"))
    assert (b["PaymentRefNum"], b["TotalAmt"]) == (f"{paid_a.ref_num}-P{paid_b.payment_id}", Decimal("60.00"))
    assert world.cycle().counts["payments"] == 0


# -- 3. a refusal is not replayed forever -----------------------------------------------------------

def test_a_payment_whose_body_was_cut_short_posts_on_the_next_cycle(world, monkeypatch):
    shop = Shop(world.keap.store)
    jane = shop.contact()
    order_id, invoice_id = shop.order(jane, (shop.product(price="50.00"), "50.00", 1))
    assert world.cycle().ok
    shop.charge(invoice_id, jane)
    cut = []
    send = LoopbackAwareOAuth2Session.request

    def cut_first_payment(self, method, url, data=None, **kwargs):
        if method.upper() == "POST" and urlparse(url).path.endswith("/payment") and not cut and data:
            cut.append(url)
            data = data[: len(data) // 2]  # the connection lost the second half of the body
        return send(self, method, url, data=data, **kwargs)

    monkeypatch.setattr(LoopbackAwareOAuth2Session, "request", cut_first_payment)

    refused = world.cycle()
    assert cut and not refused.ok and order_id in refused.failed
    retried = world.cycle()

    assert retried.ok and retried.counts["payments"] == 1
    assert world.invoice(str(order_id))["Balance"] == Decimal("0")
    assert order_issues(world) == {}


def test_a_payment_over_the_balance_left_in_quickbooks_is_held_then_posts_once_fixed(world):
    shop = Shop(world.keap.store)
    jane = shop.contact()
    order_id, invoice_id = shop.order(jane, (shop.product(price="100.00"), "100.00", 1))
    assert world.cycle().ok
    qb = open_company(world.settings()).client()
    typed = _hand_entered_payment(qb, "CHK-77", world.invoice(str(order_id)), "30.00")
    shop.charge(invoice_id, jane)  # Keap: paid in full
    ann = shop.contact("Ann", "Else", "ann@example.com")
    other_order, other_invoice = shop.order(ann, (shop.product(name="Gadget", sku="GAD-1", price="5.00"), "5.00", 1))
    shop.charge(other_invoice, ann)

    held = world.cycle()

    assert held.ok and held.counts["held"] == 1 and held.counts["payments"] == 1  # the other order posted
    reason = held.held[order_id]
    assert "100.00" in reason and "70.00" in reason and "QuickBooks" in reason
    assert world.invoice(str(other_order))["Balance"] == Decimal("0")
    again = world.cycle()
    assert again.ok and again.held[order_id] == reason

    typed.delete(qb=qb)  # the bookkeeper removes the payment typed by mistake
    fixed = world.cycle()

    assert fixed.ok and fixed.counts["payments"] == 1 and fixed.held == {}
    assert world.invoice(str(order_id))["Balance"] == Decimal("0")
    assert order_issues(world) == {}


# -- 4. a payment larger than the open balance ------------------------------------------------------

def test_payments_over_the_invoice_total_hold_the_extra_payment_and_the_run_goes_on(world):
    day = datetime(2024, 3, 4, 15, 0, tzinfo=timezone.utc)
    shop = Shop(world.keap.store)
    jane, ann = shop.contact(), shop.contact("Ann", "Else", "ann@example.com")
    order_id, invoice_id = shop.order(jane, (shop.product(price="100.00"), "100.00", 1))
    first = shop.pay_manually(invoice_id, "60.00", day)
    extra = shop.pay_manually(invoice_id, "60.00", day)  # Keap took 120.00 on a 100.00 order
    fine_order, fine_invoice = shop.order(ann, (shop.product(name="Gadget", sku="GAD-1", price="5.00"), "5.00", 1))
    shop.pay_manually(fine_invoice, "5.00", day)

    summary = world.cycle()

    assert summary.ok and summary.counts["held"] == 1 and summary.counts["payments"] == 2
    reason = summary.held[order_id]
    assert f"payment {extra}" in reason and "60.00" in reason and "40.00" in reason and "100.00" in reason
    assert "Keap" in reason
    [posted] = world.payments_for(world.invoice(str(order_id)))
    assert posted["PaymentRefNum"] == f"IS-PAY-{first}" and posted["TotalAmt"] == Decimal("60.00")
    assert world.invoice(str(fine_order))["Balance"] == Decimal("0")
    assert world.cycle().held[order_id] == reason  # still held, not an error, nothing sent


# -- 5. a process that lost its lease writes nothing --------------------------------------------------

def test_a_process_paused_past_its_lease_does_not_post_what_the_next_holder_posted(any_db_world, tmp_path,
                                                                                   monkeypatch, capsys):
    world = any_db_world
    world.qbo.configure(world.realm, requestid_replay=False)  # QBO does not always honour requestids
    config = world.config_file(tmp_path)
    with open(config, "a") as f:
        f.write("[service]\nlock_ttl_seconds = 1\n")
    shop = Shop(world.keap.store)
    jane = shop.contact()
    order_id, invoice_id = shop.order(jane, (shop.product(price="100.00"), "100.00", 1))
    assert world.cycle().ok
    shop.charge(invoice_id, jane, "40.00")  # a deposit: QBO would take the same payment twice

    monkeypatch.setattr(locking.LeaseKeeper, "_run", lambda self: None)  # nobody renews: a paused holder
    steps = executor.PlanExecutor.steps  # an order's execution starts here
    paused, second_holder = [], []

    def pause_then_resume(self, plan, *args, **kwargs):
        if not paused and plan.writes:
            paused.append(plan.order_id)
            time.sleep(1.3)  # frozen past the lease's TTL ...
            second_holder.append(main(["-c", config, "sync"]))  # ... while another process takes over
        return steps(self, plan, *args, **kwargs)

    monkeypatch.setattr(executor.PlanExecutor, "steps", pause_then_resume)

    first_holder = main(["-c", config, "sync"])

    assert second_holder == [0]
    assert first_holder == 1
    assert "no longer holds the lease" in capsys.readouterr().err
    [posted] = world.payments_for(world.invoice(str(order_id)))
    assert posted["TotalAmt"] == Decimal("40.00") and world.invoice(str(order_id))["Balance"] == Decimal("60.00")
    with world.state().unit() as uow:
        assert len(uow.posted_payment_refs(order_id)) == 1

"""Amounts QuickBooks refuses are held before posting, with one line naming what to fix (issue 10).

A negative total (a discount larger than the lines) and a unit price with a fraction of a
cent (QBO error 6070) errored at QuickBooks every cycle; the plan now holds them.
"""

from __future__ import annotations

from decimal import Decimal

from syncsvc.engine.actions import CreatePayment, Hold
from syncsvc.engine.plan import PostedDocument, plan_order
from syncsvc.engine.settings import EngineSettings
from syncsvc.infusionsoft.records import ItemType

from .builders import bundle, invoice, line, payment, state

DEFAULTS = EngineSettings()


def discount_larger_than_the_lines():
    items = (line(11, "10.00"), line(12, "-50.00", item_type=ItemType.SPECIAL_ORDER_TOTAL, product_id=None,
                                       name="SAVE50"))
    return bundle(invoice=invoice(total="-40.00", paid="0.00"), order_items=items, payments=())


def test_a_negative_total_is_held_naming_the_total_and_the_fix():
    plan = plan_order(discount_larger_than_the_lines(), state(), DEFAULTS)
    [hold] = plan.actions
    assert isinstance(hold, Hold)
    assert hold.reason.startswith("order 1234: ")
    assert "-40.00" in hold.reason and "negative" in hold.reason
    assert "#12" in hold.reason  # the discount line to correct
    assert "\n" not in hold.reason
    assert plan.writes == ()


def test_a_negative_total_is_held_in_sales_receipt_mode_too():
    plan = plan_order(discount_larger_than_the_lines(), state(), EngineSettings(posting_mode="sales_receipt"))
    assert [type(a) for a in plan.actions] == [Hold]
    assert "negative" in plan.actions[0].reason and "sales receipt" in plan.actions[0].reason


def test_a_posted_order_edited_to_a_negative_total_keeps_its_document_and_is_held():
    posted = state(document=PostedDocument("900", "invoice", "old-hash"))
    plan = plan_order(discount_larger_than_the_lines(), posted, DEFAULTS)
    assert [type(a) for a in plan.actions] == [Hold]
    assert "negative" in plan.actions[0].reason


def test_a_zero_total_is_not_negative():
    items = (line(11, "10.00"), line(12, "-10.00", item_type=ItemType.SPECIAL_ORDER_TOTAL, product_id=None))
    plan = plan_order(bundle(invoice=invoice(total="0.00"), order_items=items, payments=()), state(), DEFAULTS)
    assert not plan.holds


def test_a_unit_price_with_a_fraction_of_a_cent_is_held_naming_the_line():
    items = (line(11, "3.333", qty="3", name="Gadget"), line(12, "90.00"))
    plan = plan_order(bundle(invoice=invoice(total="100.00"), order_items=items), state(), DEFAULTS)
    holds = plan.holds
    assert len(holds) == 1 and plan.writes == ()
    reason = holds[0].reason
    assert reason.startswith("order 1234: ") and "#11" in reason and "3.333" in reason and "Gadget" in reason
    assert "cent" in reason and "6070" in reason
    assert "#12" not in reason and "\n" not in reason
    assert plan.waiting and plan.waiting[0].payment_id == 1  # its payment waits for the document


def test_a_fractional_discount_price_is_held_too():
    items = (line(11, "100.00"), line(12, "-0.005", qty="2", item_type=ItemType.SPECIAL_PRODUCT, product_id=None,
                                        name="Promo"))
    plan = plan_order(bundle(invoice=invoice(total="99.99"), order_items=items), state(), DEFAULTS)
    assert plan.holds and "#12" in plan.holds[0].reason


def test_whole_cent_prices_with_fractional_quantities_post():
    items = (line(11, "10.00", qty="1.5"), line(12, "85.00"))
    plan = plan_order(bundle(invoice=invoice(total="100.00"), order_items=items), state(), DEFAULTS)
    assert not plan.holds
    assert any(isinstance(a, CreatePayment) for a in plan.actions)


def test_a_zero_line_with_a_fractional_price_is_dropped_not_held():
    items = (line(11, "100.00"), line(12, "0.001", qty="1", product_id=None, name="Sample"))
    plan = plan_order(bundle(order_items=items), state(), DEFAULTS)
    assert not plan.holds


def test_trailing_zeros_are_whole_cents():
    items = (line(11, "100.0000"),)
    plan = plan_order(bundle(order_items=items, payments=(payment(1, "100.00", ref_num="T"),)), state(), DEFAULTS)
    assert not plan.holds and plan.document.total == Decimal("100.00")

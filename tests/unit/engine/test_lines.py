from decimal import Decimal

from syncsvc.engine.actions import Hold
from syncsvc.engine.plan import plan_order
from syncsvc.engine.settings import EngineSettings
from syncsvc.infusionsoft.records import ItemType

from .builders import bundle, invoice, line, state

D = Decimal


def test_every_item_type_lands_on_its_item_and_the_total_matches():
    items = (
        line(11, "80.00"),
        line(12, "10.00", item_type=ItemType.SHIPPING, product_id=None, name="Shipping"),
        line(13, "7.25", item_type=ItemType.TAX, product_id=None, name="Tax"),
        line(14, "2.75", item_type=ItemType.FINANCE_CHARGE, product_id=None, name="Late fee"),
        line(15, "-5.00", item_type=ItemType.SPECIAL_ORDER_TOTAL, product_id=None, name="SAVE5"),
        line(16, "0.00", item_type=ItemType.SPECIAL_FREE_TRIAL_DAYS, product_id=None, name="Trial"),
        line(17, "5.00", item_type=ItemType.SERVICE, name="Setup"),
    )
    plan = plan_order(bundle(order_items=items, invoice=invoice(total="100.00")), state(), EngineSettings())
    lines = {l.order_item_id: l for l in plan.document.lines}
    assert 16 not in lines  # zero amount dropped
    assert lines[12].item.name == "Shipping" and lines[13].item.name == "Sales Tax"
    assert lines[14].item.name == "Finance Charge" and lines[15].item.name == "Discount"
    assert lines[15].amount == D("-5.00")
    assert lines[17].item.qbo_id == "1"
    assert plan.document.total == D("100.00") and plan.document.tax_total is None


def test_a_special_with_a_positive_price_is_still_a_discount():
    items = (line(11, "100.00"), line(12, "20.00", item_type=ItemType.SPECIAL_PRODUCT, product_id=None, name="Promo"))
    plan = plan_order(bundle(order_items=items, invoice=invoice(total="80.00")), state(), EngineSettings())
    assert [l.amount for l in plan.document.lines] == [D("100.00"), D("-20.00")]


def test_amount_is_quantity_times_price_rounded_half_up_to_the_cent():
    from syncsvc.engine.items import ItemCatalog
    from syncsvc.engine.lines import map_lines

    from .builders import ALL_ITEMS, product

    items = (line(11, "3.335", qty="3"),)  # 10.005
    mapped = map_lines(items, {77: product()}, ItemCatalog(ALL_ITEMS), EngineSettings())
    [planned] = mapped.lines
    assert (planned.quantity, planned.unit_price, planned.amount) == (D("3"), D("3.335"), D("10.01"))
    # QuickBooks refuses that unit price (6070): the plan holds the order instead of posting it.
    plan = plan_order(bundle(order_items=items, invoice=invoice(total="10.01")), state(), EngineSettings())
    assert plan.holds and "fraction of a cent" in plan.holds[0].reason and plan.writes == ()


def test_tax_can_go_to_the_documents_tax_detail_instead_of_a_line():
    items = (line(11, "92.75"), line(12, "7.25", item_type=ItemType.TAX, product_id=None, name="Tax"))
    plan = plan_order(bundle(order_items=items), state(), EngineSettings(tax_mode="txn_tax_detail"))
    assert [l.order_item_id for l in plan.document.lines] == [11]
    assert plan.document.tax_total == D("7.25") and plan.document.total == D("100.00")


def test_total_mismatch_holds_the_order_naming_the_difference_and_the_lines():
    items = (line(11, "90.00"), line(12, "5.00", item_type=ItemType.SHIPPING, product_id=None))
    plan = plan_order(bundle(order_items=items), state(), EngineSettings())
    [hold] = plan.actions
    assert isinstance(hold, Hold)
    assert "by -5.00" in hold.reason and "total 100.00" in hold.reason
    assert "#11 product 1 x 90.00 = 90.00" in hold.reason and "#12 shipping 1 x 5.00 = 5.00" in hold.reason
    assert [w.payment_id for w in plan.waiting] == [1]  # its payment waits; nothing is posted

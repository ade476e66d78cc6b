from syncsvc.engine.actions import CreateInvoice, CreateItem
from syncsvc.engine.items import QboItem
from syncsvc.engine.plan import plan_order
from syncsvc.engine.settings import EngineSettings

from decimal import Decimal

from .builders import ALL_ITEMS, bundle, invoice, line, product, state

DEFAULTS = EngineSettings()


def kinds(plan):
    return [type(action).__name__ for action in plan.actions]


def test_product_sku_matches_the_quickbooks_item_name():
    plan = plan_order(bundle(), state(), DEFAULTS)
    assert plan.document.lines[0].item.qbo_id == "1"
    assert plan.warnings == ()


def test_setting_matches_the_sku_on_the_items_sku_field():
    items = ALL_ITEMS[1:] + (QboItem("8", "Widget Deluxe", "wid-1"),)
    plan = plan_order(bundle(), state(items=items), EngineSettings(match_items_on="sku"))
    assert plan.document.lines[0].item.qbo_id == "8"


def test_product_without_sku_posts_on_the_unknown_item_with_a_warning_not_a_hold():
    plan = plan_order(bundle(products=(product(sku=""),)), state(), DEFAULTS)
    assert "CreateInvoice" in kinds(plan) and "Hold" not in kinds(plan)
    assert plan.document.lines[0].item.name == "unknown do not delete"
    [warning] = plan.warnings
    assert "order item 11" in warning and "product 77 'Widget' has no SKU" in warning


def test_order_item_without_product_or_without_name_posts_on_the_unknown_item():
    items = (line(11, "60.00", product_id=None, name="Custom work"), line(12, "40.00", name=""))
    plan = plan_order(bundle(order_items=items), state(), DEFAULTS)
    assert [l.item.qbo_id for l in plan.document.lines] == ["2", "2"]
    assert "order item 11 'Custom work' has no product" in plan.warnings[0]
    assert "order item 12 has no item name" in plan.warnings[0]


def test_missing_sku_item_is_created_on_the_income_account_before_the_invoice():
    settings = EngineSettings(item_income_account="Sales")
    plan = plan_order(bundle(products=(product(sku="NEW-9", name="Gadget"),)), state(), settings)
    create_item = plan.actions[0]
    assert isinstance(create_item, CreateItem) and isinstance(plan.actions[1], CreateInvoice)
    assert (create_item.draft.name, create_item.draft.sku, create_item.draft.income_account) == ("NEW-9", "NEW-9", "Sales")
    assert plan.document.lines[0].item.name == "NEW-9" and plan.document.lines[0].item.qbo_id is None


def test_missing_sku_item_goes_to_the_unknown_item_when_creation_is_off():
    settings = EngineSettings(create_missing_items=False)
    plan = plan_order(bundle(products=(product(sku="NEW-9"),)), state(), settings)
    assert "CreateItem" not in kinds(plan)
    assert plan.document.lines[0].item.qbo_id == "2"
    assert "no QuickBooks item for SKU 'NEW-9'" in plan.warnings[0]


def test_the_unknown_item_is_created_once_when_quickbooks_lacks_it():
    items = (line(11, "50.00", product_id=None), line(12, "50.00", product_id=None))
    plan = plan_order(bundle(order_items=items), state(items=ALL_ITEMS[:1]), DEFAULTS)
    created = [a.draft.name for a in plan.actions if isinstance(a, CreateItem)]
    assert created == ["unknown do not delete"]


# -- issue 11: shipping, tax and discount items on accounts of their own --------------------------------


def _drafts(plan):
    return {a.draft.name: a.draft for a in plan.actions if isinstance(a, CreateItem)}


def test_shipping_tax_and_discount_items_are_created_on_their_own_accounts_with_types():
    from syncsvc.infusionsoft.records import ItemType

    order_items = (line(11, "100.00"), line(12, "9.95", item_type=ItemType.SHIPPING, product_id=None),
                   line(13, "6.80", item_type=ItemType.TAX, product_id=None),
                   line(14, "15.00", item_type=ItemType.SPECIAL, product_id=None))
    plan = plan_order(bundle(order_items=order_items, invoice=invoice(total="101.75")),
                      state(items=ALL_ITEMS[:2]), DEFAULTS)
    drafts = _drafts(plan)
    assert {name: (d.income_account, d.account.account_type, d.account.sub_type, d.account.classification)
            for name, d in drafts.items()} == {
        "Shipping": ("Shipping Income", "Income", "OtherPrimaryIncome", "Revenue"),
        "Sales Tax": ("Sales Tax Payable", "Other Current Liability", "OtherCurrentLiabilities", "Liability"),
        "Discount": ("Discounts given", "Income", "DiscountsRefundsGiven", "Revenue"),
    }
    assert plan.document.total == Decimal("101.75")


def test_the_accounts_follow_the_settings_and_other_items_stay_on_the_income_account():
    from syncsvc.infusionsoft.records import ItemType

    settings = EngineSettings(tax_account="State Sales Tax", shipping_account="Freight In",
                              discount_account="Promotions", item_income_account="Sales")
    order_items = (line(11, "100.00", product_id=None), line(12, "5.00", item_type=ItemType.SHIPPING, product_id=None),
                   line(13, "7.00", item_type=ItemType.TAX, product_id=None),
                   line(14, "10.00", item_type=ItemType.SPECIAL, product_id=None),
                   line(15, "2.00", item_type=ItemType.FINANCE_CHARGE, product_id=None))
    plan = plan_order(bundle(order_items=order_items, invoice=invoice(total="104.00")), state(items=()), settings)
    drafts = _drafts(plan)
    assert {n: d.income_account for n, d in drafts.items()} == {
        "unknown do not delete": "Sales", "Shipping": "Freight In", "Sales Tax": "State Sales Tax",
        "Discount": "Promotions", "Finance Charge": "Sales"}
    assert drafts["unknown do not delete"].account is None and drafts["Finance Charge"].account is None
    assert drafts["Sales Tax"].account.setting == "tax_account"


def test_existing_items_are_used_as_they_are_and_txn_tax_detail_needs_no_tax_item():
    from syncsvc.engine.items import special_item_accounts
    from syncsvc.infusionsoft.records import ItemType

    order_items = (line(11, "100.00"), line(13, "6.80", item_type=ItemType.TAX, product_id=None))
    plan = plan_order(bundle(order_items=order_items, invoice=invoice(total="106.80")), state(), DEFAULTS)
    assert _drafts(plan) == {}
    assert set(special_item_accounts(DEFAULTS)) == {"Shipping", "Sales Tax", "Discount"}
    assert set(special_item_accounts(EngineSettings(tax_mode="txn_tax_detail"))) == {"Shipping", "Discount"}

"""Issue 11: sales tax is a liability, not income; shipping and discounts post to accounts of their own.

Through both Keap APIs, an order with a product, shipping, tax and a discount is read back from
QuickBooks account by account (the sandbox's totals_by_account), not only by its total.
"""

from __future__ import annotations

import logging
from decimal import Decimal

from quickbooks.objects.item import Item

from syncsvc.quickbooks import writers
from syncsvc.quickbooks.client import open_company
from syncsvc.sandbox.infusionsoft import billing
from syncsvc.sandbox.quickbooks.sandbox import TAX_DETAIL_KEY
from syncsvc.sync.qbo_mapping import ref

from .shop import Shop

SHIPPING, TAX, SPECIAL = 1, 2, 7


def _order_with_shipping_tax_and_discount(world, price="100.00", shipping="9.95", tax="6.80", discount="-15.00"):
    shop = Shop(world.keap.store)
    jane = shop.contact()
    order_id, invoice_id = shop.order(jane, (shop.product(price=price), price, 1))
    billing.add_item(world.keap.store, invoice_id, 0, SHIPPING, shipping, 1, "Shipping", "UPS ground")
    billing.add_item(world.keap.store, invoice_id, 0, TAX, tax, 1, "Sales tax")
    billing.add_item(world.keap.store, invoice_id, 0, SPECIAL, discount, 1, "Promo code SAVE15")
    shop.charge(invoice_id, jane)
    return order_id


def _account(world, name):
    [account] = [a for a in world.entities("Account") if a["Name"] == name]
    return account


def _item(world, name):
    [item] = [i for i in world.entities("Item") if i["Name"] == name]
    return item


def test_income_tax_shipping_and_discount_each_land_on_their_own_account(world):
    order_id = _order_with_shipping_tax_and_discount(world)

    summary = world.cycle()
    assert summary.ok, summary
    invoice = world.invoice(str(order_id))
    assert invoice["TotalAmt"] == Decimal("101.75")
    assert [p["TotalAmt"] for p in world.payments_for(invoice)] == [Decimal("101.75")]
    assert world.qbo.totals_by_account(world.realm) == {
        "Sales of Product Income": Decimal("100.00"),
        "Shipping Income": Decimal("9.95"),
        "Discounts given": Decimal("-15.00"),
        "Sales Tax Payable": Decimal("6.80"),
    }
    # The liability did not exist in the new company: it was created with the type an accountant would give it.
    tax_account = _account(world, "Sales Tax Payable")
    assert (tax_account["AccountType"], tax_account["AccountSubType"], tax_account["Classification"]) == (
        "Other Current Liability", "OtherCurrentLiabilities", "Liability")
    assert _item(world, "Sales Tax")["IncomeAccountRef"]["value"] == tax_account["Id"]
    assert _account(world, "Discounts given")["AccountSubType"] == "DiscountsRefundsGiven"

    # A second order reuses the items and the account: nothing is created twice.
    second = _order_with_shipping_tax_and_discount(world, price="50.00", shipping="5.00", tax="3.40",
                                                   discount="-2.50")
    assert world.cycle().ok
    assert world.invoice(str(second))["TotalAmt"] == Decimal("55.90")
    assert len([a for a in world.entities("Account") if a["Name"] == "Sales Tax Payable"]) == 1
    assert world.qbo.totals_by_account(world.realm) == {
        "Sales of Product Income": Decimal("150.00"), "Shipping Income": Decimal("14.95"),
        "Discounts given": Decimal("-17.50"), "Sales Tax Payable": Decimal("10.20"),
    }


def test_configured_accounts_are_used_and_txn_tax_detail_keeps_tax_off_every_item(world):
    order_id = _order_with_shipping_tax_and_discount(world)

    assert world.cycle(shipping_account="Freight Income", discount_account="Promotions",
                       tax_mode="txn_tax_detail").ok
    assert world.invoice(str(order_id))["TotalAmt"] == Decimal("101.75")
    assert world.qbo.totals_by_account(world.realm) == {
        "Sales of Product Income": Decimal("100.00"), "Freight Income": Decimal("9.95"),
        "Promotions": Decimal("-15.00"), TAX_DETAIL_KEY: Decimal("6.80"),
    }
    assert _account(world, "Promotions")["AccountType"] == "Income"
    assert not [i for i in world.entities("Item") if i["Name"] == "Sales Tax"]


def test_a_tax_account_that_is_not_a_liability_holds_the_order_naming_the_fix(world):
    order_id = _order_with_shipping_tax_and_discount(world)

    summary = world.cycle(tax_account="Uncategorized Income")
    assert not summary.ok
    assert not [i for i in world.entities("Invoice") if i.get("DocNumber") == str(order_id)]
    with world.state().unit() as uow:
        reasons = " ".join(issue.reason for issue in uow.open_issues())
    assert "'Uncategorized Income' is of type 'Income'" in reasons
    assert "sales tax collected must post to a liability account" in reasons and "[sync].tax_account" in reasons

    assert world.cycle().ok  # the default account is created and the order posts
    assert world.qbo.totals_by_account(world.realm)["Sales Tax Payable"] == Decimal("6.80")


def test_a_tax_item_an_earlier_version_put_on_income_is_kept_and_a_warning_names_the_fix(world, caplog):
    # What syncsvc before issue 11 created: "Sales Tax" on Sales of Product Income.
    qb = open_company(world.settings()).client()
    income = _account(world, "Sales of Product Income")
    old = Item()
    old.Name, old.Type, old.IncomeAccountRef = "Sales Tax", "NonInventory", ref(income["Id"])
    writers.create(qb, old)
    order_id = _order_with_shipping_tax_and_discount(world)

    with caplog.at_level(logging.WARNING, logger="syncsvc.sync.resolve"):
        assert world.cycle().ok
    warnings = [r.getMessage() for r in caplog.records if "'Sales Tax'" in r.getMessage()]
    assert len(warnings) == 1, warnings
    assert "posts to account 'Sales of Product Income'" in warnings[0]
    assert "booked as revenue" in warnings[0] and "set its account to 'Sales Tax Payable'" in warnings[0]
    # The bookkeeper's item is not changed behind their back: the tax still posts where the item says.
    assert _item(world, "Sales Tax")["IncomeAccountRef"]["value"] == income["Id"]
    assert world.invoice(str(order_id))["TotalAmt"] == Decimal("101.75")
    assert world.qbo.totals_by_account(world.realm)["Sales of Product Income"] == Decimal("106.80")

"""Accounts in the QBO sandbox (issue 11): created with AccountType / AccountSubType as QBO checks them,
items posting to a liability (what QBO allows a Service or NonInventory item) but never to A/R or A/P,
and the per-account totals tests read the books by."""

from __future__ import annotations

from decimal import Decimal

import pytest
from quickbooks.exceptions import QuickbooksException
from quickbooks.objects.account import Account
from quickbooks.objects.base import Ref
from quickbooks.objects.detailline import DiscountLine, DiscountLineDetail
from quickbooks.objects.invoice import Invoice
from quickbooks.objects.item import Item
from quickbooks.objects.tax import TxnTaxDetail

from syncsvc.sandbox.quickbooks.sandbox import TAX_DETAIL_KEY

from .test_entities import new_customer, sales_line


def new_account(qb, name, account_type, sub_type=None) -> Account:
    account = Account()
    account.Name, account.AccountType = name, account_type
    if sub_type:
        account.AccountSubType = sub_type
    return account.save(qb=qb)


def item_on(qb, name, account, item_type="NonInventory") -> Item:
    item = Item()
    item.Name, item.Type = name, item_type
    item.IncomeAccountRef = Ref()
    item.IncomeAccountRef.value = account.Id if hasattr(account, "Id") else account["Id"]
    return item.save(qb=qb)


def test_a_liability_account_is_created_with_its_type_sub_type_and_classification(qb):
    account = new_account(qb, "Sales Tax Payable", "Other Current Liability", "OtherCurrentLiabilities")
    assert (account.AccountType, account.AccountSubType, account.Classification) == (
        "Other Current Liability", "OtherCurrentLiabilities", "Liability")
    default = new_account(qb, "Other Payable", "Other Current Liability")
    assert default.AccountSubType == "OtherCurrentLiabilities"


@pytest.mark.parametrize("name, account_type, sub_type", [
    ("Bad Detail", "Income", "OtherCurrentLiabilities"),   # a liability detail type on an income account
    ("Bad Type", "Revenue", None),                         # a Classification, not an AccountType
])
def test_an_account_type_or_sub_type_qbo_does_not_know_is_refused(qb, name, account_type, sub_type):
    with pytest.raises(QuickbooksException):
        new_account(qb, name, account_type, sub_type)


def test_account_names_are_unique_and_without_colon_or_quote(qb):
    with pytest.raises(QuickbooksException) as duplicate:
        new_account(qb, "discounts GIVEN", "Income")
    assert duplicate.value.error_code == 6240
    for bad in ("Tax: State", 'The "tax"'):
        with pytest.raises(QuickbooksException) as refused:
            new_account(qb, bad, "Other Current Liability")
        assert refused.value.error_code == 6000


def test_a_noninventory_item_may_post_to_a_liability_but_no_item_to_receivables(qb, sandbox, realm):
    liability = new_account(qb, "Sales Tax Payable", "Other Current Liability")
    item = item_on(qb, "Sales Tax", liability)
    assert item.IncomeAccountRef.value == liability.Id
    receivables = next(a for a in sandbox.entities(realm, "Account") if a["AccountType"] == "Accounts Receivable")
    with pytest.raises(QuickbooksException) as refused:
        item_on(qb, "On A/R", receivables)
    assert refused.value.error_code == 6000 and "Accounts Receivable" in refused.value.detail


def test_totals_by_account_reads_each_line_on_its_items_account(qb, sandbox, realm):
    accounts = {a["Name"]: a for a in sandbox.entities(realm, "Account")}
    tax = new_account(qb, "Sales Tax Payable", "Other Current Liability")
    product = item_on(qb, "Widget", accounts["Sales of Product Income"])
    shipping = item_on(qb, "Shipping", accounts["Shipping Income"])
    discount = item_on(qb, "Discount", accounts["Discounts given"])
    sales_tax = item_on(qb, "Sales Tax", tax)
    invoice = Invoice()
    invoice.CustomerRef = new_customer(qb).to_ref()
    invoice.Line = [sales_line(product, "100.00"), sales_line(shipping, "9.95"), sales_line(discount, "-15.00"),
                    sales_line(sales_tax, "6.80")]
    saved = invoice.save(qb=qb)
    assert Decimal(str(saved.TotalAmt)) == Decimal("101.75")
    assert sandbox.totals_by_account(realm) == {
        "Sales of Product Income": Decimal("100.00"), "Shipping Income": Decimal("9.95"),
        "Discounts given": Decimal("-15.00"), "Sales Tax Payable": Decimal("6.80"),
    }
    # A DiscountLineDetail debits its account; TxnTaxDetail's tax is reported under its own key.
    second = Invoice()
    second.CustomerRef = invoice.CustomerRef
    off = DiscountLine()
    off.Amount = Decimal("5.00")
    off.DiscountLineDetail = DiscountLineDetail()
    off.DiscountLineDetail.PercentBased = False
    second.Line = [sales_line(product, "50.00"), off]
    second.TxnTaxDetail = TxnTaxDetail()
    second.TxnTaxDetail.TotalTax = Decimal("3.60")
    second.save(qb=qb)
    totals = sandbox.totals_by_account(realm)
    assert totals["Sales of Product Income"] == Decimal("150.00")
    assert totals["Discounts given"] == Decimal("-20.00")
    assert totals[TAX_DETAIL_KEY] == Decimal("3.60")

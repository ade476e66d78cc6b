"""Which QBO item an order line posts on.

A product's SKU matches the QBO item Name (or its Sku field, a setting), as
the connector we replace did. An order item with no name, no product or a
product without SKU goes to the "unknown do not delete" item and the order
carries a warning naming what to fix; it is not held, because the money is
right and only the item is vague.

A SKU with no QBO item is created (Name = Sku = the SKU, on the configured
income account) when create_missing_items is on, the default: the sale then
lands on the right item from the start, and a later rename in QBO does not
break the match because the Sku field keeps the key. When it is off, the line
goes to the unknown item with a warning.

Accounts. Product items (and the unknown and finance charge items) are created
on item_income_account. The shipping, tax and discount items are created on
accounts of their own (`account_for_item`): sales tax on a liability
(tax_account, "Sales Tax Payable", Other Current Liability), shipping on
shipping_account ("Shipping Income", Income) and discounts on discount_account
("Discounts given", Income / DiscountsRefundsGiven, the contra-income account
QBO itself uses). Each draft names the account with the type it must have, so
the sync creates a missing one and refuses one of the wrong kind (a tax
"liability" that is an income account). An item that already exists is used
as it is: the sync never changes an item's account (see resolve.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Iterable, Mapping

from syncsvc.engine.customers import sanitize
from syncsvc.engine.settings import EngineSettings
from syncsvc.infusionsoft.records import OrderItem, Product

ITEM_NAME_MAX = 100


@dataclass(frozen=True)
class QboItem:
    id: str
    name: str
    sku: str = ""
    income_account_id: str = ""


@dataclass(frozen=True)
class AccountDraft:
    """The account an item posts to: its name, and the QBO AccountType / AccountSubType it is created
    with when missing. `classification` is what an existing account of that name must be (QBO's
    Classification: Revenue, Liability, ...); `purpose` says what posts there, for messages."""

    name: str
    account_type: str
    sub_type: str
    classification: str
    purpose: str
    setting: str


@dataclass(frozen=True)
class ItemDraft:
    name: str
    sku: str
    description: str
    unit_price: Decimal
    income_account: str
    item_type: str
    # The income account to create if missing (and to check); None: it must exist (item_income_account).
    account: AccountDraft | None = None


@dataclass(frozen=True)
class ItemRef:
    """An item a line posts on. qbo_id None: the item named `name` is created
    by a CreateItem action earlier in the same plan (item names are unique)."""

    name: str
    qbo_id: str | None = None


@dataclass(frozen=True)
class ItemChoice:
    ref: ItemRef
    create: ItemDraft | None = None
    unknown_reason: str | None = None  # why the line fell back to the unknown item


@dataclass(frozen=True)
class ItemLookups:
    """QBO item queries to run: items whose Name is in `names`, and (when
    matching on the Sku field) items whose Sku is in `skus`."""

    names: tuple[str, ...]
    skus: tuple[str, ...]


class ItemCatalog:
    """The QBO items the caller found for ItemLookups, indexed case-insensitively."""

    def __init__(self, items: Iterable[QboItem]):
        self.by_name: dict[str, QboItem] = {}
        self.by_sku: dict[str, QboItem] = {}
        for item in sorted(items, key=lambda i: i.id):
            self.by_name.setdefault(item.name.strip().casefold(), item)
            if item.sku.strip():
                self.by_sku.setdefault(item.sku.strip().casefold(), item)

    def named(self, name: str) -> QboItem | None:
        return self.by_name.get(name.strip().casefold())

    def for_sku(self, sku: str, settings: EngineSettings) -> QboItem | None:
        if settings.match_items_on == "sku":
            return self.by_sku.get(sku.strip().casefold())
        return self.named(item_name_for_sku(sku))


def item_name_for_sku(sku: str) -> str:
    return sanitize(sku, ITEM_NAME_MAX)


def lookups(order_items: Iterable[OrderItem], products: Mapping[int, Product], settings: EngineSettings) -> ItemLookups:
    names = {
        settings.unknown_item_name, settings.shipping_item_name, settings.tax_item_name,
        settings.finance_charge_item_name, settings.discount_item_name,
    }
    if settings.refunds != "report":
        names.add(settings.refund_item_name)  # a partial refund's line (engine/refunds.py)
    skus = set()
    for order_item in order_items:
        product = products.get(order_item.product_id) if order_item.product_id else None
        if product is not None and product.sku:
            skus.add(product.sku.strip())
            names.add(item_name_for_sku(product.sku))  # created items are named by SKU
    return ItemLookups(names=tuple(sorted(names)), skus=tuple(sorted(skus)) if settings.match_items_on == "sku" else ())


def product_item(order_item: OrderItem, products: Mapping[int, Product], catalog: ItemCatalog, settings: EngineSettings) -> ItemChoice:
    product = products.get(order_item.product_id) if order_item.product_id else None
    label = f"order item {order_item.id} {order_item.name!r}" if order_item.name else f"order item {order_item.id}"
    if not order_item.name:
        return _unknown(catalog, settings, f"{label} has no item name")
    if product is None:
        return _unknown(catalog, settings, f"{label} has no product")
    if not product.sku:
        return _unknown(catalog, settings, f"{label}: product {product.id} {product.name!r} has no SKU")
    found = catalog.for_sku(product.sku, settings)
    if found is not None:
        return ItemChoice(ItemRef(found.name, found.id))
    if not settings.create_missing_items:
        return _unknown(catalog, settings, f"{label}: no QuickBooks item for SKU {product.sku!r}")
    draft = ItemDraft(
        name=item_name_for_sku(product.sku),
        sku=product.sku.strip(),
        description=product.name,
        unit_price=product.price,
        income_account=settings.item_income_account,
        item_type=settings.item_type,
    )
    return ItemChoice(ItemRef(draft.name), create=draft)


def tax_account(settings: EngineSettings) -> AccountDraft:
    return AccountDraft(settings.tax_account, "Other Current Liability", "OtherCurrentLiabilities", "Liability",
                        "sales tax collected", "tax_account")


def shipping_account(settings: EngineSettings) -> AccountDraft:
    return AccountDraft(settings.shipping_account, "Income", "OtherPrimaryIncome", "Revenue",
                        "shipping charged", "shipping_account")


def discount_account(settings: EngineSettings) -> AccountDraft:
    return AccountDraft(settings.discount_account, "Income", "DiscountsRefundsGiven", "Revenue",
                        "discounts given", "discount_account")


def special_item_accounts(settings: EngineSettings) -> dict[str, AccountDraft]:
    """Item name -> the account it must post to, for the items with an account of their own. In
    tax_mode "txn_tax_detail" no tax item is used, so none is listed for it."""
    accounts = {settings.shipping_item_name: shipping_account(settings),
                settings.discount_item_name: discount_account(settings)}
    if settings.tax_mode == "line":
        accounts[settings.tax_item_name] = tax_account(settings)
    return accounts


def account_for_item(name: str, settings: EngineSettings) -> AccountDraft | None:
    """The account of its own that the configured item `name` posts to; None: item_income_account."""
    for item_name, account in special_item_accounts(settings).items():
        if item_name.strip().casefold() == name.strip().casefold():
            return account
    if name.strip().casefold() == settings.tax_item_name.strip().casefold():
        return tax_account(settings)
    return None


def named_item(name: str, catalog: ItemCatalog, settings: EngineSettings) -> ItemChoice:
    """One of the configured items (shipping, tax, discount, ...), created if missing, on its own
    account (`account_for_item`) or else item_income_account."""
    found = catalog.named(name)
    if found is not None:
        return ItemChoice(ItemRef(found.name, found.id))
    account = account_for_item(name, settings)
    draft = ItemDraft(
        name=name, sku="", description=name, unit_price=Decimal("0"),
        income_account=account.name if account else settings.item_income_account, item_type=settings.item_type,
        account=account,
    )
    return ItemChoice(ItemRef(name), create=draft)


def _unknown(catalog: ItemCatalog, settings: EngineSettings, reason: str) -> ItemChoice:
    choice = named_item(settings.unknown_item_name, catalog, settings)
    return ItemChoice(choice.ref, choice.create, unknown_reason=reason)

"""Order items (ItemType 0-14) as QBO document lines, and the total check.

Sales lines: products, upsells, services, programs, subscriptions and
unknown types, each on its product's item. Shipping, tax and finance charges
go on their configured items. Specials (7, 10-14) are Infusionsoft's
discounts: they become NEGATIVE sales lines on the discount item rather than
a QBO DiscountLine, because QBO allows one DiscountLine per document and
applies it to the subtotal (before or after tax, by company preference),
which can move the total; a negative line is plain addition, one per special,
so the QBO total is the exact sum of the Infusionsoft lines.
Lines of zero amount are dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Iterable, Mapping

from syncsvc.engine.items import ItemCatalog, ItemChoice, ItemDraft, ItemRef, named_item, product_item
from syncsvc.engine.money import cents
from syncsvc.engine.settings import EngineSettings
from syncsvc.infusionsoft.records import Invoice, ItemType, OrderItem, Product

DESCRIPTION_MAX = 4000
ZERO = Decimal("0")


@dataclass(frozen=True)
class PlannedLine:
    order_item_id: int
    item_type: ItemType
    item: ItemRef
    description: str
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal  # quantity x unit_price, to the cent (ROUND_HALF_UP)


@dataclass(frozen=True)
class MappedLines:
    lines: tuple[PlannedLine, ...]
    # tax_mode "txn_tax_detail": the tax for the document's TxnTaxDetail; else None.
    tax_total: Decimal | None
    items_to_create: tuple[ItemDraft, ...]
    unknown_item_reasons: tuple[str, ...]

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), ZERO) + (self.tax_total or ZERO)


def map_lines(
    order_items: Iterable[OrderItem], products: Mapping[int, Product], catalog: ItemCatalog, settings: EngineSettings
) -> MappedLines:
    lines: list[PlannedLine] = []
    drafts: dict[str, ItemDraft] = {}
    reasons: list[str] = []
    tax_total = ZERO if settings.tax_mode == "txn_tax_detail" else None
    for order_item in sorted(order_items, key=lambda oi: oi.id):
        quantity, unit_price = order_item.quantity, order_item.price_per_unit
        if order_item.item_type.is_special:
            quantity, unit_price = abs(quantity), -abs(unit_price)
        amount = cents(quantity * unit_price)
        if amount == ZERO:
            continue
        if order_item.item_type == ItemType.TAX and tax_total is not None:
            tax_total += amount
            continue
        choice = _item_for(order_item, products, catalog, settings)
        if choice.create is not None:
            drafts.setdefault(choice.create.name.casefold(), choice.create)
        if choice.unknown_reason:
            reasons.append(choice.unknown_reason)
        lines.append(
            PlannedLine(
                order_item_id=order_item.id,
                item_type=order_item.item_type,
                item=choice.ref,
                description=(order_item.description or order_item.name)[:DESCRIPTION_MAX],
                quantity=quantity,
                unit_price=unit_price,
                amount=amount,
            )
        )
    return MappedLines(tuple(lines), tax_total, tuple(drafts.values()), tuple(reasons))


def total_mismatch(mapped: MappedLines, order_items: Iterable[OrderItem], invoice: Invoice) -> str | None:
    """None when the document total equals the invoice total to the cent, else
    an error naming the difference and every line behind the total."""
    expected = cents(invoice.total)
    actual = mapped.total
    if actual == expected:
        return None
    difference = actual - expected
    detail = "; ".join(
        f"#{oi.id} {oi.item_type.name.lower()} {oi.quantity} x {oi.price_per_unit} = {cents(oi.quantity * oi.price_per_unit)}"
        for oi in sorted(order_items, key=lambda oi: oi.id)
    ) or "no order items"
    return (
        f"QuickBooks total {actual} would differ from Infusionsoft invoice {invoice.id} total {expected} "
        f"by {difference:+} (order items: {detail})"
    )


def fractional_cent_prices(mapped: MappedLines, order_items: Iterable[OrderItem]) -> str | None:
    """None when every posted line's unit price is whole cents, else a reason naming each line that is not.

    QuickBooks rejects a line whose UnitPrice has a fraction of a cent (error 6070, "Amount calculation
    incorrect"), so such an order cannot be posted as it is; the price must be corrected in Keap."""
    by_id = {oi.id: oi for oi in order_items}
    bad = [line for line in mapped.lines if line.unit_price != cents(line.unit_price)]
    if not bad:
        return None
    described = ", ".join(
        f"#{line.order_item_id} {_name(by_id.get(line.order_item_id), line)} ({line.quantity} x {line.unit_price})"
        for line in bad
    )
    one = len(bad) == 1
    return (
        f"order item{'' if one else 's'} {described} {'has a unit price' if one else 'have unit prices'} with a "
        f"fraction of a cent, which QuickBooks rejects (error 6070): set a whole-cent price on "
        f"{'it' if one else 'them'} in Keap"
    )


def negative_total(mapped: MappedLines, kind_name: str) -> str | None:
    """None unless the document total is below zero (discounts larger than the lines), which QuickBooks
    refuses ("Transaction total can't be negative"); else a reason naming the discounts to correct."""
    if mapped.total >= ZERO:
        return None
    discounts = [line for line in mapped.lines if line.item_type.is_special]
    sales = sum((line.amount for line in mapped.lines if not line.item_type.is_special), ZERO)
    off = "; ".join(f"#{line.order_item_id} {line.description or 'discount'} {line.amount}" for line in discounts)
    detail = f" (lines {cents(sales + (mapped.tax_total or ZERO))}, discounts {off})" if discounts else ""
    return (
        f"its total {mapped.total} is negative{detail}, and QuickBooks does not accept a negative {kind_name}: "
        f"make the discounts no larger than the order in Keap, or enter a credit memo in QuickBooks by hand"
    )


def _name(order_item: OrderItem | None, line: PlannedLine) -> str:
    name = (order_item.name if order_item is not None else "") or line.description
    return repr(name) if name else "(no name)"


def _item_for(order_item: OrderItem, products: Mapping[int, Product], catalog: ItemCatalog, settings: EngineSettings) -> ItemChoice:
    kind = order_item.item_type
    if kind == ItemType.SHIPPING:
        return named_item(settings.shipping_item_name, catalog, settings)
    if kind == ItemType.TAX:
        return named_item(settings.tax_item_name, catalog, settings)
    if kind == ItemType.FINANCE_CHARGE:
        return named_item(settings.finance_charge_item_name, catalog, settings)
    if kind.is_special:
        return named_item(settings.discount_item_name, catalog, settings)
    return product_item(order_item, products, catalog, settings)

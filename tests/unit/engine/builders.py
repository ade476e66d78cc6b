"""Small builders of Infusionsoft records for engine tests (defaults a test can override)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from syncsvc.engine.customers import Matched
from syncsvc.engine.items import QboItem
from syncsvc.engine.plan import OrderBundle, PostedDocument, PostedState
from syncsvc.infusionsoft.records import (
    Contact, Invoice, ItemType, Order, OrderItem, Payment, PayPlan, PayPlanItem, Product,
)

EASTERN = ZoneInfo("America/New_York")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=EASTERN)


def order(order_id: int = 1234, contact_id: int = 501) -> Order:
    return Order(order_id, contact_id, "Order", at("2024-03-01 10:00"), at("2024-03-01 10:05"), "Online", 0, None)


def invoice(invoice_id: int = 1236, order_id: int = 1234, total: str = "100.00", paid: str | None = None,
            contact_id: int = 501) -> Invoice:
    total_d = Decimal(total)
    paid_d = total_d if paid is None else Decimal(paid)
    return Invoice(
        id=invoice_id, order_id=order_id, contact_id=contact_id,
        date_created=at("2024-03-01 10:00"), last_updated=at("2024-03-01 10:05"),
        total=total_d, total_paid=paid_d, total_due=total_d - paid_d,
        pay_status=1 if paid_d >= total_d else 0, refund_status=0, pay_plan_status=0, credit_status=0,
        description="", invoice_type="Online", promo_code="",
    )


def line(item_id: int, ppu: str, qty: str = "1", item_type: ItemType = ItemType.PRODUCT, product_id: int | None = 77,
         name: str = "Widget", order_id: int = 1234) -> OrderItem:
    return OrderItem(item_id, order_id, product_id, None, name, "", Decimal(qty), Decimal("0"), Decimal(ppu), item_type, "")


def product(product_id: int = 77, sku: str = "WID-1", name: str = "Widget", price: str = "100.00") -> Product:
    return Product(product_id, name, sku, Decimal(price), False, True, "")


def payment(payment_id: int, amount: str, ref_num: str | None = None, pay_type: str = "Credit Card",
            invoice_id: int = 1236, pay_date: str = "2024-03-01 10:00") -> Payment:
    return Payment(
        id=payment_id, invoice_id=invoice_id, contact_id=501, pay_date=at(pay_date), amount=Decimal(amount),
        pay_type=pay_type, note="", charge_id=9000 + payment_id if ref_num else None, refund_id=None, user_id=1,
        ref_num=ref_num,
    )


def contact(contact_id: int = 501, first: str = "Jane", last: str = "Smith", email: str = "jane@example.com",
            company: str = "", city: str = "") -> Contact:
    return Contact(contact_id, first, last, email, company, city, "NY", "10001", "US", "1 Main St", "", "555-0100")


def pay_plan(*installments: tuple[str, str, str]) -> PayPlan:
    items = tuple(
        PayPlanItem(i + 1, 40, at(due), Decimal(amount), 1 if Decimal(paid) >= Decimal(amount) else 0, Decimal(paid))
        for i, (due, amount, paid) in enumerate(installments)
    )
    total = sum((item.amount_due for item in items), Decimal("0"))
    return PayPlan(40, 1236, None, total, 0, None, None, items[0].amount_due, items)


def bundle(**overrides) -> OrderBundle:
    values = dict(
        order=order(), invoice=invoice(), order_items=(line(11, "100.00"),),
        payments=(payment(1, "100.00", ref_num="TXN-AAA"),), contact=contact(), products=(product(),),
    )
    values.update(overrides)
    return OrderBundle(**values)


ALL_ITEMS = (
    QboItem("1", "WID-1", "WID-1"), QboItem("2", "unknown do not delete"), QboItem("3", "Shipping"),
    QboItem("4", "Sales Tax"), QboItem("5", "Discount"), QboItem("6", "Finance Charge"),
)


def state(customer=Matched("Q1", "email"), items=ALL_ITEMS, **overrides) -> PostedState:
    return PostedState(customer=customer, items=items, **overrides)


def after(plan, previous: PostedState, qbo_id: str = "900") -> PostedState:
    """The posted state once every write of `plan` succeeded (what the wiring records)."""
    from dataclasses import replace

    from syncsvc.engine.actions import (
        CreateCustomer, CreateInvoice, CreateItem, CreatePayment, CreateRefund, CreateSalesReceipt, Skip,
        UpdateInvoice, UpdateSalesReceipt,
    )

    new = previous
    for action in plan.actions:
        if isinstance(action, CreateCustomer):
            new = replace(new, customer=Matched("C-new", "linked"))
        elif isinstance(action, CreateItem):
            new = replace(new, items=new.items + (QboItem(f"I-{action.draft.name}", action.draft.name, action.draft.sku),))
        elif isinstance(action, (CreateInvoice, CreateSalesReceipt)):
            new = replace(new, document=PostedDocument(qbo_id, action.document.kind, action.content_hash))
            if isinstance(action, CreateSalesReceipt):
                new = replace(new, payment_refs=new.payment_refs | set(action.payment_refs))
        elif isinstance(action, (UpdateInvoice, UpdateSalesReceipt)):
            new = replace(new, document=replace(new.document, content_hash=action.content_hash))
        elif isinstance(action, CreatePayment):
            new = replace(new, payment_refs=new.payment_refs | {action.payment.ref},
                          posted_payment_refs={**new.posted_payment_refs, action.payment.payment_id: action.payment.ref})
        elif isinstance(action, CreateRefund):
            new = replace(new, posted_refunds=new.posted_refunds | {action.refund.refund_payment_id})
        elif isinstance(action, Skip) and action.payment_id is not None:
            new = replace(new, reported_payment_ids=new.reported_payment_ids | {action.payment_id})
    return new

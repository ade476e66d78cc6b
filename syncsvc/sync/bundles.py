"""Bulk-read a batch of order ids into OrderBundles: a handful of calls per batch, never one per order."""

from __future__ import annotations

from collections import defaultdict
from typing import Iterable

from syncsvc.engine.plan import OrderBundle
from syncsvc.infusionsoft.source import OrderSource


def read_bundles(source: OrderSource, order_ids: Iterable[int]) -> dict[int, OrderBundle]:
    """Every order of `order_ids` that still exists, with its invoice, items, payments, contact,
    products and payment plan. An id whose order was deleted is simply absent."""
    ids = sorted(set(order_ids))
    if not ids:
        return {}
    orders = source.orders_by_ids(ids)
    invoices = {}
    for invoice in source.invoices_for_orders([o.id for o in orders]):
        invoices.setdefault(invoice.order_id, invoice)
    invoice_ids = [inv.id for inv in invoices.values()]

    items_by_order = defaultdict(list)
    for item in source.order_items_for_orders([o.id for o in orders]):
        items_by_order[item.order_id].append(item)
    payments_by_invoice = defaultdict(list)
    plans_by_invoice = {}
    if invoice_ids:
        for payment in source.payments_for_invoices(invoice_ids):
            payments_by_invoice[payment.invoice_id].append(payment)
        for plan in source.pay_plans_for_invoices(invoice_ids):
            plans_by_invoice.setdefault(plan.invoice_id, plan)
    contacts = {c.id: c for c in source.contacts_by_ids({o.contact_id for o in orders if o.contact_id})}
    product_ids = {i.product_id for items in items_by_order.values() for i in items if i.product_id}
    products = {p.id: p for p in source.products_by_ids(product_ids)} if product_ids else {}

    bundles = {}
    for order in orders:
        invoice = invoices.get(order.id)
        order_items = tuple(sorted(items_by_order.get(order.id, ()), key=lambda i: i.id))
        bundles[order.id] = OrderBundle(
            order=order,
            invoice=invoice,
            order_items=order_items,
            payments=tuple(sorted(payments_by_invoice.get(invoice.id, ()), key=lambda p: p.id)) if invoice else (),
            contact=contacts.get(order.contact_id),
            products=tuple(products[i.product_id] for i in order_items if i.product_id in products),
            pay_plan=plans_by_invoice.get(invoice.id) if invoice else None,
        )
    return bundles

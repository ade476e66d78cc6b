"""Bulk-read a batch of order ids into OrderBundles: a handful of calls per batch, never one per order.
`ReadAhead` reads the next batch while the caller posts the current one."""

from __future__ import annotations

import contextvars
from collections import defaultdict
from concurrent.futures import Future, ThreadPoolExecutor
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


class ReadAhead:
    """The bundles of each chunk of order ids in turn, the next chunk read from Keap in a thread while the
    caller posts the current one: at QuickBooks' batch limit a pause between read batches delays every
    batch request after it (each waits for the one 39 before it to be a minute old). One read is out at a
    time, so the source is never used by two threads; a read's failure is raised by `next()`, where a
    read in line would have raised it. Leaving the `with` waits for a read still out (a stop ends its
    waits) and drops what it read."""

    def __init__(self, source: OrderSource, chunks: Iterable[list[int]]) -> None:
        self._source = source
        self._chunks = iter(chunks)
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="keap-read-ahead")
        self._context = contextvars.copy_context()  # the run's stop reaches the thread's waits
        self._pending: Future | None = None

    def __enter__(self) -> "ReadAhead":
        self._pending = self._start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def next(self) -> dict[int, OrderBundle]:
        """The next chunk's bundles (read_bundles); the chunk after it starts reading now."""
        if self._pending is None:
            raise RuntimeError("no chunk left to read")
        bundles = self._pending.result()
        self._pending = self._start()
        return bundles

    def _start(self) -> Future | None:
        chunk = next(self._chunks, None)
        if chunk is None:
            return None
        return self._pool.submit(self._context.copy().run, read_bundles, self._source, chunk)

"""RestOrderSource: the engine's OrderSource over Keap REST v2, bulk reads only.

Every method reads in bulk: ids go out in `ids==1,2,3` filters of at most
[infusionsoft].page_size (max 1000) and lists are read a page at a time
following `next_page_token`; nothing costs one call per order on a backfill.
Choices where the contract or the notes leave it open:

Orders and invoices
- REST has no invoice object: the invoice is part of the order (invoice_id,
  totals, status), and its changes move the order's modification_time. So
  `orders_changed_since` (filter modified_since_time, oldest first) finds
  both, and `invoices_changed_since` yields nothing.
- `orders_by_ids` keeps the batch's orders, so `invoices_for_orders`,
  `order_items_for_orders` and `pay_plans_for_invoices` for the same batch
  cost no call; an id not in the batch is read (in bulk) and added. Each
  order is kept as its records (`_ReadOrder`: Order, Invoice, OrderItems,
  PayPlan, converted as it is read), never as its SDK model: a batch of
  1,000 OrderV2 models with their items holds about 15 MB, its records 2.5.
  A part that failed to convert raises when it is asked for, as converting
  it then would have.
- Whether the list fills `order_items` and `payment_plan` is unconfirmed. A
  listed order that carries an `order_items` key is taken as complete (no
  `payment_plan` key = no plan); one without it is read with
  GET /orders/{id} (`order_detail_reads` counts these; a 404 there means the
  order was deleted in between, and it is left out like any deleted order).
- Every order read fills an invoice <-> order map (two ints per order, in
  compact.py's IntMap: 16 bytes an entry, not a dict's 100), so payments and
  invoice lookups can name both without another call.
  `invoices_by_ids` for an invoice never seen reads `filter=invoice_id==X`,
  one call per id (Keap has no list form): fine for a few, not for backfills.
- Orders Keap's own QuickBooks integration created (source_type QUICKBOOKS)
  are returned like any other, with `Order.source_type` set; the engine never
  posts them back.

Payments
- `payments_after_id(n)` reads `filter=id>n` by id; `payments_since(t)` reads
  `filter=since_time==t` (which time it compares is unconfirmed; the engine
  keeps its lookback). `payments_for_invoices` maps invoices to orders and
  reads `filter=order_ids==...`.
- Each Payment carries order_id (the first of its order_ids that was asked
  for, else the first), invoice_id (that order's invoice where known, else 0)
  and ref_num from references.py.
- Refunds: a payment whose type is "Refund" (any case), whose amount is
  negative, that another payment names as its refund_payment_id, or whose
  successful transaction is a REFUND or VOID, is a refund: negative amount,
  pay type "Refund" when Keap gave none, refund_id = the refunded payment
  when known. The engine books refunds as refund receipts or credit memos
  (engine/refunds.py), never as payments.
- Transactions have no id and no payment filter. For a page of payments of
  which any lacks external_transaction_id, /sales/transactions is read once
  for the window from a day before the earliest payment_time to a day after
  the latest (the day covers clock skew and an unconfirmed since_time
  field), and matched on payment_id; unsuccessful ones (declines) are
  ignored. A payment without payment_time has no window: it keeps only its
  own external_transaction_id. Payments made between the earliest and the latest payment of a
  window already read are not read again (`_Window`): what every window said
  is kept for the run (compact.py's TransactionsByPayment, about 16 bytes
  and the reference's own an entry).

Contacts are read with `fields=` the properties convert.py uses; products by
`product_ids==`. REST v2 has no invoice items (`invoice_items_for_invoices`
is empty) and no CCharge (`charges_by_ids` is empty: the reference comes
with the payment). `invoice_payments_for_invoices` reads
/orders/{id}/payments per order; the bundle reader does not use it.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Iterable, Iterator, Sequence

from keap_core_v2_client.models import Contact as SdkContact
from keap_core_v2_client.models import InvoiceOrderPayment, OrderV2, RestV2ProductList, TransactionV2
from keap_core_v2_client.models import Payment as SdkPayment

from syncsvc.infusionsoft.errors import MalformedResponse
from syncsvc.infusionsoft.records import (
    Charge,
    Contact,
    Invoice,
    InvoiceItem,
    InvoicePayment,
    Order,
    OrderItem,
    Payment,
    PayPlan,
    Product,
)
from syncsvc.infusionsoft.rest import convert, references
from syncsvc.infusionsoft.rest.caller import RestCaller, RestNotFound
from syncsvc.infusionsoft.rest.compact import IntMap, TransactionsByPayment
from syncsvc.infusionsoft.rest.convert import Account, identifier
from syncsvc.infusionsoft.rest.tolerant import load, record_name

MAX_PAGE_SIZE = 1000
TRANSACTION_MARGIN = timedelta(days=1)
# The Contact properties convert.contact_record reads.
CONTACT_FIELDS = ["id", "given_name", "family_name", "email_addresses", "company", "addresses", "phone_numbers"]


class RestOrderSource:
    """OrderSource over Keap REST v2 (see the module docstring for every choice made)."""

    api = "rest"

    def __init__(self, caller: RestCaller, account: Account, page_size: int = MAX_PAGE_SIZE) -> None:
        self._caller = caller
        self._account = account
        self._page_size = max(1, min(MAX_PAGE_SIZE, page_size))
        self.zone = account.zone
        # GET /orders/{id} calls made because a listed order came without its items.
        self.order_detail_reads = 0
        self._batch: dict[int, _ReadOrder] = {}
        # Kept for the whole run, for every order and payment read: compact (compact.py).
        self._invoice_of_order = IntMap()
        self._order_of_invoice = IntMap()
        self._refund_ids: set[str] = set()  # payments some other payment names as its refund
        self._refunded_by: dict[str, str] = {}  # refund payment id -> the payment it refunds
        self._transaction_windows: list[_Window] = []
        self._transactions = TransactionsByPayment()

    # -- orders and invoices -------------------------------------------------------------------

    def orders_changed_since(self, since: datetime) -> Iterator[Order]:
        """Orders whose modification_time is at or after `since`, oldest change first."""
        pages = self._pages("listOrders", self._caller.orders.list_orders_without_preload_content, "orders",
                            filter=f"modified_since_time=={self._utc(since)}", order_by="modification_time asc")
        for page in pages:
            for raw in _drained(page):
                order = self._remember(load(OrderV2, raw, record_name("order", raw)))
                yield convert.order_record(order, self._account)

    def invoices_changed_since(self, since: datetime) -> Iterator[Invoice]:
        """Nothing: a REST v2 invoice is part of its order, and its changes move the order's
        modification_time, so `orders_changed_since` already finds it."""
        return iter(())

    def orders_by_ids(self, order_ids: Iterable[int]) -> list[Order]:
        """The orders that still exist; they become the batch the next calls answer from."""
        self._batch = {}
        return [order.order for order in self._orders(order_ids)]

    def existing_order_ids(self, order_ids: Iterable[int]) -> set[int]:
        """Which of these orders Keap still has: their ids off listOrders (`ids==`, a page of up to 1000),
        never a per-order read, and the batch is left as it was."""
        found: set[int] = set()
        send = self._caller.orders.list_orders_without_preload_content
        for chunk in _chunks(sorted(_distinct(order_ids)), self._page_size):
            for page in self._pages("listOrders", send, "orders", filter=f"ids=={_joined(chunk)}", order_by="id asc"):
                found.update(identifier(raw.get("id"), "order id") for raw in page if isinstance(raw, dict))
        return found

    def invoices_by_ids(self, invoice_ids: Iterable[int]) -> list[Invoice]:
        wanted = _distinct(invoice_ids)
        invoices = (order.invoice for order in self._orders_of_invoices(wanted, keep=False))
        return [invoice for invoice in invoices if invoice is not None and invoice.id in wanted]

    def invoices_for_orders(self, order_ids: Iterable[int]) -> list[Invoice]:
        invoices = (order.invoice for order in self._orders(order_ids))
        return [invoice for invoice in invoices if invoice is not None]

    def order_items_for_orders(self, order_ids: Iterable[int]) -> list[OrderItem]:
        return [item for order in self._orders(order_ids) for item in order.items]

    def invoice_items_for_invoices(self, invoice_ids: Iterable[int]) -> list[InvoiceItem]:
        """Always empty: REST v2 exposes order items only, no invoice items."""
        return []

    def pay_plans_for_invoices(self, invoice_ids: Iterable[int]) -> list[PayPlan]:
        plans = (order.pay_plan for order in self._orders_of_invoices(_distinct(invoice_ids), keep=True))
        return [plan for plan in plans if plan is not None]

    # -- payments ---------------------------------------------------------------------------------

    def payments_since(self, since: datetime, details: bool = True) -> Iterator[Payment]:
        """Payments Keap selects with since_time (semantics unconfirmed), by id, a page at a time.
        (`details` is not needed here: the transactions a scan reads are kept for the run's bundles.)"""
        yield from self._payment_scan(filter=f"since_time=={self._utc(since)}")

    def payments_after_id(self, last_id: int, details: bool = True) -> Iterator[Payment]:
        """Payments with an id above `last_id` (ids only grow), by id, a page at a time."""
        yield from self._payment_scan(filter=f"id>{int(last_id)}")

    def payments_for_invoices(self, invoice_ids: Iterable[int]) -> list[Payment]:
        order_ids = [order.id for order in self._orders_of_invoices(_distinct(invoice_ids), keep=True)]
        payments: list[SdkPayment] = []
        for chunk in _chunks(order_ids, self._page_size):
            for page in self._payment_pages(filter=f"order_ids=={_joined(chunk)}"):
                payments += page
        return self._payment_records(payments, asked_orders=set(order_ids))

    def invoice_payments_for_invoices(self, invoice_ids: Iterable[int]) -> list[InvoicePayment]:
        """The allocations of /orders/{id}/payments, one read per order (not for backfills)."""
        allocations = []
        for order in self._orders_of_invoices(_distinct(invoice_ids), keep=False):
            send = self._caller.orders.list_order_payments_without_preload_content
            for page in self._pages("listOrderPayments", send, "invoice_order_payments", order_id=order.keap_id):
                for raw in page:
                    allocation = load(InvoiceOrderPayment, raw, record_name("invoice payment", raw))
                    allocations.append(convert.invoice_payment_record(allocation, self._account))
        return allocations

    def charges_by_ids(self, charge_ids: Iterable[int]) -> dict[int, Charge]:
        """Always empty: REST v2 has no CCharge; the reference comes with the payment (references.py)."""
        return {}

    # -- reference data -------------------------------------------------------------------------

    def contacts_by_ids(self, contact_ids: Iterable[int]) -> list[Contact]:
        contacts = []
        send = self._caller.contacts.list_contacts_without_preload_content
        for chunk in _chunks(sorted(_distinct(contact_ids)), self._page_size):
            for page in self._pages("listContacts", send, "contacts", filter=f"ids=={_joined(chunk)}",
                                    fields=CONTACT_FIELDS):
                contacts += [convert.contact_record(load(SdkContact, raw, record_name("contact", raw)))
                             for raw in page]
        return contacts

    def products_by_ids(self, product_ids: Iterable[int]) -> list[Product]:
        products = []
        send = self._caller.products.list_products_without_preload_content
        for chunk in _chunks(sorted(_distinct(product_ids)), self._page_size):
            for page in self._pages("listProducts", send, "products", filter=f"product_ids=={_joined(chunk)}"):
                products += [convert.product_record(load(RestV2ProductList, raw, record_name("product", raw)),
                                                    self._account)
                             for raw in page]
        return products

    # -- orders: internals ------------------------------------------------------------------------

    def _orders(self, order_ids: Iterable[int], keep: bool = True) -> list[_ReadOrder]:
        """The orders of `order_ids` that exist: from the batch, the rest read in bulk (and kept)."""
        wanted = sorted(_distinct(order_ids))
        missing = [order_id for order_id in wanted if order_id not in self._batch]
        read = {order.id: order for order in self._read_orders(missing)}
        if keep:
            self._batch.update(read)
        return [order for order_id in wanted
                if (order := self._batch.get(order_id) or read.get(order_id)) is not None]

    def _orders_of_invoices(self, invoice_ids: set[int], keep: bool) -> list[_ReadOrder]:
        known = [self._order_of_invoice[i] for i in invoice_ids if i in self._order_of_invoice]
        orders = self._orders(known, keep=keep)
        for invoice_id in sorted(i for i in invoice_ids if i not in self._order_of_invoice):
            orders += self._read_order_pages(f"invoice_id=={invoice_id}")
        return orders

    def _read_orders(self, order_ids: Sequence[int]) -> list[_ReadOrder]:
        orders = []
        for chunk in _chunks(order_ids, self._page_size):
            orders += self._read_order_pages(f"ids=={_joined(chunk)}")
        return orders

    def _read_order_pages(self, order_filter: str) -> list[_ReadOrder]:
        """The orders of every page, each converted to its records as soon as it is read (the page's JSON and
        the SDK model are dropped order by order)."""
        orders = []
        send = self._caller.orders.list_orders_without_preload_content
        for page in self._pages("listOrders", send, "orders", filter=order_filter, order_by="id asc"):
            for raw in _drained(page):
                order = load(OrderV2, raw, record_name("order", raw))
                if isinstance(raw, dict) and "order_items" not in raw:
                    order = self._order_detail(order.id)
                if order is not None:
                    orders.append(_ReadOrder(self._remember(order), self._account))
        return orders

    def _order_detail(self, order_id: str | None) -> OrderV2 | None:
        """GET /orders/{id} for a listed order that came without its items; None once deleted."""
        self.order_detail_reads += 1
        try:
            raw = self._caller.call("getOrder", self._caller.orders.get_order_without_preload_content,
                                    order_id=str(order_id))
        except RestNotFound:
            return None
        return load(OrderV2, raw, record_name("order", raw))

    def _remember(self, order: OrderV2) -> OrderV2:
        order_id = identifier(order.id, "order id")
        invoice_id = identifier(order.invoice_id, f"order {order.id} invoice id")
        if invoice_id:
            self._invoice_of_order[order_id] = invoice_id
            self._order_of_invoice[invoice_id] = order_id
        return order

    # -- payments: internals ----------------------------------------------------------------------

    def _payment_scan(self, **params: Any) -> Iterator[Payment]:
        # A page of payments, then at most one transaction window for that page: memory stays
        # bounded and no payment costs a call of its own.
        for page in self._payment_pages(**params):
            yield from self._payment_records(page)

    def _payment_pages(self, **params: Any) -> Iterator[list[SdkPayment]]:
        send = self._caller.sales.list_payments_without_preload_content
        for page in self._pages("listPayments", send, "payments", order_by="id asc", **params):
            yield [load(SdkPayment, raw, record_name("payment", raw)) for raw in page]

    def _payment_records(self, payments: Sequence[SdkPayment], asked_orders: set[int] | None = None) -> list[Payment]:
        for payment in payments:
            refund_id = (payment.refund_payment_id or "").strip()
            if refund_id:
                self._refund_ids.add(refund_id)
                self._refunded_by[refund_id] = (payment.id or "").strip()
        transactions = self._transactions_for(payments)
        records = []
        for payment in payments:
            payment_id = (payment.id or "").strip()
            order_id = _order_of_payment(payment, asked_orders or set())
            found = transactions.get(payment_id)
            is_refund = (
                (payment.type or "").strip().lower() == "refund"
                or (payment.amount is not None and payment.amount < 0)
                or payment_id in self._refund_ids
                or (found is not None and found.reversal)
            )
            records.append(convert.payment_record(
                payment,
                self._account,
                invoice_id=self._invoice_of_order.get(order_id, 0) if order_id else 0,
                order_id=order_id,
                ref_num=references.merchant_reference(payment, transactions),
                is_refund=is_refund,
                refund_of=identifier(self._refunded_by.get(payment_id), "refunded payment id") or None,
            ))
        return records

    def _transactions_for(self, payments: Sequence[SdkPayment]) -> TransactionsByPayment:
        """What the transactions say about these payments; reads one window when something is unknown."""
        times = [_aware(p.payment_time) for p in payments
                 if references.needs_transactions(p) and p.payment_time is not None]
        uncovered = [t for t in times if not any(window.covers(t) for window in self._transaction_windows)]
        if uncovered:
            since, until = min(uncovered) - TRANSACTION_MARGIN, max(uncovered) + TRANSACTION_MARGIN
            send = self._caller.sales.list_transactions_without_preload_content
            pages = self._pages("listTransactions", send, "transactions",
                                filter=f"since_time=={self._utc(since)};until_time=={self._utc(until)}")
            loaded = (load(TransactionV2, raw, record_name("transaction of payment", raw, "payment_id"))
                      for page in pages for raw in page)
            for payment_id, found in references.by_payment(loaded).items():
                self._transactions[payment_id] = found
            self._transaction_windows.append(_Window(min(uncovered), max(uncovered)))
        return self._transactions

    # -- paging and values --------------------------------------------------------------------------

    def _pages(self, operation: str, send: Callable[..., Any], key: str, **params: Any) -> Iterator[list]:
        """The `key` list of every page, following next_page_token."""
        token: str | None = None
        seen: set[str] = set()
        while True:
            answer = self._caller.call(operation, send, page_size=self._page_size, page_token=token, **params)
            records = answer.get(key) or []
            if not isinstance(records, list):
                raise MalformedResponse(f"Keap's answer to {operation} has {key!r} as {type(records).__name__}")
            yield records
            token = answer.get("next_page_token") or None
            if token is None:
                return
            if token in seen:
                raise MalformedResponse(f"Keap sent {operation} the same next_page_token twice ({token!r})")
            seen.add(token)

    def _utc(self, moment: datetime) -> str:
        """ISO-8601 UTC to the second, rounded down so an inclusive 'since' misses nothing."""
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=self._account.zone)
        return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class _ReadOrder:
    """One order read in bulk, as the records the engine asks for: `order`, `invoice` (None without one),
    `items` and `pay_plan` (None without one), converted from its OrderV2 at once so that the model is not
    kept. A part whose conversion failed keeps the error and raises it when asked for, where converting it
    then would have raised it (the other parts stay readable). `keap_id`: the id as Keap spells it."""

    __slots__ = ("id", "keap_id", "_order", "_invoice", "_items", "_pay_plan")

    def __init__(self, model: OrderV2, account: Account) -> None:
        self.id = identifier(model.id, "order id")
        self.keap_id = model.id
        self._order = _converted(convert.order_record, model, account)
        self._invoice = _converted(convert.invoice_record, model, account)
        self._items = _converted(lambda m, a: tuple(convert.order_item_records(m, a)), model, account)
        self._pay_plan = _converted(convert.pay_plan_record, model, account)

    @property
    def order(self) -> Order:
        return _unfailed(self._order)

    @property
    def invoice(self) -> Invoice | None:
        return _unfailed(self._invoice)

    @property
    def items(self) -> tuple[OrderItem, ...]:
        return _unfailed(self._items)

    @property
    def pay_plan(self) -> PayPlan | None:
        return _unfailed(self._pay_plan)


class _Failed:
    """A conversion's exception, kept without its traceback (whose frames would keep the model alive)."""

    __slots__ = ("error",)

    def __init__(self, error: Exception) -> None:
        self.error = error


def _converted(convert_one: Callable[[OrderV2, Account], Any], model: OrderV2, account: Account) -> Any:
    try:
        return convert_one(model, account)
    except Exception as exc:  # raised again, unchanged, when the part is asked for
        return _Failed(exc.with_traceback(None))


def _unfailed(value: Any) -> Any:
    if isinstance(value, _Failed):
        raise value.error.with_traceback(None)  # a fresh traceback each time it is raised
    return value


class _Window:
    """The payment times a /sales/transactions read answered for (its window reaches a margin beyond
    both ends). A later page's payment made within them is answered too: a card payment and its
    transaction are made together, so that transaction was already there when the window was read."""

    def __init__(self, first: datetime, last: datetime) -> None:
        self.first, self.last = first, last

    def covers(self, moment: datetime) -> bool:
        return self.first <= moment <= self.last


def _order_of_payment(payment: SdkPayment, asked_orders: set[int]) -> int | None:
    order_ids = [identifier(o, f"payment {payment.id} order id") for o in payment.order_ids or () if o]
    for order_id in order_ids:
        if order_id in asked_orders:
            return order_id
    return order_ids[0] if order_ids else None


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


def _drained(records: list) -> Iterator:
    """Each record of a page in turn, its place in the page emptied as it is taken: a page's JSON is freed
    record by record as it is converted, not held whole until the page is done."""
    for index, record in enumerate(records):
        records[index] = None
        yield record


def _distinct(ids: Iterable[int]) -> set[int]:
    return {int(i) for i in ids if i}


def _chunks(ids: Sequence[int], size: int) -> Iterator[list[int]]:
    ids = list(ids)
    for start in range(0, len(ids), size):
        yield ids[start:start + size]


def _joined(ids: Iterable[int]) -> str:
    return ",".join(str(i) for i in ids)


__all__ = ["CONTACT_FIELDS", "RestOrderSource"]

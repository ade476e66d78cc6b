"""The list operations: which records each one reads, its filters, its orders and its JSON.

`run_listing` is shared: check the query, take the page (`seek`: from a sorted index, walking
only as far as the page needs, where the listing declares what that takes: the tables it reads,
how to fetch a record by key, which filters bound or name its records), then project only the page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Callable, Iterable, Mapping

from ..store import AccountStore
from . import projection
from .encoding import minor_units
from .errors import bad_request, not_found
from .filters import (
    EQUALITY, EVERY_OPERATOR, ORDERED, FilterField, amount_field, boolean_field, contains, enum_field, id_field,
    id_list_field, parse_filter, since_field, text_field, until_field, whole_number,
)
from .paging import Ordering, SortValue, decode_token, fingerprint, parse_order_by, parse_page_size
from .seek import Bound, Lookup, same, select_page, since, until
from .views import (
    MERCHANT_ACCOUNT_TYPE, AllocationView, ContactView, OrderView, PaymentView, TransactionView, all_transactions,
)

MERCHANT_ACCOUNT_TYPES = ("PAYPAL", "UNSUPPORTED", "AUTHORIZE", "EWAY", "WEPAY", "STRIPE", "KEAP_PAY")
TRANSACTION_STATUSES = ("APPROVED", "PENDING", "ERROR", "FAILED", "NONE")
TRANSACTION_METHODS = ("CAPTURE", "REFUND", "VOID", "MANUAL")
PAY_STATUSES = ("MANUAL_PAID", "REFUNDED", "VOIDED", "PAYPAL_PAID", "APPROVED", "FAILED", "ERROR", "PENDING")

Query = Mapping[str, str]
PathParams = Mapping[str, str]


@dataclass(frozen=True)
class Listing:
    operation_id: str
    collection: str  # the response's list property ("orders", "payments", ...)
    records: Callable[[AccountStore, PathParams], Iterable[Any]]
    filters: Mapping[str, FilterField]
    order_fields: tuple[str, ...]  # what order_by may name
    sort_values: Mapping[str, Callable[[Any], SortValue]]  # order_fields plus the default's field
    default_order: Ordering
    unique_key: Callable[[Any], tuple[int, ...]]
    projector: Callable[[Query], Callable[[Any], dict]]  # validates its query options up front
    # Filter fields of Keap's contract the sandbox holds no data for: a 400 that says so.
    unserved_filters: frozenset[str] = field(default_factory=frozenset)
    # Paging from sorted indexes (seek, indexes); without `tables`, every page positions and sorts every record.
    # tables: every store table the records and their sort values read (a write to one rebuilds the
    # listing's indexes: one left out would leave them stale).
    tables: tuple[str, ...] = ()
    fetch: Callable[[AccountStore, tuple], Any] | None = None  # a unique key -> its record
    bounds: Mapping[str, Bound] = field(default_factory=dict)  # filter field -> the sort value it bounds
    lookups: Mapping[str, Lookup] = field(default_factory=dict)  # filter field (==) -> keys it can match


def run_listing(listing: Listing, store: AccountStore, query: Query, path_params: PathParams) -> dict:
    conditions = parse_filter(query.get("filter"), listing.filters, listing.unserved_filters)
    ordering = parse_order_by(query.get("order_by"), listing.order_fields, listing.default_order)
    size = parse_page_size(query.get("page_size"))
    project = listing.projector(query)
    query_fingerprint = fingerprint(
        listing.operation_id, repr(sorted(path_params.items())), query.get("filter"), ordering.text,
    )
    token = query.get("page_token")
    after = decode_token(token, query_fingerprint) if token else None
    with store.lock:
        page, next_token = select_page(
            listing, store, path_params, conditions, ordering, size, after, query_fingerprint,
        )
        body: dict[str, Any] = {listing.collection: [project(record) for record in page]}
    if next_token:
        body["next_page_token"] = next_token
    return body


# --- sort values --------------------------------------------------------------------


def _epoch(moment: datetime | None) -> int | None:
    return None if moment is None else int(moment.timestamp())


def _cents(amount: Decimal | None) -> int | None:
    return None if amount is None else minor_units(amount)


def _folded(text: str | None) -> str | None:
    return None if text is None else text.casefold()


def _same_projection(project: Callable[[Any], dict]) -> Callable[[Query], Callable[[Any], dict]]:
    return lambda query: project


# --- fetching by key and lookups (what `seek` reads besides the sorted indexes) ----------------


def _row_fetch(table: str, view: Callable[[AccountStore, dict], Any]) -> Callable[[AccountStore, tuple], Any]:
    return lambda store, key: view(store, store.get(table, key[0]))


def _listed_ids(store: AccountStore, ids: frozenset[int]) -> list[tuple]:
    return [(i,) for i in ids]


def _where(table: str, column: str) -> Lookup:
    """The rows whose `column` equals the value, from the store's own index on it."""
    return lambda store, value: [(i,) for i in store.ids_where(table, column, value)]


def _job_of_invoice(store: AccountStore, invoice_id: int) -> list[tuple]:
    """An order's invoice is an Invoice whose JobId is the order (billing.invoice_for_job)."""
    invoice = store.get("Invoice", invoice_id)
    return [(invoice["JobId"],)] if invoice is not None and invoice.get("JobId") is not None else []


def _payments_of_orders(store: AccountStore, order_ids: frozenset[int]) -> list[tuple]:
    """A payment's order is its invoice's JobId."""
    return [(payment_id,) for order_id in order_ids for invoice_id in store.ids_where("Invoice", "JobId", order_id)
            for payment_id in store.ids_where("Payment", "InvoiceId", invoice_id)]


# --- orders -----------------------------------------------------------------------


def _orders(store: AccountStore, path_params: PathParams) -> Iterable[OrderView]:
    """Every order. Listed orders carry their order_items and payment_plan as getOrder's do:
    a sandbox choice; whether Keap's list fills them is unconfirmed."""
    return [OrderView(store, job) for job in store.table("Job").values()]


ORDERS = Listing(
    operation_id="listOrders",
    collection="orders",
    records=_orders,
    filters={
        "id": id_field(lambda o: o.id, EVERY_OPERATOR),
        "ids": id_list_field(lambda o: o.id),
        "contact_id": id_field(lambda o: o.contact_id),
        "invoice_id": id_field(lambda o: o.invoice_id),
        "product_id": FilterField(EQUALITY, whole_number, contains(lambda o: o.product_ids)),
        "paid": boolean_field(lambda o: o.paid),
        "created_since_time": since_field(lambda o: o.creation_time),
        "created_until_time": until_field(lambda o: o.creation_time),
        "modified_since_time": since_field(lambda o: o.modification_time),
        "modified_until_time": until_field(lambda o: o.modification_time),
        "title": text_field(lambda o: o.title),
        "order_type": enum_field(lambda o: o.order_type, ("ONLINE", "OFFLINE")),
    },
    order_fields=("id", "order_time", "modification_time"),
    sort_values={
        "id": lambda o: o.id,
        "order_time": lambda o: _epoch(o.creation_time),
        "modification_time": lambda o: _epoch(o.modification_time),
    },
    default_order=Ordering("id"),
    unique_key=lambda o: (o.id,),
    projector=_same_projection(projection.order),
    unserved_filters=frozenset({
        "invoice_xid", "shipping_locality", "shipping_region_code", "shipping_postal_code", "shipping_country_code",
    }),
    tables=("Job", "Invoice"),  # modification_time is the later of the Job's and its Invoice's LastUpdated
    fetch=_row_fetch("Job", OrderView),
    bounds={
        "id": same("id"),
        "created_since_time": since("order_time"), "created_until_time": until("order_time"),
        "modified_since_time": since("modification_time"), "modified_until_time": until("modification_time"),
    },
    lookups={"ids": _listed_ids, "contact_id": _where("Job", "ContactId"), "invoice_id": _job_of_invoice},
)


def order_view(store: AccountStore, order_id: str) -> OrderView:
    """The order named in a path, or 404 (400 when the id is not a number)."""
    if not order_id.isdigit():
        raise bad_request(f"order_id: {order_id!r} is not a number")
    job = store.get("Job", int(order_id))
    if job is None:
        raise not_found(f"Order {order_id} was not found")
    return OrderView(store, job)


# --- an order's payments (InvoicePayment) ----------------------------------------------


def _order_allocations(store: AccountStore, path_params: PathParams) -> Iterable[AllocationView]:
    order = order_view(store, path_params["order_id"])
    return [AllocationView(store, row) for row in order.allocations]


ORDER_PAYMENTS = Listing(
    operation_id="listOrderPayments",
    collection="invoice_order_payments",
    records=_order_allocations,
    filters={
        "invoice_id": id_field(lambda a: a.row.get("InvoiceId")),
        "payment_id": id_field(lambda a: a.row.get("PaymentId")),
        "amount": amount_field(lambda a: a.amount),
        "pay_status": enum_field(lambda a: a.row.get("PayStatus"), PAY_STATUSES),
        "skip_commission": boolean_field(lambda a: bool(a.row.get("SkipCommission"))),
    },
    order_fields=(
        "invoice_id", "payment_id", "amount", "pay_time", "pay_status", "skip_commission", "last_updated_time",
    ),
    sort_values={
        "invoice_id": lambda a: a.row.get("InvoiceId"),
        "payment_id": lambda a: a.row.get("PaymentId"),
        "amount": lambda a: _cents(a.amount),
        "pay_time": lambda a: _epoch(a.pay_time),
        "pay_status": lambda a: a.row.get("PayStatus"),
        "skip_commission": lambda a: int(bool(a.row.get("SkipCommission"))),
        "last_updated_time": lambda a: _epoch(a.pay_time),
    },
    default_order=Ordering("pay_time"),
    unique_key=lambda a: (a.id,),
    projector=_same_projection(projection.order_payment),
)


# --- payments and transactions ---------------------------------------------------------


def _payments(store: AccountStore, path_params: PathParams) -> Iterable[PaymentView]:
    return [PaymentView(store, row) for row in store.table("Payment").values()]


PAYMENTS = Listing(
    operation_id="listPayments",
    collection="payments",
    records=_payments,
    filters={
        "id": id_field(lambda p: p.id, ORDERED),
        "ids": id_list_field(lambda p: p.id),
        "order_id": id_field(lambda p: p.order_id),
        "order_ids": id_list_field(lambda p: p.order_id),
        "contact_id": id_field(lambda p: p.contact_id),
        "since_time": since_field(lambda p: p.payment_time),
        "until_time": until_field(lambda p: p.payment_time),
        "amount": amount_field(lambda p: p.amount),
        "merchant_account_id": id_field(lambda p: p.merchant_id),
        "merchant_account_type": enum_field(
            lambda p: MERCHANT_ACCOUNT_TYPE if p.is_card else None, MERCHANT_ACCOUNT_TYPES,
        ),
    },
    order_fields=("id", "amount", "payment_time", "contact_id"),
    sort_values={
        "id": lambda p: p.id,
        "amount": lambda p: _cents(p.amount),
        "payment_time": lambda p: _epoch(p.payment_time),
        "contact_id": lambda p: p.contact_id,
    },
    default_order=Ordering("id"),
    unique_key=lambda p: (p.id,),
    projector=_same_projection(projection.payment),
    tables=("Payment",),
    fetch=_row_fetch("Payment", PaymentView),
    bounds={"id": same("id"), "since_time": since("payment_time"), "until_time": until("payment_time")},
    lookups={
        "ids": _listed_ids, "order_ids": _payments_of_orders,
        "order_id": lambda store, order_id: _payments_of_orders(store, frozenset({order_id})),
        "contact_id": _where("Payment", "ContactId"),
    },
)


def _transaction(store: AccountStore, key: tuple) -> TransactionView:
    """TransactionView.key: (0, Payment.Id) or (1, DeclinedCharge.Id)."""
    declined, row_id = key
    row = store.get("DeclinedCharge" if declined else "Payment", row_id)
    return TransactionView(store, row, declined=bool(declined))


TRANSACTIONS = Listing(
    operation_id="listTransactions",
    collection="transactions",
    records=lambda store, path_params: all_transactions(store),
    filters={
        "order_id": id_field(lambda t: t.order_id),
        "contact_id": id_field(lambda t: t.contact_id),
        "since_time": since_field(lambda t: t.transaction_time),
        "until_time": until_field(lambda t: t.transaction_time),
        "status": enum_field(lambda t: t.status, TRANSACTION_STATUSES),
        "transaction_method": enum_field(lambda t: t.method, TRANSACTION_METHODS),
        "is_successful": boolean_field(lambda t: t.successful),
        "amount": amount_field(lambda t: t.amount),
        "merchant_account_id": id_field(lambda t: t.merchant_id),
        "merchant_account_type": enum_field(
            lambda t: MERCHANT_ACCOUNT_TYPE if t.merchant_id else None, MERCHANT_ACCOUNT_TYPES,
        ),
    },
    order_fields=("amount", "transaction_time", "contact_id"),
    sort_values={
        "amount": lambda t: _cents(t.amount),
        "transaction_time": lambda t: _epoch(t.transaction_time),
        "contact_id": lambda t: t.contact_id,
    },
    default_order=Ordering("transaction_time"),
    unique_key=lambda t: t.key,
    projector=_same_projection(projection.transaction),
    tables=("Payment", "DeclinedCharge"),
    fetch=_transaction,
    bounds={"since_time": since("transaction_time"), "until_time": until("transaction_time")},
)


# --- contacts and products -------------------------------------------------------------


def _contacts(store: AccountStore, path_params: PathParams) -> Iterable[ContactView]:
    return [ContactView(store, row) for row in store.table("Contact").values()]


def _contact_projector(query: Query) -> Callable[[ContactView], dict]:
    asked = [name.strip() for name in (query.get("fields") or "").split(",") if name.strip()]
    unknown = [name for name in asked if name not in projection.CONTACT_SELECTABLE_FIELDS]
    if unknown:
        raise bad_request(f"fields: unknown contact properties {', '.join(unknown)}")
    selected = frozenset(asked or projection.CONTACT_DEFAULT_FIELDS)
    return lambda view: projection.contact(view, selected)


CONTACTS = Listing(
    operation_id="listContacts",
    collection="contacts",
    records=_contacts,
    filters={
        "ids": id_list_field(lambda c: c.id),
        "contact_ids": id_list_field(lambda c: c.id),
        "contact_id": id_field(lambda c: c.id, ORDERED),
        "company_id": id_field(lambda c: c.row.get("CompanyID")),
        "email": text_field(lambda c: [email for _, email in c.emails]),
        "given_name": text_field(lambda c: c.row.get("FirstName")),
        "family_name": text_field(lambda c: c.row.get("LastName")),
        "middle_name": text_field(lambda c: c.row.get("MiddleName")),
        "start_update_time": since_field(lambda c: c.update_time),
        "end_update_time": until_field(lambda c: c.update_time),
    },
    order_fields=("id", "create_time", "email", "update_time"),
    sort_values={
        "id": lambda c: c.id,
        "create_time": lambda c: _epoch(c.create_time),
        "email": lambda c: _folded(c.email),
        "update_time": lambda c: _epoch(c.update_time),
    },
    default_order=Ordering("id"),
    unique_key=lambda c: (c.id,),
    projector=_contact_projector,
    tables=("Contact",),
    fetch=_row_fetch("Contact", ContactView),
    bounds={
        "contact_id": same("id"), "start_update_time": since("update_time"), "end_update_time": until("update_time"),
    },
    lookups={"ids": _listed_ids, "contact_ids": _listed_ids},
)


PRODUCTS = Listing(
    operation_id="listProducts",
    collection="products",
    records=lambda store, path_params: list(store.table("Product").values()),
    filters={
        "product_ids": id_list_field(lambda p: p["Id"]),
        "product_id": id_field(lambda p: p["Id"], ORDERED),
        "name": text_field(lambda p: p.get("ProductName")),
        "sku": text_field(lambda p: p.get("Sku")),
        "description": text_field(lambda p: p.get("Description")),
        "short_description": text_field(lambda p: p.get("ShortDescription")),
    },
    order_fields=("name", "sku", "last_updated_time"),
    sort_values={
        "id": lambda p: p["Id"],
        "name": lambda p: _folded(p.get("ProductName")),
        "sku": lambda p: _folded(p.get("Sku")),
        # The Product table keeps no update time: products sort as created (by id).
        "last_updated_time": lambda p: p["Id"],
    },
    default_order=Ordering("id"),
    unique_key=lambda p: (p["Id"],),
    projector=_same_projection(projection.product),
    tables=("Product",),
    fetch=lambda store, key: store.get("Product", key[0]),
    bounds={"product_id": same("id")},
    lookups={"product_ids": _listed_ids},
)

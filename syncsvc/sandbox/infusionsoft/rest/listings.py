"""The list operations: which records each one reads, its filters, its orders and its JSON.

`run_listing` is shared: filter, order, keyset page, then project only the page.
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
    EQUALITY, EVERY_OPERATOR, ORDERED, FilterField, amount_field, boolean_field, compile_filter, contains,
    enum_field, id_field, id_list_field, since_field, text_field, until_field, whole_number,
)
from .paging import (
    Ordering, SortValue, decode_token, fingerprint, parse_order_by, parse_page_size, position, take_page,
)
from .views import (
    MERCHANT_ACCOUNT_TYPE, AllocationView, ContactView, OrderView, PaymentView, all_transactions,
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


def run_listing(listing: Listing, store: AccountStore, query: Query, path_params: PathParams) -> dict:
    matches = compile_filter(query.get("filter"), listing.filters, listing.unserved_filters)
    ordering = parse_order_by(query.get("order_by"), listing.order_fields, listing.default_order)
    size = parse_page_size(query.get("page_size"))
    project = listing.projector(query)
    query_fingerprint = fingerprint(
        listing.operation_id, repr(sorted(path_params.items())), query.get("filter"), ordering.text,
    )
    token = query.get("page_token")
    after = decode_token(token, query_fingerprint) if token else None
    sort_value = listing.sort_values[ordering.field]
    with store.lock:
        page, next_token = take_page(
            listing.records(store, path_params),
            lambda record: position(sort_value(record), listing.unique_key(record)),
            matches, ordering, size, after, query_fingerprint,
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
)


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
)

"""Queries: escaped values, paging, and the finders the sync needs.

QBO's query language escapes a quote with a backslash, so a backslash must be
escaped first (python-quickbooks escapes only quotes: `a\\' OR ...` would end the
string early). Only fields QBO can filter on go in WHERE; anything else is
filtered here after fetching (noted per finder).

QBO leaves inactive customers, vendors, employees, items and payment methods
out of a query unless it filters on Active, yet their names stay taken. The
finders that look a name-list record up by name, email or Sku therefore ask
for both (`Active IN (true, false)`) and callers check `Active`; `paged` asks
QBO's default (active only) unless told otherwise.
"""

from __future__ import annotations

import contextvars
import re
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Iterator

from quickbooks.objects.customer import Customer
from quickbooks.objects.employee import Employee
from quickbooks.objects.invoice import Invoice
from quickbooks.objects.item import Item
from quickbooks.objects.payment import Payment
from quickbooks.objects.salesreceipt import SalesReceipt
from quickbooks.objects.vendor import Vendor

MAX_PAGE_SIZE = 1000
# The condition that makes QBO return inactive name-list records as well as active ones.
ACTIVE_OR_NOT = "Active IN (true, false)"
# DisplayName is unique across these three together.
DISPLAY_NAME_HOLDERS = (Customer, Vendor, Employee)
_FIELD = re.compile(r"^[A-Za-z][A-Za-z0-9.]*$")

# The field that identifies a document we create, used to resolve writes of unknown outcome.
NATURAL_KEY_FIELDS = {
    "Invoice": "DocNumber",
    "SalesReceipt": "DocNumber",
    "RefundReceipt": "DocNumber",
    "CreditMemo": "DocNumber",
    "Payment": "PaymentRefNum",
    "Customer": "DisplayName",
    "Item": "Name",
    "PaymentMethod": "Name",
    "Account": "Name",
}


def quote(value: str) -> str:
    """A QBO string literal: backslashes first, then single quotes."""
    return "'" + str(value).replace("\\", "\\\\").replace("'", "\\'") + "'"


def equals(field: str, value) -> str:
    if not _FIELD.match(field):
        raise ValueError(f"not a QBO field name: {field!r}")
    if isinstance(value, bool):
        return f"{field} = {'true' if value else 'false'}"
    return f"{field} = {quote(value)}"


def select(entity_cls, conditions: list[str] | tuple[str, ...] = (), *, start: int = 1,
           page_size: int = MAX_PAGE_SIZE) -> str:
    columns = "*, Sku" if entity_cls.qbo_object_name == "Item" else "*"  # Sku is only sent when asked for
    where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
    return (
        f"SELECT {columns} FROM {entity_cls.qbo_object_name}{where} "
        f"ORDERBY Id STARTPOSITION {start} MAXRESULTS {page_size}"
    )


def paged(qb, entity_cls, conditions: list[str] | tuple[str, ...] = (), *,
          page_size: int = MAX_PAGE_SIZE, include_inactive: bool = False) -> Iterator:
    """Every matching object, fetching STARTPOSITION/MAXRESULTS pages (1-based, up to 1000) as needed.
    `include_inactive`: inactive name-list records too (QBO leaves them out otherwise)."""
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ValueError(f"page_size must be 1..{MAX_PAGE_SIZE}")
    if include_inactive:
        conditions = [ACTIVE_OR_NOT, *conditions]
    start = 1
    while True:
        page = entity_cls.query(select(entity_cls, conditions, start=start, page_size=page_size), qb=qb)
        full = len(page) == page_size
        yield from page
        del page  # not held while the next page is read: the caller may have kept only a part of each object
        if not full:
            return
        start += page_size


Query = tuple[type, list[str]]  # (entity class, conditions)


def paged_each(qb, queries: list[Query], *, include_inactive: bool = False, spare: int = 0,
               keep: Callable[[Any], Any] | None = None) -> list[list]:
    """Every object each query matches (as `paged`), in the order of `queries`, the queries sent side by
    side up to the client's in-flight cap less `spare` (slots left for other requests, such as the batch
    of writes the reads go out beside): a read batch's bulk reads are many IN lists. `keep(object)`: what
    to keep of each, taken as each page comes, so that a query matching many records (customers by a
    common family name in a large company) holds one page of python-quickbooks objects at a time, not
    all of them. A query's failure is raised once the others are back."""
    def run(query: Query) -> list:
        entity_cls, conditions = query
        found = paged(qb, entity_cls, conditions, include_inactive=include_inactive)
        return list(found) if keep is None else [keep(record) for record in found]

    cap = getattr(getattr(getattr(qb, "company", None), "settings", None), "max_in_flight", 1)
    workers = min(len(queries), cap - spare)
    if workers <= 1:
        return [run(query) for query in queries]
    context = contextvars.copy_context()  # a stop reaches the threads' waits too
    with ThreadPoolExecutor(workers) as pool:
        answers = [pool.submit(context.copy().run, run, query) for query in queries]
        return [answer.result() for answer in answers]


# -- finders ------------------------------------------------------------------------------------

def customers_by_email(qb, email: str) -> list[Customer]:
    """Active and inactive customers with this email (check `Active`)."""
    return list(paged(qb, Customer, [equals("PrimaryEmailAddr", email)], include_inactive=True))


def customers_by_name(qb, given_name: str, family_name: str) -> list[Customer]:
    """Active and inactive customers with this first and last name (check `Active`)."""
    return list(paged(qb, Customer, [equals("GivenName", given_name), equals("FamilyName", family_name)],
                      include_inactive=True))


def customers_by_company_and_city(qb, company_name: str, city: str) -> list[Customer]:
    """Active and inactive customers of this company in this city. CompanyName is filtered by QBO;
    BillAddr.City is not filterable, so it is compared here."""
    wanted = city.strip().casefold()
    return [
        c for c in paged(qb, Customer, [equals("CompanyName", company_name)], include_inactive=True)
        if c.BillAddr is not None and (c.BillAddr.City or "").strip().casefold() == wanted
    ]


def customer_by_display_name(qb, display_name: str) -> Customer | None:
    """The customer, active or not, holding this DisplayName."""
    return _first(paged(qb, Customer, [equals("DisplayName", display_name)], include_inactive=True))


def display_name_taken(qb, display_name: str) -> bool:
    """Whether a customer, vendor or employee, active or not, holds this DisplayName (QBO answers 6240
    to a new customer taking it). Asks customers first, then vendors, then employees, stopping at a hit."""
    return any(
        _first(paged(qb, entity_cls, [equals("DisplayName", display_name)], include_inactive=True, page_size=1))
        is not None
        for entity_cls in DISPLAY_NAME_HOLDERS
    )


def item_by_name(qb, name: str) -> Item | None:
    """The item, active or not, holding this Name."""
    return _first(paged(qb, Item, [equals("Name", name)], include_inactive=True))


def items_by_sku(qb, sku: str) -> list[Item]:
    """Active and inactive items with this Sku (check `Active`)."""
    return list(paged(qb, Item, [equals("Sku", sku)], include_inactive=True))


def named(qb, entity_cls, name: str, *, include_inactive: bool = True):
    """The Item, PaymentMethod or Account, active or not by default, holding this Name."""
    return _first(paged(qb, entity_cls, [equals("Name", name)], include_inactive=include_inactive))


def documents_by_doc_number(qb, entity_cls, doc_number: str) -> list:
    """Invoices or SalesReceipts (entity_cls) with this DocNumber."""
    if entity_cls not in (Invoice, SalesReceipt):
        raise ValueError("DocNumber lookups are for Invoice and SalesReceipt")
    return list(paged(qb, entity_cls, [equals("DocNumber", doc_number)]))


def refunds_by_doc_number(qb, entity_cls, doc_number: str) -> list:
    """RefundReceipts or CreditMemos (entity_cls) with this DocNumber."""
    return list(paged(qb, entity_cls, [equals("DocNumber", doc_number)]))


def payments_by_ref(qb, payment_ref: str) -> list[Payment]:
    return list(paged(qb, Payment, [equals("PaymentRefNum", payment_ref)]))


def natural_key_of(obj) -> str | None:
    field = NATURAL_KEY_FIELDS.get(obj.qbo_object_name)
    value = getattr(obj, field, None) if field else None
    return str(value) if value not in (None, "") else None


def all_by_natural_key(qb, entity_cls, key: str) -> list:
    """Every object of entity_cls whose natural key (see NATURAL_KEY_FIELDS) is `key`: for payments, a
    reference may be on several (ours and one typed by hand)."""
    field = NATURAL_KEY_FIELDS[entity_cls.qbo_object_name]
    return list(paged(qb, entity_cls, [equals(field, key)]))


def find_by_natural_key(qb, entity_cls, key: str):
    """The one object of entity_cls whose natural key (see NATURAL_KEY_FIELDS) is `key`, or None."""
    field = NATURAL_KEY_FIELDS[entity_cls.qbo_object_name]
    return _first(paged(qb, entity_cls, [equals(field, key)]))


def _first(objects: Iterator):
    return next(iter(objects), None)

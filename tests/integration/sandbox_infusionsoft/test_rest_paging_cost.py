"""What a REST v2 listing page costs the sandbox: about its page size, whatever the account's size.

A sync pages through listOrders, listPayments, listTransactions, listContacts and listProducts by
modification time and by id lists; each page must examine (run the filter on, build a view for)
about page_size records, not every record of the account, and still answer exactly what sorting
every record, filtering and cutting pages answers (the reference here).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from operator import itemgetter

import pytest

from syncsvc.sandbox.infusionsoft import billing
from syncsvc.sandbox.infusionsoft.generator import generate_account
from syncsvc.sandbox.infusionsoft.rest import indexes, views
from syncsvc.sandbox.infusionsoft.rest.errors import RestError
from syncsvc.sandbox.infusionsoft.rest.filters import FilterField, compile_filter
from syncsvc.sandbox.infusionsoft.rest.listings import (
    CONTACTS, ORDERS, PAYMENTS, PRODUCTS, TRANSACTIONS, Listing, run_listing,
)
from syncsvc.sandbox.infusionsoft.rest.paging import encode_token, fingerprint, parse_order_by, position
from syncsvc.sandbox.infusionsoft.store import AccountStore

NOW = datetime(2026, 11, 30, 12, 0, 0, tzinfo=timezone.utc)
PAGE = 100
# Beyond the page (and the one record that says whether more follow): records sharing a boundary second.
SLACK = 3
RECORD_VIEWS = {"listOrders": views.OrderView, "listPayments": views.PaymentView,
                "listTransactions": views.TransactionView, "listContacts": views.ContactView}
LISTINGS = {listing.operation_id: listing for listing in (ORDERS, PAYMENTS, TRANSACTIONS, CONTACTS, PRODUCTS)}


def _store(orders: int, seed: int) -> AccountStore:
    store = AccountStore(clock=lambda: NOW, seed=seed)
    generate_account(store, orders=orders, seed=seed)
    return store


@pytest.fixture(scope="module")
def account() -> AccountStore:
    return _store(3000, seed=5)


def _utc(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _every(listing: Listing, store: AccountStore) -> list:
    return list(listing.records(store, {}))


def reference_pages(listing: Listing, store: AccountStore, query: dict, size: int) -> list[dict]:
    """Every page, the straightforward way: position every record, filter, sort, cut."""
    matches = compile_filter(query.get("filter"), listing.filters, listing.unserved_filters)
    ordering = parse_order_by(query.get("order_by"), listing.order_fields, listing.default_order)
    sort_value = listing.sort_values[ordering.field]
    placed = sorted(((position(sort_value(r), listing.unique_key(r)), r) for r in _every(listing, store) if matches(r)),
                    key=itemgetter(0), reverse=ordering.descending)
    project = listing.projector(query)
    query_fingerprint = fingerprint(listing.operation_id, repr([]), query.get("filter"), ordering.text)
    pages = []
    for start in range(0, max(len(placed), 1), size):
        chunk = placed[start:start + size]
        page = {listing.collection: [project(record) for _, record in chunk]}
        if start + size < len(placed):
            page["next_page_token"] = encode_token(query_fingerprint, chunk[-1][0])
        pages.append(page)
    return pages


class Work:
    """Counts, per page, the records whose filter ran and the listing's record views built."""

    def __init__(self, monkeypatch, listing: Listing, query: dict) -> None:
        self.examined = 0
        self.views = 0
        first_field = re.match(r"\s*(\w+)", query["filter"]).group(1)
        spec = listing.filters[first_field]

        def counted_test(record, operator, value):
            self.examined += 1
            return spec.test(record, operator, value)

        monkeypatch.setitem(listing.filters, first_field, FilterField(spec.operators, spec.parse, counted_test))
        view_class = RECORD_VIEWS.get(listing.operation_id)
        if view_class is not None:
            built = view_class.__init__

            def counted_init(view, *args, **kwargs):
                self.views += 1
                built(view, *args, **kwargs)

            monkeypatch.setattr(view_class, "__init__", counted_init)

    def reset(self) -> None:
        self.examined = self.views = 0


def served_pages(listing: Listing, store: AccountStore, query: dict, size: int, work: Work | None = None,
                 ) -> list[tuple[dict, int, int]]:
    """Every page run_listing serves, following its tokens, with the work each page took."""
    pages, token = [], None
    while True:
        if work is not None:
            work.reset()
        asked = {**query, "page_size": str(size), **({"page_token": token} if token else {})}
        page = run_listing(listing, store, asked, {})
        pages.append((page, work.examined if work else 0, work.views if work else 0))
        token = page.get("next_page_token")
        if not token:
            return pages


def sync_queries(store: AccountStore) -> list[tuple[str, dict]]:
    """The listings a sync makes (syncsvc/infusionsoft/rest/source.py), on this account's data."""
    orders = _every(ORDERS, store)
    by_change = sorted(o.modification_time for o in orders)
    order_ids = sorted(o.id for o in orders)
    payments = _every(PAYMENTS, store)
    paid_times = sorted(p.payment_time for p in payments)
    payment_ids = sorted(p.id for p in payments)
    contact_ids = sorted(c.id for c in _every(CONTACTS, store))
    product_ids = sorted(p["Id"] for p in _every(PRODUCTS, store))
    invoiced = next(o for o in orders[len(orders) // 2:] if o.invoice_id)
    some_orders = order_ids[::11][:250]
    recent = paid_times[len(paid_times) * 2 // 3]
    return [
        # orders_changed_since: a backfill (everything) and a later cycle (the last third)
        ("listOrders", {"filter": f"modified_since_time=={_utc(datetime(2000, 1, 1, tzinfo=timezone.utc))}",
                        "order_by": "modification_time asc"}),
        ("listOrders", {"filter": f"modified_since_time=={_utc(by_change[len(by_change) * 2 // 3])}",
                        "order_by": "modification_time asc"}),
        # orders_by_ids / existing_order_ids, and an invoice never seen
        ("listOrders", {"filter": "ids==" + ",".join(map(str, some_orders)), "order_by": "id asc"}),
        ("listOrders", {"filter": f"invoice_id=={invoiced.invoice_id}", "order_by": "id asc"}),
        # payments_after_id, payments_since, payments_for_invoices
        ("listPayments", {"filter": "id>0", "order_by": "id asc"}),
        ("listPayments", {"filter": f"id>{payment_ids[len(payment_ids) // 2]}", "order_by": "id asc"}),
        ("listPayments", {"filter": f"since_time=={_utc(recent)}", "order_by": "id asc"}),
        ("listPayments", {"filter": "order_ids==" + ",".join(map(str, some_orders)), "order_by": "id asc"}),
        # a page's transactions window
        ("listTransactions", {"filter": f"since_time=={_utc(recent - timedelta(days=1))};"
                                        f"until_time=={_utc(recent + timedelta(days=3))}"}),
        # a batch's contacts and products
        ("listContacts", {"filter": "ids==" + ",".join(map(str, contact_ids[::3][:250])),
                          "fields": "id,given_name,family_name,email_addresses,company,addresses,phone_numbers"}),
        ("listProducts", {"filter": "product_ids==" + ",".join(map(str, product_ids))}),
    ]


def test_a_sync_s_listing_pages_each_examine_about_page_size_records(account, monkeypatch):
    queries = sync_queries(account)
    for operation, query in queries:  # a first pass may prepare whatever it keeps between pages
        served_pages(LISTINGS[operation], account, query, PAGE)
    for operation, query in queries:
        listing = LISTINGS[operation]
        expected = reference_pages(listing, account, query, PAGE)
        with monkeypatch.context() as patch:
            served = served_pages(listing, account, query, PAGE, Work(patch, listing, query))
        assert [page for page, _, _ in served] == expected, (operation, query)
        listed = sum(len(page[listing.collection]) for page, _, _ in served)
        assert sum(examined for _, examined, _ in served) >= listed  # the counters do count
        for number, (_, examined, built) in enumerate(served):
            assert examined <= PAGE + SLACK, (operation, query, number, examined)
            assert built <= PAGE + SLACK, (operation, query, number, built)
    assert sum(len(p["orders"]) for p in reference_pages(ORDERS, account, queries[0][1], PAGE)) > 2800


def test_pages_match_the_reference_on_every_order_and_direction():
    store = _store(400, seed=11)
    orders = _every(ORDERS, store)
    middle = sorted(o.modification_time for o in orders)[len(orders) // 2]
    payments = _every(PAYMENTS, store)
    paid = sorted(p.payment_time for p in payments)[len(payments) // 3]
    contact = orders[len(orders) // 2].contact_id
    filters = {
        "listOrders": [None, f"modified_since_time=={_utc(middle)}", f"modified_until_time=={_utc(middle)}",
                       f"created_since_time=={_utc(middle)};paid==true", "id>=40;id<300;id!=77",
                       f"contact_id=={contact}", "ids==1,2,3,50,999999"],
        "listPayments": [None, f"since_time=={_utc(paid)}", f"until_time=={_utc(paid)};id>10", "amount<0",
                         f"contact_id=={contact}", "order_ids==" + ",".join(str(o.id) for o in orders[::7])],
        "listTransactions": [None, f"since_time=={_utc(paid)};until_time=={_utc(paid + timedelta(days=5))}",
                             "status==FAILED", f"contact_id=={contact}"],
        "listContacts": [None, "contact_id>20;contact_id<=90", "ids==1,5,9,13,400000", "given_name==J*",
                         f"start_update_time=={_utc(middle)}"],
        "listProducts": [None, "product_ids==2,4,6", "product_id>=5", "name==*"],
    }
    for operation, texts in filters.items():
        listing = LISTINGS[operation]
        for field_name in listing.order_fields:
            for direction in ("asc", "desc"):
                for text in texts:
                    query = {"order_by": f"{field_name} {direction}", **({"filter": text} if text else {})}
                    for size in (25, 1000):
                        served = [page for page, _, _ in served_pages(listing, store, query, size)]
                        assert served == reference_pages(listing, store, query, size), (operation, query, size)


def test_pages_follow_the_account_as_it_changes():
    store = _store(300, seed=13)
    query = {"filter": "modified_since_time==2000-01-01T00:00:00Z", "order_by": "modification_time desc"}
    first = run_listing(ORDERS, store, {**query, "page_size": "40"}, {})
    # a new order, a payment that moves an older order's modification_time, a deleted order
    contact = store.get("Job", 5)["ContactId"]
    later = datetime(2026, 11, 30, 13, 0, 0)
    with store.frozen_at(later):
        billing.create_order(store, contact, "Late order")
        unpaid = next(o for o in _every(ORDERS, store) if o.invoice and not o.paid)
        billing.add_manual_payment(store, unpaid.invoice_id, billing.amount_owed(store, unpaid.invoice_id), later,
                                   "Cash", "late")
        billing.delete_invoice(store, next(o for o in _every(ORDERS, store)[10:] if o.invoice).invoice_id)
    expected = reference_pages(ORDERS, store, query, 40)
    assert run_listing(ORDERS, store, {**query, "page_size": "40"}, {}) == expected[0] != first
    rest = served_pages(ORDERS, store, {**query, "page_token": expected[0]["next_page_token"]}, 40)
    assert [page for page, _, _ in rest] == expected[1:]
    for operation in ("listPayments", "listTransactions"):
        listing = LISTINGS[operation]
        pages = served_pages(listing, store, {}, 60)
        assert [page for page, _, _ in pages] == reference_pages(listing, store, {}, 60)


def test_a_token_of_another_shape_is_answered_as_before(account):
    """A hand-made token with the right fingerprint: refused where its values do not compare with the
    records' (a text where the order has numbers), else served from where it points."""
    query = {"order_by": "modification_time asc", "page_size": "30"}
    query_fingerprint = fingerprint("listOrders", repr([]), None, "modification_time asc")
    with pytest.raises(RestError) as refused:
        run_listing(ORDERS, account, {**query, "page_token": encode_token(query_fingerprint, (1, "late", 5))}, {})
    assert refused.value.status == 400 and "page_token" in refused.value.message
    before_all = run_listing(ORDERS, account, {**query, "page_token": encode_token(query_fingerprint, (0, 7, 5))}, {})
    assert before_all == reference_pages(ORDERS, account, {"order_by": "modification_time asc"}, 30)[0]


def test_indexes_are_built_once_while_the_account_stands_still():
    store = _store(200, seed=17)
    query = {"filter": "modified_since_time==2000-01-01T00:00:00Z", "order_by": "modification_time asc"}
    served_pages(ORDERS, store, query, 30)
    done = indexes.work(store)
    builds, positioned = done.builds, done.positioned
    assert builds == 1 and positioned == len(_every(ORDERS, store))
    served_pages(ORDERS, store, query, 30)
    served_pages(ORDERS, store, {"filter": "ids==3,4,5"}, 30)  # ordered by id: a second index
    assert done.builds == builds + 1
    store.touch("Job", 3)  # a write to a table the orders read
    served_pages(ORDERS, store, query, 30)
    assert done.builds == builds + 2
    store.add_product(ProductName="Elsewhere")  # not one of them
    served_pages(ORDERS, store, query, 30)
    assert done.builds == builds + 2

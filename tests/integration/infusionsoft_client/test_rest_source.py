"""RestOrderSource against the sandbox's REST v2 face, over real sockets, beside XmlRpcOrderSource.

One generated account must give the engine the same records through either API
(the fields both APIs state), in a handful of bulk calls.
"""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import datetime, timezone

import pytest

from syncsvc import apievents
from syncsvc.config import settings_from_dict
from syncsvc.infusionsoft.errors import InfusionsoftAuthError, InfusionsoftThrottled, InfusionsoftUnavailable
from syncsvc.infusionsoft.rest.caller import RestBadRequest, RestNotFound
from syncsvc.infusionsoft.rest.client import KeapRestClient
from syncsvc.ratelimit import Window
from syncsvc.sandbox.infusionsoft import InfusionsoftSandbox
from syncsvc.sandbox.infusionsoft.generator import generate_account
from syncsvc.sync.bundles import read_bundles
from syncsvc.tokens import MemoryTokenStore, token_set_from_response

EVERYTHING = datetime(2000, 1, 1, tzinfo=timezone.utc)


@pytest.fixture
def make_rest(sandbox, sleeps, monkeypatch):
    made: list[KeapRestClient] = []
    monkeypatch.delenv("SYNCSVC_INFUSIONSOFT_REFRESH_TOKEN", raising=False)

    def make(auth: str = "service_key", key: str | None = InfusionsoftSandbox.SERVICE_KEY, token_store=None,
             sleep=None, url: str | None = None, **section) -> KeapRestClient:
        conf = {"api": "rest", "rest_base_url": url or sandbox.rest_url, "auth": auth,
                "token_url": sandbox.token_url, "timeout_seconds": 5.0,
                "requests_per_second": 1000, "requests_per_minute": 100000, **section}
        if key is not None:
            monkeypatch.setenv("SYNCSVC_INFUSIONSOFT_API_KEY", key)
        monkeypatch.setenv("SYNCSVC_INFUSIONSOFT_CLIENT_ID", InfusionsoftSandbox.CLIENT_ID)
        monkeypatch.setenv("SYNCSVC_INFUSIONSOFT_CLIENT_SECRET", InfusionsoftSandbox.CLIENT_SECRET)
        client = KeapRestClient.from_settings(settings_from_dict({"infusionsoft": conf}), token_store,
                                              sleep=sleep or sleeps, random=lambda: 0.5)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


# -- what the engine sees, compared field by field -----------------------------------------------
# Left out of the comparison, because only one API states them: Order.source_type and
# Invoice.currency (REST only); Payment.charge_id, user_id and refund_id (XML-RPC only) and
# order_id (REST only); OrderItem.subscription_plan_id (XML-RPC only); the ids of payment plans and
# installments (REST has none) and the time of day of plan dates (REST states dates).


def same_order(order):
    return replace(order, source_type="")


def same_invoice(invoice):
    return None if invoice is None else replace(invoice, currency="")


def same_payment(payment):
    return replace(payment, charge_id=None, user_id=0, refund_id=None, order_id=None)


def same_item(item):
    return replace(item, subscription_plan_id=None)


def same_plan(plan):
    if plan is None:
        return None
    day = lambda moment: moment.date() if moment else None  # noqa: E731
    return (plan.invoice_id, day(plan.date_due), plan.amount_due, plan.plan_type, day(plan.init_date),
            day(plan.start_date), plan.first_payment_amount,
            tuple((day(i.date_due), i.amount_due, i.status, i.amount_paid) for i in plan.items))


def engine_view(bundle):
    return {
        "order": same_order(bundle.order),
        "invoice": same_invoice(bundle.invoice),
        "order_items": tuple(same_item(i) for i in bundle.order_items),
        "payments": tuple(same_payment(p) for p in bundle.payments),
        "contact": bundle.contact,
        "products": bundle.products,
        "pay_plan": same_plan(bundle.pay_plan),
    }


@pytest.fixture
def account(sandbox):
    return generate_account(sandbox.store, orders=300, seed=7, mix="stress")


def test_a_generated_account_reads_the_same_through_rest_v2_as_through_xmlrpc(make_client, make_rest, account):
    xmlrpc, rest = make_client().source, make_rest().source
    order_ids = sorted(o.id for o in xmlrpc.orders_changed_since(EVERYTHING))
    assert sorted(o.id for o in rest.orders_changed_since(EVERYTHING)) == order_ids

    by_xmlrpc, by_rest = read_bundles(xmlrpc, order_ids), read_bundles(rest, order_ids)
    assert sorted(by_rest) == sorted(by_xmlrpc)
    for order_id, bundle in by_xmlrpc.items():
        assert engine_view(by_rest[order_id]) == engine_view(bundle), f"order {order_id} differs"

    # the account has every case the comparison must cover
    payments = [p for b in by_rest.values() for p in b.payments]
    assert {i.item_type for b in by_rest.values() for i in b.order_items} >= set(range(15))
    assert any(p.is_refund and p.amount < 0 and p.pay_type == "Refund" for p in payments)
    # payments whose id divides by 3 carry no external_transaction_id: their RefNum comes from the CAPTURE
    assert any(p.id % 3 == 0 and p.ref_num for p in payments)
    assert any(p.ref_num is None for p in payments)  # manual payments
    assert any(b.pay_plan is not None for b in by_rest.values())
    assert all(b.invoice.currency == "USD" for b in by_rest.values() if b.invoice)
    assert all(p.order_id == b.order.id for b in by_rest.values() for p in b.payments)
    assert rest.order_detail_reads == 0  # the sandbox's list carries the items


def test_payment_scans_match_xmlrpc(make_client, make_rest, account):
    xmlrpc, rest = make_client().source, make_rest().source
    list(rest.orders_changed_since(EVERYTHING))  # as a cycle does first: invoice ids become known
    after_id = [same_payment(p) for p in xmlrpc.payments_after_id(0)]
    assert [same_payment(p) for p in rest.payments_after_id(0)] == after_id
    assert [p.id for p in rest.payments_after_id(after_id[40].id)] == [p.id for p in after_id[41:]]

    since = after_id[len(after_id) // 2].pay_date
    assert sorted(p.id for p in rest.payments_since(since)) == sorted(p.id for p in xmlrpc.payments_since(since))


def test_a_scan_payment_names_its_order_even_when_the_order_was_not_read(make_rest, account):
    payments = list(make_rest().source.payments_after_id(0))
    assert payments and all(p.order_id for p in payments)
    assert {p.invoice_id for p in payments} == {0}  # no order read yet: the invoice is not known


def test_changed_orders_are_what_xmlrpc_finds_as_changed_orders_or_invoices(make_client, make_rest, account):
    xmlrpc, rest = make_client().source, make_rest().source
    everything = list(xmlrpc.orders_changed_since(EVERYTHING))
    since = sorted(o.last_updated for o in everything)[len(everything) // 2]
    expected = {o.id for o in xmlrpc.orders_changed_since(since)}
    expected |= {i.order_id for i in xmlrpc.invoices_changed_since(since)}
    changed = list(rest.orders_changed_since(since))
    assert {o.id for o in changed} == expected
    assert [o.last_updated for o in changed] == sorted(o.last_updated for o in changed)
    assert list(rest.invoices_changed_since(since)) == []


def test_invoice_lookups_and_allocations(make_client, make_rest, account):
    xmlrpc, rest = make_client().source, make_rest().source
    invoices = xmlrpc.invoices_for_orders(o.id for o in xmlrpc.orders_changed_since(EVERYTHING))
    some = sorted(i.id for i in invoices)[:12]
    assert [same_invoice(i) for i in sorted(rest.invoices_by_ids(some), key=lambda i: i.id)] == \
        sorted(xmlrpc.invoices_by_ids(some), key=lambda i: i.id)

    def allocation(p):
        return p.invoice_id, p.payment_id, p.amount, p.pay_date, p.pay_status

    assert sorted(map(allocation, rest.invoice_payments_for_invoices(some))) == \
        sorted(map(allocation, xmlrpc.invoice_payments_for_invoices(some)))
    assert rest.invoice_items_for_invoices(some) == [] and rest.charges_by_ids([1, 2]) == {}


def test_quickbooks_born_orders_are_marked(make_rest, sandbox, account):
    source = make_rest().source
    order_ids = sorted(o.id for o in source.orders_changed_since(EVERYTHING))
    sandbox.set_order_source_type(order_ids[3], "QUICKBOOKS")
    orders = {o.id: o for o in source.orders_by_ids(order_ids[:10])}
    assert orders[order_ids[3]].source_type == "QUICKBOOKS"
    assert orders[order_ids[4]].source_type != "QUICKBOOKS"


# -- calls -----------------------------------------------------------------------------------------


def test_a_1000_order_backfill_costs_at_most_two_calls_per_hundred_orders(sandbox, make_rest):
    generate_account(sandbox.store, orders=1000, seed=5, mix="stress")
    client = make_rest()
    source = client.source
    before = sandbox.rest_calls

    # the cycle's scans, then the bundles in batches of [sync].batch_size = 1000
    order_ids = {o.id for o in source.orders_changed_since(EVERYTHING)}
    order_ids |= {i.order_id for i in source.invoices_changed_since(EVERYTHING)}
    order_ids |= {p.order_id for p in source.payments_after_id(0) if p.order_id}
    ordered = sorted(order_ids)
    bundles = {}
    for start in range(0, len(ordered), 1000):
        bundles.update(read_bundles(source, ordered[start:start + 1000]))

    calls = sandbox.rest_calls - before
    assert len(bundles) >= 950 and source.order_detail_reads == 0  # the rest were deleted right after entry
    assert client.rest_calls == calls
    print(f"\nREST v2 backfill: {calls} calls for {len(bundles)} orders = {calls / len(bundles):.4f} per order")
    assert calls / len(bundles) <= 0.02


def test_paging_follows_next_page_token(make_client, make_rest, sandbox, account):
    expected = sorted(o.id for o in make_client().source.orders_changed_since(EVERYTHING))
    client = make_rest(page_size=40)
    before = sandbox.rest_calls
    assert sorted(o.id for o in client.source.orders_changed_since(EVERYTHING)) == expected
    assert sandbox.rest_calls - before == -(-len(expected) // 40)


def test_batch_reads_cost_one_call_per_kind(make_rest, sandbox, account):
    source = make_rest().source
    order_ids = sorted(o.id for o in source.orders_changed_since(EVERYTHING))[:200]
    before = sandbox.rest_calls
    read_bundles(source, order_ids)
    # orders, payments, one transaction window (payments with no external id), contacts, products
    assert sandbox.rest_calls - before == 5


# -- failures --------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["http500", "http503", "http429", "blank", "cut", "html"])
@pytest.mark.parametrize("operation", ["listOrders", "listPayments", "listTransactions", "listContacts"])
def test_transient_failures_are_retried_to_success(make_rest, sandbox, sleeps, account, kind, operation):
    order_ids = sorted(o.id for o in make_rest().source.orders_changed_since(EVERYTHING))[:50]
    expected = {k: engine_view(b) for k, b in read_bundles(make_rest().source, order_ids).items()}
    events = []
    unsubscribe = apievents.subscribe(lambda api, event: events.append(event))
    try:
        client = make_rest()
        sandbox.inject(kind, count=2, method=operation)
        got = {k: engine_view(b) for k, b in read_bundles(client.source, order_ids).items()}
    finally:
        unsubscribe()
    assert got == expected
    assert sleeps == [0.5, 0.75]  # backoff with the injected jitter, recorded, not slept
    assert events.count(apievents.CALL) == client.rest_calls == 5 + 2
    assert events.count(apievents.RETRY) == 2
    assert events.count(apievents.THROTTLE) == (2 if kind == "http429" else 0)


def test_retries_run_out_with_an_error_naming_the_operation(make_rest, sandbox, sleeps):
    sandbox.inject("http503", count=10, method="listOrders")
    client = make_rest(max_attempts=3)
    with pytest.raises(InfusionsoftUnavailable) as caught:
        client.source.orders_by_ids([1, 2])
    assert "listOrders" in str(caught.value) and "3 times" in str(caught.value)
    assert client.rest_calls == 3 and len(sleeps) == 2


def test_throttling_that_never_ends_is_reported_as_throttling(make_rest, sandbox, sleeps):
    sandbox.inject("http429", count=10, method="listPayments")
    with pytest.raises(InfusionsoftThrottled, match="listPayments"):
        list(make_rest(max_attempts=2).source.payments_after_id(0))


def test_unreachable_api_names_the_host(make_rest, sleeps):
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/crm"
    with pytest.raises(InfusionsoftUnavailable) as caught:
        make_rest(url=url, max_attempts=2).source.orders_by_ids([1])
    assert url in str(caught.value) and InfusionsoftSandbox.SERVICE_KEY not in str(caught.value)
    assert len(sleeps) == 1


def test_a_bad_request_fails_at_once_naming_the_operation_and_the_filter(make_rest, sleeps):
    client = make_rest()
    with pytest.raises(RestBadRequest) as caught:
        client.caller.call("listOrders", client.caller.orders.list_orders_without_preload_content,
                           filter="no_such_field==1")
    assert "listOrders" in str(caught.value) and "no_such_field==1" in str(caught.value)
    assert sleeps == [] and client.rest_calls == 1


def test_a_missing_order_is_not_found(make_rest, sleeps):
    client = make_rest()
    with pytest.raises(RestNotFound):
        client.caller.call("getOrder", client.caller.orders.get_order_without_preload_content, order_id="999999")
    assert client.source.orders_by_ids([999999]) == [] and sleeps == []


def test_a_refused_service_key_fails_at_once_without_showing_it(make_rest, sleeps):
    client = make_rest(key="KeapAK-revoked-key")
    with pytest.raises(InfusionsoftAuthError) as caught:
        client.source.orders_by_ids([1])
    assert "SYNCSVC_INFUSIONSOFT_API_KEY" in str(caught.value) and "KeapAK-revoked-key" not in str(caught.value)
    assert client.rest_calls == 1 and sleeps == []


def test_oauth_401_refreshes_once_and_stores_the_rotated_token(make_rest, sandbox, account):
    store = MemoryTokenStore(token_set_from_response(sandbox.issue_oauth_tokens()))
    old = store.load()
    sandbox.expire_access_token(old.access_token)
    client = make_rest(auth="oauth", key=None, token_store=store)
    assert len(client.source.orders_by_ids([1, 2, 3])) == 3
    new = store.load()
    assert new.refresh_token != old.refresh_token and new.access_token != old.access_token
    assert store.saves == 1 and client.rest_calls == 2  # refused, then accepted with the new token
    client.source.orders_by_ids([4])
    assert store.saves == 1


def test_oauth_refused_after_the_refresh_asks_for_reconnect(make_rest, sandbox):
    import httpx

    store = MemoryTokenStore(token_set_from_response(sandbox.issue_oauth_tokens()))
    stale = store.load()
    spent = httpx.post(sandbox.token_url, data={"grant_type": "refresh_token", "refresh_token": stale.refresh_token},
                       auth=(sandbox.CLIENT_ID, sandbox.CLIENT_SECRET))
    assert spent.status_code == 200
    sandbox.expire_access_token(stale.access_token)
    client = make_rest(auth="oauth", key=None, token_store=store)
    with pytest.raises(InfusionsoftAuthError, match="SYNCSVC_INFUSIONSOFT_REFRESH_TOKEN"):
        client.source.orders_by_ids([1])
    assert client.rest_calls == 1 and store.reconnect_reason()


def test_client_side_limiter_keeps_under_the_quota(make_rest, monkeypatch):
    with InfusionsoftSandbox(quotas=[Window(5, 1.0)]) as sb:
        monkeypatch.setenv("SYNCSVC_INFUSIONSOFT_API_KEY", sb.SERVICE_KEY)
        client = make_rest(url=sb.rest_url, requests_per_second=5, sleep=time.sleep, max_attempts=1)
        started = time.monotonic()
        for _ in range(7):  # a 429 would fail at once with max_attempts = 1
            assert client.source.orders_by_ids([1]) == []
        assert time.monotonic() - started >= 0.9 and sb.rest_calls == 7


def test_the_client_closes_as_a_context_manager(make_rest):
    with make_rest() as client:
        assert client.source.orders_by_ids([1]) == []
    assert client.zone.key == "America/New_York"


def test_deleted_order_between_list_and_detail_is_left_out(make_rest, sandbox, account, monkeypatch):
    """A list entry without order_items is completed with GET /orders/{id}; a 404 there means deleted."""
    source = make_rest().source
    order_ids = sorted(o.id for o in source.orders_changed_since(EVERYTHING))[:3]
    real_call = source._caller.call

    def list_without_items(operation, send, **params):
        answer = real_call(operation, send, **params)
        if operation == "listOrders":
            for raw in answer.get("orders", []):
                raw.pop("order_items", None)
                if raw["id"] == str(order_ids[1]):
                    raw["id"] = "999999"  # its detail read finds nothing
        return answer

    monkeypatch.setattr(source._caller, "call", list_without_items)
    orders = source.orders_by_ids(order_ids)
    assert [o.id for o in orders] == [order_ids[0], order_ids[2]]
    assert source.order_detail_reads == 3
    assert source.order_items_for_orders([order_ids[0]])  # the detail read brought the items

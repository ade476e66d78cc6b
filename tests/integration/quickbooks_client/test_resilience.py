"""Timeouts, retries on throttling/5xx/odd bodies, refresh on expiry, and unknown write outcomes."""

from __future__ import annotations

import pytest
from quickbooks.objects.customer import Customer
from quickbooks.objects.invoice import Invoice

from syncsvc.quickbooks import lookups, writers
from syncsvc.quickbooks.errors import QuickBooksReconnectRequired, ServerFault

from .builders import customer, invoice, service_item
from .conftest import connect, token_store


@pytest.mark.parametrize("kind", ["http500", "http503_html", "throttle_xml", "throttle_json", "empty_body"])
def test_reads_retry_through_transient_answers(sandbox, realm, company, qb, kind):
    slept = []
    company.retry_policy.sleep = slept.append
    writers.create(qb, customer("Read Me"))
    sandbox.inject(realm, kind, count=2)
    assert [c.DisplayName for c in lookups.paged(qb, Customer)] == ["Read Me"]
    assert len(slept) == 2
    if kind.startswith("throttle"):
        assert min(slept) >= company.settings.throttle_wait_seconds


def test_reads_give_up_after_max_attempts(sandbox, realm, sqlite_url):
    company = connect(sandbox, realm, sqlite_url, max_attempts=3)
    company.retry_policy.sleep = lambda s: None
    sandbox.inject(realm, "http500", count=5)
    with pytest.raises(ServerFault):
        list(lookups.paged(company.client(), Customer))


def test_throttled_write_is_retried_and_lands_once(sandbox, realm, company, qb):
    sandbox.inject(realm, "throttle_json", count=2, entity="Customer")
    writers.create(qb, customer("Throttled Write"))
    assert [c["DisplayName"] for c in sandbox.entities(realm, "Customer")].count("Throttled Write") == 1


@pytest.mark.parametrize("replay", [True, False], ids=["requestid-replay", "no-replay"])
def test_dropped_connection_after_commit_leaves_one_invoice(sandbox, realm, company, qb, replay):
    sandbox.configure(realm=realm, requestid_replay=replay)
    cust = writers.create(qb, customer("Dropped"))
    item = writers.create(qb, service_item(qb, "Drop Item"))
    sandbox.inject(realm, "drop_after_commit", count=1, entity="Invoice")
    created = writers.create(qb, invoice("K-DROP-1", cust, item, "42.00"))
    invoices = sandbox.entities(realm, "Invoice")
    assert [i["DocNumber"] for i in invoices] == ["K-DROP-1"]
    assert created.Id == invoices[0]["Id"]


@pytest.mark.parametrize("kind", ["http500", "http503_html", "empty_body"])
def test_write_with_unknown_outcome_is_looked_up_then_sent_again(sandbox, realm, company, qb, kind):
    sandbox.inject(realm, kind, count=1, entity="Customer")
    made = writers.create(qb, customer("Unknown Outcome"))
    stored = [c for c in sandbox.entities(realm, "Customer") if c["DisplayName"] == "Unknown Outcome"]
    assert len(stored) == 1 and stored[0]["Id"] == made.Id


def test_expired_access_token_is_refreshed_saved_and_used(sandbox, realm, company, qb, sqlite_url):
    writers.create(qb, customer("Before Expiry"))
    before = token_store(sqlite_url, realm).load()
    sandbox.expire_access_tokens(realm)
    assert [c.DisplayName for c in lookups.paged(qb, Customer)] == ["Before Expiry"]
    after = token_store(sqlite_url, realm).load()
    assert after.refresh_token != before.refresh_token and after.access_token != before.access_token
    assert qb.session.access_token == after.access_token
    assert company.tokens.token_calls == 1


def test_token_near_expiry_is_refreshed_before_the_call(sandbox, realm, sqlite_url):
    company = connect(sandbox, realm, sqlite_url, access_ttl_left=60, refresh_margin_seconds=300)
    qb = company.client()
    assert list(lookups.paged(qb, Customer)) == []
    assert company.tokens.token_calls == 1
    assert qb.last_status == 200
    assert token_store(sqlite_url, realm).load().access_valid_for(__import__("datetime").timedelta(seconds=3000))


def test_revoked_refresh_token_asks_for_reconnect_without_a_retry_storm(sandbox, realm, company, qb, sqlite_url):
    sandbox.revoke_refresh_tokens(realm)
    sandbox.expire_access_tokens(realm)
    with pytest.raises(QuickBooksReconnectRequired, match=f"QuickBooks company {realm} needs reconnecting: run `syncsvc connect quickbooks`"):
        list(lookups.paged(qb, Customer))
    calls_after_first = company.tokens.token_calls
    assert calls_after_first == 1
    for _ in range(5):
        with pytest.raises(QuickBooksReconnectRequired):
            list(lookups.paged(company.client(), Customer))
    assert company.tokens.token_calls == calls_after_first
    store = token_store(sqlite_url, realm)
    assert "needs reconnecting" in store.reconnect_reason()
    assert store.load() is not None  # the last token is kept, never deleted

    # Reconnecting (new tokens stored) clears the mark and syncing resumes.
    from syncsvc.tokens import token_set_from_response

    store.save(token_set_from_response(sandbox.issue_tokens(realm)))
    assert list(lookups.paged(qb, Customer)) == []

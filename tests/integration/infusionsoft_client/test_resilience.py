"""Injected failures, quotas, pretty-printed answers and bad characters, against the sandbox."""

from __future__ import annotations

import logging
import socket
import time
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from syncsvc.infusionsoft.errors import InfusionsoftFault, InfusionsoftUnavailable
from syncsvc.infusionsoft.records import Contact, ItemType
from syncsvc.ratelimit import Window
from syncsvc.sandbox.infusionsoft import InfusionsoftSandbox

NY = ZoneInfo("America/New_York")


@pytest.mark.parametrize("kind", ["http500", "http503", "http429", "blank", "truncated", "throttle_fault"])
def test_transient_failures_are_retried_to_success(make_client, sandbox, sleeps, calls, kind):
    sandbox.store.add_contact(FirstName="Ann")
    sandbox.inject(kind, count=2, method="DataService.count")
    assert make_client().data.count("Contact", {}) == 1
    assert calls == ["DataService.count"] * 3
    assert sleeps == [0.5, 0.75]  # exponential backoff with the injected jitter


def test_spurious_invalid_config_fault_is_retried_but_database_error_is_not(make_client, sandbox, sleeps):
    sandbox.inject("fault", fault="[InvalidConfig]The configuration for the application is invalid")
    assert make_client().data.count("Contact", {}) == 0
    sandbox.inject("fault", fault="[DatabaseError]Error returning results")
    with pytest.raises(InfusionsoftFault, match="DatabaseError"):
        make_client().data.count("Contact", {})
    assert len(sleeps) == 1


def test_retries_run_out_with_a_clear_error(make_client, sandbox, calls):
    sandbox.inject("http503", count=10)
    with pytest.raises(InfusionsoftUnavailable) as caught:
        make_client(max_attempts=3).data.count("Contact", {})
    assert sandbox.xmlrpc_url in str(caught.value) and "503" in str(caught.value)
    assert len(calls) == 3


def test_unreachable_api_names_the_url(make_client, sleeps):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/crm/xmlrpc/v1"
    with pytest.raises(InfusionsoftUnavailable) as caught:
        make_client(base_url=url, max_attempts=2).data.count("Contact", {})
    assert url in str(caught.value)
    assert InfusionsoftSandbox.SERVICE_KEY not in str(caught.value)


def test_quota_throttled_run_backs_off_and_loses_nothing(make_client, monkeypatch):
    """The sandbox allows 5 calls a second; a client with no limiter of its own gets 429s and waits them out."""
    with InfusionsoftSandbox(quotas=[Window(5, 1.0)]) as sb:
        contact = sb.store.add_contact(FirstName="Quota")
        product = sb.store.add_product(ProductName="Thing", ProductPrice="1.00")
        monkeypatch.setenv("SYNCSVC_INFUSIONSOFT_API_KEY", sb.SERVICE_KEY)
        client = make_client(base_url=sb.xmlrpc_url, sleep=time.sleep, max_attempts=8)
        started = time.monotonic()
        invoices = []
        for i in range(4):
            invoice = client.invoices.create_blank_order(contact, f"Order {i}", datetime.now(NY))
            client.invoices.add_order_item(invoice, product, ItemType.PRODUCT, Decimal("1.00"), i + 1, "Thing")
            invoices.append(invoice)
        assert time.monotonic() - started >= 0.9  # 8 calls at 5/s: the sixth waits a second
        owed = {inv: client.invoices.calculate_amount_owed(inv) for inv in invoices}
        assert owed == {inv: Decimal(i + 1) for i, inv in enumerate(invoices)}
        assert len(sb.store.rows("Job")) == 4 and len(sb.store.rows("OrderItem")) == 4


def test_client_side_limiter_keeps_under_the_quota(make_client, monkeypatch, calls):
    with InfusionsoftSandbox(quotas=[Window(5, 1.0)]) as sb:
        monkeypatch.setenv("SYNCSVC_INFUSIONSOFT_API_KEY", sb.SERVICE_KEY)
        client = make_client(base_url=sb.xmlrpc_url, requests_per_second=5, sleep=time.sleep, max_attempts=1)
        for _ in range(8):  # a 429 would fail at once with max_attempts = 1
            assert client.data.count("Contact", {}) == 0
        assert len(calls) == 8


def test_pretty_printed_answers_parse(monkeypatch, make_client):
    with InfusionsoftSandbox(pretty=True) as sb:
        monkeypatch.setenv("SYNCSVC_INFUSIONSOFT_API_KEY", sb.SERVICE_KEY)
        contact = sb.store.add_contact(FirstName="Ann", Email="ann@example.com")
        card = sb.store.add_credit_card(contact)
        product = sb.store.add_product(ProductName="Thing", ProductPrice="3.00")
        client = make_client(base_url=sb.xmlrpc_url)
        invoice = client.invoices.create_blank_order(contact, "Pretty", datetime.now(NY))
        assert client.invoices.add_order_item(invoice, product, ItemType.PRODUCT, Decimal("3.00"), 1, "Thing")
        result = client.invoices.charge_invoice(invoice, "pay", card, 1)
        assert result.successful and result.code == "APPROVED" and result.ref_num
        [payment] = client.source.payments_for_invoices([invoice])
        assert payment.ref_num == result.ref_num and payment.pay_date.tzinfo is NY
        assert client.source.contacts_by_ids([contact])[0].email == "ann@example.com"


def test_invalid_characters_in_data_do_not_stop_a_read(make_client, sandbox, caplog):
    good = sandbox.store.add_contact(FirstName="Zoë \U0001F600", LastName="Plain")
    bad = sandbox.store.add_contact(FirstName="Bad\x01Name\x1b", LastName="Ctrl\x0c")
    with caplog.at_level(logging.WARNING, logger="syncsvc.infusionsoft.wire"):
        contacts = {c.id: c for c in make_client().source.contacts_by_ids([good, bad])}
    assert contacts[good].first_name == "Zoë \U0001F600"
    assert (contacts[bad].first_name, contacts[bad].last_name) == ("BadName", "Ctrl")
    assert "invalid in XML" in caplog.text


def test_fields_left_out_of_rows_are_none_or_empty(make_client, sandbox):
    contact = sandbox.store.add_contact(FirstName="Only")
    [row] = make_client().data.query("Contact", {"Id": contact}, Contact.FIELDS)
    assert "Email" not in row  # absent values are omitted, as the API does
    assert make_client().source.contacts_by_ids([contact])[0].email == ""

"""Throttling, concurrency, and every injectable failure, seen through python-quickbooks and httpx."""

from __future__ import annotations

import threading

import httpx
import pytest
from quickbooks.exceptions import QuickbooksException, SevereException, ValidationException
from quickbooks.objects.customer import Customer

from syncsvc.sandbox.quickbooks import QuickBooksSandbox

from .test_entities import new_customer


def test_throttle_429_after_window_fills(sandbox, realm, api):
    sandbox.configure(realm, requests_per_minute=5, window_seconds=0.5)
    statuses = [api.get("/companyinfo/" + realm).status_code for _ in range(7)]
    assert statuses[:5] == [200] * 5 and statuses[5:] == [429, 429]
    fault = api.get("/companyinfo/" + realm).json()["Fault"]
    assert fault["type"] == "SERVICE" and fault["Error"][0]["code"] == "3001"
    threading.Event().wait(0.55)
    assert api.get("/companyinfo/" + realm).status_code == 200


def test_python_quickbooks_sees_throttle_json_as_3001(sandbox, realm, qb):
    sandbox.inject(realm, "throttle_json")
    with pytest.raises(ValidationException) as throttled:
        Customer.all(qb=qb)
    assert throttled.value.error_code == 3001
    assert Customer.all(qb=qb) == []  # only the next request failed


def test_concurrency_cap_answers_429():
    with QuickBooksSandbox(max_in_flight=2, latency=0.3) as sandbox:
        realm = sandbox.create_company()
        token = sandbox.issue_tokens(realm)["access_token"]
        url = f"{sandbox.api_base_url}/company/{realm}/companyinfo/{realm}"
        statuses = []

        def call():
            statuses.append(httpx.get(url, headers={"Authorization": f"Bearer {token}"}).status_code)

        threads = [threading.Thread(target=call) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(statuses) == [200, 200, 429, 429]


@pytest.mark.parametrize("kind, status, content_type", [
    ("http500", 500, "application/json"),
    ("http503_html", 503, "text/html"),
    ("throttle_xml", 429, "application/xml"),
    ("throttle_json", 429, "application/json"),
    ("empty_body", 200, "application/json"),
])
def test_injected_faults_have_qbo_shapes(sandbox, realm, api, kind, status, content_type):
    sandbox.inject(realm, kind, count=2, entity="Customer")
    assert api.get("/companyinfo/" + realm).status_code == 200  # other entities unaffected
    for _ in range(2):
        answer = api.post("/customer", json={"DisplayName": "Never stored"})
        assert answer.status_code == status and answer.headers["Content-Type"].startswith(content_type)
    if kind == "http500":
        assert answer.json()["Fault"]["Error"][0]["code"] == "10000"
    if kind == "throttle_xml":
        assert '<Error code="3001">' in answer.text
    if kind == "empty_body":
        assert answer.content == b""
    assert sandbox.entities(realm, "Customer") == []
    assert api.post("/customer", json={"DisplayName": "Stored"}).status_code == 200


def test_python_quickbooks_on_xml_throttle_and_html(sandbox, realm, qb):
    sandbox.inject(realm, "throttle_xml")
    sandbox.inject(realm, "http503_html")
    sandbox.inject(realm, "http500")
    for _ in range(2):
        with pytest.raises(QuickbooksException) as unreadable:
            Customer.all(qb=qb)
        assert unreadable.value.error_code == 10000
    with pytest.raises(SevereException):
        Customer.all(qb=qb)


def test_drop_after_commit_stores_the_document_and_requestid_recovers_it(sandbox, realm, qb, api):
    sandbox.inject(realm, "drop_after_commit", entity="Customer")
    with pytest.raises(httpx.TransportError):
        api.post("/customer", params={"requestid": "cust-1"}, json={"DisplayName": "Committed"})
    assert [c["DisplayName"] for c in sandbox.entities(realm, "Customer")] == ["Committed"]
    retry = api.post("/customer", params={"requestid": "cust-1"}, json={"DisplayName": "Committed"})
    assert retry.status_code == 200 and retry.json()["Customer"]["Id"] == sandbox.entities(realm, "Customer")[0]["Id"]
    assert len(sandbox.entities(realm, "Customer")) == 1
    plain_retry = api.post("/customer", json={"DisplayName": "Committed"})
    assert plain_retry.json()["Fault"]["Error"][0]["code"] == "6240"


def test_unknown_injection_kind_is_refused(sandbox, realm):
    with pytest.raises(ValueError):
        sandbox.inject(realm, "http418")


def test_counts_by_type(sandbox, realm, qb):
    new_customer(qb)
    counts = sandbox.counts(realm)
    assert counts["Customer"] == 1 and counts["Account"] >= 5 and counts["TaxCode"] == 2

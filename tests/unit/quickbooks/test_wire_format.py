"""What our QuickBooks writes put on the wire: compact JSON, no environment lookups, the configured proxy."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
import requests
from quickbooks.mixins import DecimalEncoder, ToJsonMixin
from quickbooks.objects.base import Ref
from quickbooks.objects.batchrequest import BatchItemRequest, IntuitBatchRequest
from quickbooks.objects.customer import Customer
from quickbooks.objects.detailline import SalesItemLine, SalesItemLineDetail
from quickbooks.objects.invoice import Invoice

import syncsvc.quickbooks.session  # noqa: F401 - installs the compact to_json
from syncsvc.quickbooks.requestids import content_version
from syncsvc.quickbooks.transport import LoopbackAwareOAuth2Session, compact_to_json
from syncsvc.sandbox.httpserver import LoopbackServer, Response


def library_to_json(obj) -> str:
    """python-quickbooks 0.9.12's own ToJsonMixin.to_json (mixins.py), indent=4."""
    return json.dumps(obj, cls=DecimalEncoder, default=obj.json_filter(), sort_keys=True, indent=4)


def invoice() -> Invoice:
    inv = Invoice()
    inv.DocNumber = "10001"
    inv.CustomerRef = Ref()
    inv.CustomerRef.value, inv.CustomerRef.name = "12", "Zoë O'Brien \"Café\" \\ Ltd"
    inv.PrivateNote = "Keap order 10001\nline two"
    inv.Line = []
    for k, price in enumerate(("19.99", "0.10", "-5")):
        line = SalesItemLine()
        line.Amount, line.Description = Decimal(price), f"Widget {k}"
        line.SalesItemLineDetail = SalesItemLineDetail()
        line.SalesItemLineDetail.ItemRef = Ref()
        line.SalesItemLineDetail.ItemRef.value = str(k)
        line.SalesItemLineDetail.Qty = 1.5
        line.SalesItemLineDetail.UnitPrice = Decimal(price)
        inv.Line.append(line)
    return inv


def test_to_json_is_installed_compact_and_says_the_same_as_the_library():
    assert ToJsonMixin.to_json is compact_to_json
    obj = invoice()
    ours, theirs = obj.to_json(), library_to_json(obj)
    assert "\n" not in ours and ": " not in ours.replace('": "', "") and len(ours) < len(theirs) * 0.7
    assert json.loads(ours) == json.loads(theirs)
    # Byte for byte the canonical form requestids hash, so every requestid stays what it was.
    assert ours == json.dumps(json.loads(theirs), sort_keys=True, separators=(",", ":"))
    assert json.loads(ours)["Line"][0]["Amount"] == "19.99"  # Decimal as a JSON string, as the library sends it


def test_requestids_do_not_change(monkeypatch):
    obj = invoice()
    ours = content_version(obj)
    monkeypatch.setattr(ToJsonMixin, "to_json", library_to_json)
    assert content_version(obj) == ours


def test_a_batch_request_body_is_compact_too():
    customer = Customer()
    customer.DisplayName = "Batch Co"
    item = BatchItemRequest()
    item.bId, item.operation = "b1", "create"
    item.set_object(customer)
    batch = IntuitBatchRequest()
    batch.BatchItemRequest.append(item)
    assert "\n" not in batch.to_json()
    assert json.loads(batch.to_json()) == json.loads(library_to_json(batch))


@pytest.fixture
def loopback():
    seen = []

    def app(request):
        seen.append(request)
        return Response(200, "{}", "application/json")

    with LoopbackServer(app) as server:
        yield server, seen


def test_the_session_does_not_read_the_environment_per_request(loopback, monkeypatch):
    server, seen = loopback
    # A proxy from the environment that goes nowhere: requests' default (trust_env) would use it.
    for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(requests.ConnectionError):
        requests.Session().get(server.url + "/v3/x", timeout=5)
    session = LoopbackAwareOAuth2Session("client", token={"access_token": "AT-1"})
    assert session.trust_env is False and session.proxies == {}
    assert session.request("GET", server.url + "/v3/x", timeout=5).status_code == 200
    assert len(seen) == 1


def test_the_configured_proxy_carries_every_call(loopback):
    proxy, seen = loopback
    session = LoopbackAwareOAuth2Session("client", token={"access_token": "AT-1"})
    session.use_proxy(proxy.url)
    assert session.proxies == {"http": proxy.url, "https": proxy.url}
    target = "http://127.0.0.1:1/v3/company/1/query"  # nothing listens there: only the proxy can answer
    assert session.request("GET", target, timeout=5).status_code == 200
    assert seen[0].header("Host") == "127.0.0.1:1" and seen[0].path == "/v3/company/1/query"
    session.use_proxy("")
    assert session.proxies == {}

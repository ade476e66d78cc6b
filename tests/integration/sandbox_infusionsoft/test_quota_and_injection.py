"""Per-credential quotas (HTTP 429 with Apigee bodies and headers) and injected failures."""

from __future__ import annotations

import http.client
import time
import xmlrpc.client
from xml.parsers.expat import ExpatError

import httpx
import pytest

from syncsvc.ratelimit import Window
from syncsvc.sandbox.infusionsoft import InfusionsoftSandbox

from .conftest import proxy

KEY = "placeholder"
CALL = xmlrpc.client.dumps((KEY,), "InvoiceService.getAllPaymentOptions").encode()


def test_quota_429_per_credential_and_recovers():
    with InfusionsoftSandbox(quotas=[Window(20, 2.0)]) as sb:
        with httpx.Client() as client:
            sak = {"X-Keap-API-Key": sb.SERVICE_KEY}
            answers = [client.post(sb.xmlrpc_url, content=CALL, headers=sak) for _ in range(21)]
            assert [a.status_code for a in answers] == [200] * 20 + [429]
            ok, refused = answers[19], answers[20]
            assert ok.headers["x-keap-product-quota-limit"] == "20"
            assert ok.headers["x-keap-product-quota-used"] == "20"
            assert ok.headers["x-keap-product-quota-available"] == "0"
            assert ok.headers["x-keap-product-throttle-time-unit"] == "second"
            assert refused.json()["fault"]["detail"]["errorcode"] == "policies.ratelimit.QuotaViolation"
            assert sb.SERVICE_KEY not in refused.text  # the identifier does not echo the key
            # another credential has its own window
            bearer = {"Authorization": f"Bearer {sb.issue_oauth_tokens()['access_token']}"}
            assert client.post(sb.xmlrpc_url, content=CALL, headers=bearer).status_code == 200
            time.sleep(2.05)
            assert client.post(sb.xmlrpc_url, content=CALL, headers=sak).status_code == 200


def test_spike_arrest_body_for_a_per_second_window():
    with InfusionsoftSandbox(quotas=[Window(3, 1.0), Window(100, 60.0)]) as sb:
        sak = {"X-Keap-API-Key": sb.SERVICE_KEY}
        answers = [httpx.post(sb.xmlrpc_url, content=CALL, headers=sak) for _ in range(4)]
        assert answers[-1].status_code == 429
        assert answers[-1].json()["fault"]["detail"]["errorcode"] == "policies.ratelimit.SpikeArrestViolation"
        assert answers[0].headers["x-keap-product-quota-time-unit"] == "minute"


def test_legacy_overload_is_the_throttling_fault():
    with InfusionsoftSandbox(quotas=[Window(1, 60.0)]) as sb:
        legacy = proxy(sb.legacy_url)
        legacy.InvoiceService.getAllPaymentOptions(sb.LEGACY_KEY)
        with pytest.raises(xmlrpc.client.Fault) as fault:
            legacy.InvoiceService.getAllPaymentOptions(sb.LEGACY_KEY)
        assert "ThrottlingException: Maximum number of threads throttled" in fault.value.faultString


def sak_post(sandbox):
    return httpx.post(sandbox.xmlrpc_url, content=CALL, headers={"X-Keap-API-Key": sandbox.SERVICE_KEY})


@pytest.mark.parametrize("kind, status", [("http500", 500), ("http503", 503), ("http429", 429)])
def test_injected_http_errors_hit_the_next_calls_only(sandbox, kind, status):
    sandbox.inject(kind, count=2)
    assert [sak_post(sandbox).status_code for _ in range(3)] == [status, status, 200]


def test_injected_http429_has_the_json_quota_body(sandbox):
    sandbox.inject("http429")
    assert sak_post(sandbox).json()["fault"]["detail"]["errorcode"] == "policies.ratelimit.QuotaViolation"


def test_injected_blank_and_truncated_answers(sandbox, api, customer):
    contact, _, _ = customer
    sandbox.inject("blank", method="InvoiceService.createBlankOrder")
    assert api.InvoiceService.getAllPaymentOptions(KEY)  # other methods are untouched
    with pytest.raises((xmlrpc.client.ResponseError, ExpatError, http.client.HTTPException)):
        api.InvoiceService.createBlankOrder(KEY, contact, "x", xmlrpc.client.DateTime("20241101T00:00:00"), 0, 0)
    # the call ran even though its answer was lost
    assert sandbox.store.count("Invoice") == 1
    sandbox.inject("truncated")
    response = sak_post(sandbox)
    assert response.status_code == 200 and response.content and not response.text.rstrip().endswith("</methodResponse>")
    with pytest.raises(ExpatError):
        xmlrpc.client.loads(response.content)


def test_injected_faults(sandbox, api):
    sandbox.inject("fault", fault="[DatabaseError]Error returning results")
    with pytest.raises(xmlrpc.client.Fault) as fault:
        api.DataService.count(KEY, "Contact", {"Id": "%"})
    assert (fault.value.faultCode, fault.value.faultString) == (4, "[DatabaseError]Error returning results")
    sandbox.inject("throttle_fault")
    with pytest.raises(xmlrpc.client.Fault) as fault:
        api.DataService.count(KEY, "Contact", {"Id": "%"})
    assert fault.value.faultString.endswith("ThrottlingException: Maximum number of threads throttled")
    assert api.DataService.count(KEY, "Contact", {"Id": "%"}) == 0
    with pytest.raises(ValueError):
        sandbox.inject("explode")

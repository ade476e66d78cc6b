"""REST v2 auth, quota, injected failures and the XML-RPC sunset, over real sockets."""

from __future__ import annotations

import json
import xmlrpc.client
from datetime import datetime, timedelta, timezone

import httpx
import pytest
from keap_core_v2_client.exceptions import ApiException, ServiceException, UnauthorizedException
from pydantic import ValidationError

from syncsvc.ratelimit import Window
from syncsvc.sandbox.infusionsoft import InfusionsoftSandbox

from .conftest import FIXED_NOW, proxy
from .rest_support import apis, rest_get, sdk, shop  # noqa: F401 - fixtures

KEY = "placeholder"
XMLRPC_CALL = xmlrpc.client.dumps((KEY,), "InvoiceService.getAllPaymentOptions").encode()


def xmlrpc_post(sandbox, url=None, headers=None):
    return httpx.post(url or sandbox.xmlrpc_url, content=XMLRPC_CALL,
                      headers=headers if headers is not None else {"X-Keap-API-Key": sandbox.SERVICE_KEY})


# --- auth -------------------------------------------------------------------------------------


def test_every_accepted_credential_reads_orders(sandbox, shop):
    with sdk(sandbox) as by_service_key:  # Authorization: Bearer <service account key>
        assert len(by_service_key.orders.list_orders().orders) == 3
    with sdk(sandbox, sandbox.issue_oauth_tokens()["access_token"]) as by_oauth:
        assert len(by_oauth.orders.list_orders().orders) == 3
    by_header = rest_get(sandbox, "/orders", headers={"X-Keap-API-Key": sandbox.SERVICE_KEY})
    assert by_header.status_code == 200 and len(by_header.json()["orders"]) == 3


def test_bad_or_missing_credentials_are_401(sandbox, shop):
    with sdk(sandbox, "KeapAK-not-a-key") as wrong:
        with pytest.raises(UnauthorizedException) as caught:
            wrong.orders.list_orders()
    assert caught.value.status == 401
    assert json.loads(caught.value.body)["fault"]["detail"]["errorcode"] == "keymanagement.service.invalid_access_token"
    missing = rest_get(sandbox, "/orders", headers={})
    assert missing.status_code == 401 and missing.headers["WWW-Authenticate"] == "Bearer"
    wrong_header = rest_get(sandbox, "/orders", headers={"X-Keap-API-Key": "nope"})
    assert wrong_header.status_code == 401
    assert wrong_header.json()["fault"]["detail"]["errorcode"] == "oauth.v2.InvalidApiKey"
    token = sandbox.issue_oauth_tokens()["access_token"]
    sandbox.expire_access_token(token)
    expired = rest_get(sandbox, "/orders", headers={"Authorization": f"Bearer {token}"})
    assert expired.status_code == 401
    assert expired.json()["fault"]["detail"]["errorcode"] == "keymanagement.service.access_token_expired"


def test_unknown_path_is_404_and_an_unserved_method_501(sandbox):
    unknown = rest_get(sandbox, "/invoices")
    assert unknown.status_code == 404 and unknown.json()["status"] == "NOT_FOUND"
    posted = httpx.post(f"{sandbox.rest_url}/rest/v2/orders", json={},
                        headers={"Authorization": f"Bearer {sandbox.SERVICE_KEY}"})
    assert posted.status_code == 501 and posted.json()["status"] == "UNIMPLEMENTED"


# --- quota ------------------------------------------------------------------------------------


def test_429_with_quota_headers_and_no_retry_after():
    with InfusionsoftSandbox(quotas=[Window(3, 60.0)]) as sb:
        with sdk(sb) as connected:
            answers = [connected.orders.list_orders_with_http_info() for _ in range(3)]
            assert answers[-1].headers["x-keap-product-quota-used"] == "3"
            assert answers[-1].headers["x-keap-product-quota-available"] == "0"
            with pytest.raises(ApiException) as caught:
                connected.sales.list_payments()
        refused = caught.value
        assert refused.status == 429
        assert "Retry-After" not in refused.headers
        assert refused.headers["x-keap-product-quota-limit"] == "3"
        assert refused.headers["x-keap-product-quota-time-unit"] == "minute"
        assert json.loads(refused.body)["fault"]["detail"]["errorcode"] == "policies.ratelimit.QuotaViolation"
        assert sb.SERVICE_KEY not in refused.body


def test_a_key_counts_once_across_both_faces_and_both_headers():
    with InfusionsoftSandbox(quotas=[Window(4, 60.0)]) as sb:
        assert xmlrpc_post(sb).status_code == 200  # X-Keap-API-Key on XML-RPC
        assert rest_get(sb, "/orders", headers={"X-Keap-API-Key": sb.SERVICE_KEY}).status_code == 200
        assert rest_get(sb, "/orders").status_code == 200  # Bearer <key>
        assert xmlrpc_post(sb).status_code == 200
        assert rest_get(sb, "/orders").status_code == 429
        assert xmlrpc_post(sb).status_code == 429
        oauth = {"Authorization": f"Bearer {sb.issue_oauth_tokens()['access_token']}"}
        assert rest_get(sb, "/orders", headers=oauth).status_code == 200  # a credential of its own


def test_quota_headers_are_on_errors_too(sandbox):
    for response in (rest_get(sandbox, "/orders", {"filter": "nope==1"}), rest_get(sandbox, "/orders/404")):
        assert response.status_code in (400, 404)
        assert int(response.headers["x-keap-product-quota-used"]) >= 1
        assert "x-keap-product-throttle-limit" in response.headers


# --- injected failures ------------------------------------------------------------------------


@pytest.mark.parametrize("kind, status", [("http500", 500), ("http503", 503)])
def test_injected_server_errors_fail_the_next_calls_then_clear(sandbox, shop, apis, kind, status):
    sandbox.inject(kind, count=2, method="listOrders")
    for _ in range(2):
        with pytest.raises(ServiceException) as caught:
            apis.orders.list_orders()
        assert caught.value.status == status
    assert len(apis.orders.list_orders().orders) == 3


def test_injected_500_has_the_error_body_and_503_the_gateway_body(sandbox, shop):
    sandbox.inject("http500")
    assert rest_get(sandbox, "/orders").json() == {
        "code": 500, "message": "Internal Server Error", "status": "INTERNAL", "details": []}
    sandbox.inject("http503")
    assert rest_get(sandbox, "/orders").json()["fault"]["faultstring"] == "The Service is temporarily unavailable"


def test_injected_429_has_quota_headers_and_no_retry_after(sandbox, shop, apis):
    sandbox.inject("http429", method="listPayments")
    with pytest.raises(ApiException) as caught:
        apis.sales.list_payments()
    assert caught.value.status == 429
    assert "Retry-After" not in caught.value.headers
    assert "x-keap-product-quota-limit" in caught.value.headers


def test_injections_target_one_operation_and_count_only_calls_that_ran(sandbox, shop, apis):
    sandbox.inject("http500", count=1, method="listPayments")
    before_rest, before_xmlrpc = sandbox.rest_calls, sandbox.calls
    assert len(apis.orders.list_orders().orders) == 3  # another operation is untouched
    with pytest.raises(ServiceException):
        apis.sales.list_payments()
    assert len(apis.sales.list_payments().payments) == 4
    assert sandbox.rest_calls == before_rest + 2  # the refused call never reached a handler
    assert sandbox.calls == before_xmlrpc  # REST calls are not XML-RPC calls
    proxy(sandbox.xmlrpc_url, [("X-Keap-API-Key", sandbox.SERVICE_KEY)]).InvoiceService.getAllPaymentOptions(KEY)
    assert (sandbox.calls, sandbox.rest_calls) == (before_xmlrpc + 1, before_rest + 2)


def test_xmlrpc_only_injections_are_left_for_xmlrpc(sandbox, shop, apis):
    sandbox.inject("fault", fault="[DatabaseError]Error returning results")
    sandbox.inject("http500", method="DataService.query")
    assert len(apis.orders.list_orders().orders) == 3
    api = proxy(sandbox.xmlrpc_url, [("X-Keap-API-Key", sandbox.SERVICE_KEY)])
    with pytest.raises(xmlrpc.client.Fault):
        api.DataService.count(KEY, "Job", {"Id": "%"})
    with pytest.raises(xmlrpc.client.ProtocolError):
        api.DataService.query(KEY, "Job", 10, 0, {"Id": "%"}, ["Id"])


def test_blank_cut_and_html_answers(sandbox, shop, apis):
    whole = rest_get(sandbox, "/sales/payments").content
    ran = sandbox.rest_calls
    sandbox.inject("blank", method="listPayments")
    blank = rest_get(sandbox, "/sales/payments")
    assert (blank.status_code, blank.content) == (200, b"")
    sandbox.inject("cut", method="listPayments")
    cut = rest_get(sandbox, "/sales/payments")
    assert cut.status_code == 200 and cut.content and whole.startswith(cut.content) and cut.content != whole
    with pytest.raises(ValueError):
        json.loads(cut.content)
    assert sandbox.rest_calls == ran + 2  # garbled answers come from calls that ran
    sandbox.inject("html", method="listPayments")
    page = rest_get(sandbox, "/sales/payments")
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert page.text.lstrip().lower().startswith("<!doctype html>")
    # what a client reading through the SDK sees
    sandbox.inject("blank", method="listOrders")
    with pytest.raises(ValidationError):
        apis.orders.list_orders()
    sandbox.inject("cut", method="listOrders")
    with pytest.raises(ValueError):
        apis.orders.list_orders()
    sandbox.inject("html", method="listOrders")
    with pytest.raises(ValidationError):
        apis.orders.list_orders()
    assert len(apis.orders.list_orders().orders) == 3


# --- the XML-RPC sunset -------------------------------------------------------------------------


def test_xmlrpc_answers_410_from_the_switch_off_and_rest_carries_on(sandbox, shop, clock):
    sandbox.set_xmlrpc_off_from(FIXED_NOW + timedelta(minutes=5))
    try:
        assert xmlrpc_post(sandbox).status_code == 200  # not yet
        clock.now = FIXED_NOW + timedelta(minutes=5)
        retired = xmlrpc_post(sandbox)
        assert retired.status_code == 410
        message = retired.json()["fault"]["faultstring"]
        assert "XML-RPC" in message and "REST v2" in message
        assert xmlrpc_post(sandbox, sandbox.legacy_url).status_code == 410
        assert xmlrpc_post(sandbox, headers={}).status_code == 410  # before auth
        with sdk(sandbox) as connected:
            assert len(connected.orders.list_orders().orders) == 3
        assert sandbox.issue_oauth_tokens()["access_token"]
    finally:
        sandbox.set_xmlrpc_off_from(None)
    assert xmlrpc_post(sandbox).status_code == 200


def test_brownout_windows_answer_503_on_xmlrpc_only(clock):
    start = FIXED_NOW + timedelta(hours=1)
    with InfusionsoftSandbox(clock=clock, brownouts=[(start, start + timedelta(hours=4))]) as sb:
        assert xmlrpc_post(sb).status_code == 200
        clock.now = start + timedelta(hours=2)
        inside = xmlrpc_post(sb)
        assert inside.status_code == 503
        assert inside.json()["fault"]["faultstring"] == "The Service is temporarily unavailable"
        assert rest_get(sb, "/orders").status_code == 200
        clock.now = start + timedelta(hours=4)  # windows are [start, end)
        assert xmlrpc_post(sb).status_code == 200


def test_sunset_settings_need_aware_times():
    naive = datetime(2026, 12, 31)
    with pytest.raises(ValueError):
        InfusionsoftSandbox(xmlrpc_off_from=naive)
    aware = datetime(2026, 12, 31, tzinfo=timezone.utc)
    with pytest.raises(ValueError):
        InfusionsoftSandbox(brownouts=[(aware, naive)])
    with pytest.raises(ValueError):
        InfusionsoftSandbox(brownouts=[(aware, aware - timedelta(hours=1))])

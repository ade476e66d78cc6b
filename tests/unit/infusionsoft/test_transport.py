"""Retry classification, backoff arithmetic, auth headers and error messages."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import httpx
import pytest

from syncsvc.infusionsoft import errors
from syncsvc.infusionsoft.auth import LegacyKeyAuth, OAuthAuth
from syncsvc.infusionsoft.retrying import RetryPolicy
from syncsvc.tokens import MemoryTokenStore, TokenSet

from .conftest import URL, fault_xml, response_xml

OK = response_xml(7)


def test_5xx_blank_truncated_and_throttles_retry_with_exponential_jittered_backoff(api, make_transport, sleeps):
    api.answer(b"oops", status=503)
    api.answer(b"")  # blank 200
    api.answer(OK[:40])  # truncated 200
    api.answer(fault_xml(1, "[InvalidConfig]The configuration is invalid"))
    api.answer(fault_xml(3, "Server encountered exception: com.infusionsoft.throttle.ThrottlingException: x"))
    api.answer(OK)
    transport = make_transport(max_attempts=6, random=lambda: 0.5)
    assert transport.call("DataService.count", "Job", {"Id": "%"}) == 7
    # backoff 0.5 * 2**(n-1), capped at 8, times 0.75 (jitter with random() = 0.5), floored at 0.5
    assert sleeps == [0.5, 0.75, 1.5, 3.0, 6.0]


def test_jitter_uses_the_injected_randomness(api, make_transport, sleeps):
    api.answer(b"", status=500).answer(b"", status=500).answer(OK)
    make_transport(random=lambda: 1.0).call("DataService.count", "Job", {})
    assert sleeps == [0.5, 1.0]


def test_429_honours_retry_after(api, make_transport, sleeps):
    body = b'{"fault":{"faultstring":"Rate limit quota violation","detail":{"errorcode":"policies.ratelimit.QuotaViolation"}}}'
    api.answer(body, status=429, headers={"Retry-After": "7"})
    api.answer(body, status=429)  # no header: normal backoff
    api.answer(OK)
    assert make_transport().call("DataService.count", "Job", {}) == 7
    assert sleeps == [7.0, 0.75]


def test_network_errors_retry_then_name_the_url(api, make_transport, sleeps):
    for _ in range(3):
        api.fail(httpx.ConnectError("connection refused"))
    with pytest.raises(errors.InfusionsoftUnavailable) as caught:
        make_transport(max_attempts=3).call("DataService.count", "Job", {})
    assert URL in str(caught.value)
    assert "3 times" in str(caught.value)
    assert len(api.requests) == 3 and len(sleeps) == 2


def test_timeouts_are_retried_and_reported(api, make_transport):
    api.fail(httpx.ReadTimeout("slow")).answer(OK)
    assert make_transport().call("DataService.count", "Job", {}) == 7
    api.fail(httpx.ReadTimeout("slow")).fail(httpx.ReadTimeout("slow"))
    with pytest.raises(errors.InfusionsoftUnavailable, match="within 5 s"):
        make_transport(max_attempts=2).call("DataService.count", "Job", {})


@pytest.mark.parametrize(
    "fault, cls",
    [
        ("[NoFieldFound]No field found: Job.Nope", errors.NoSuchFieldFault),
        ("[NoFieldAccess]No field access: CCharge.CCId", errors.NoAccessFault),
        ("[InvalidParameter]bad", errors.InvalidParameterFault),
        ("[RecordNotFound]Record was not found", errors.RecordNotFoundFault),
        ("No method matching arguments: java.lang.String, java.lang.String", errors.MethodSignatureFault),
    ],
)
def test_permanent_faults_fail_at_once(api, make_transport, sleeps, fault, cls):
    api.answer(fault_xml(5, fault))
    with pytest.raises(cls):
        make_transport().call("DataService.load", "Job", 1, ["Id"])
    assert len(api.requests) == 1 and sleeps == []


def test_rejected_service_key_says_what_to_do_and_hides_the_key(api, make_transport, sleeps):
    api.answer(b"Unauthorized", status=401)
    with pytest.raises(errors.InfusionsoftAuthError) as caught:
        make_transport().call("DataService.count", "Job", {})
    message = str(caught.value)
    assert "SYNCSVC_INFUSIONSOFT_API_KEY" in message and "replace the one we have on file" in message
    assert "KeapAK-unit-secret" not in message
    assert caught.value.__cause__ is None and sleeps == []
    assert api.requests[0].headers["X-Keap-API-Key"] == "KeapAK-unit-secret"


def test_legacy_key_goes_in_the_first_parameter_and_invalid_key_fault_is_an_auth_error(api, make_transport):
    api.answer(fault_xml(2, "[InvalidKey]Invalid Key"))
    with pytest.raises(errors.InfusionsoftAuthError) as caught:
        make_transport(auth=LegacyKeyAuth("legacy-secret")).call("DataService.count", "Job", {})
    assert "please obtain an API key from Infusionsoft" in str(caught.value)
    assert "legacy-secret" not in str(caught.value)
    assert api.calls()[0][1][0] == "legacy-secret"
    assert "X-Keap-API-Key" not in api.requests[0].headers and "Authorization" not in api.requests[0].headers


def test_unexpected_status_is_not_retried(api, make_transport):
    api.answer(b"nope", status=404)
    with pytest.raises(errors.HttpStatusError, match="404"):
        make_transport().call("DataService.count", "Job", {})


def test_retry_policy_caps():
    policy = RetryPolicy(initial_delay=1.0, max_delay=10.0, max_retry_after=30.0)
    assert policy.delay(10, None, lambda: 1.0) == 10.0
    assert policy.delay(1, errors.InfusionsoftThrottled("x", retry_after=500), lambda: 0.0) == 30.0


# --- OAuth -------------------------------------------------------------------------

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=timezone.utc)


def oauth(api, store, margin=timedelta(hours=4)):
    http = httpx.Client(transport=httpx.MockTransport(api.handler))
    return OAuthAuth(store, "cid", "csecret", "https://api.example.test/token", http, refresh_margin=margin, now=lambda: NOW)


def token_answer(access: str, refresh: str) -> bytes:
    import json

    return json.dumps({"access_token": access, "refresh_token": refresh, "expires_in": 86400, "token_type": "bearer"}).encode()


def test_401_refreshes_once_persisting_the_rotated_token_before_use(api, make_transport):
    store = MemoryTokenStore(TokenSet("old-access", "refresh-1", NOW + timedelta(hours=20)))
    seen_store_at_retry = []
    api.answer(b"Unauthorized", status=401)
    api.answer(token_answer("new-access", "refresh-2"))
    original = api.handler

    def spy(request):
        if request.headers.get("Authorization") == "Bearer new-access":
            seen_store_at_retry.append(store.load().refresh_token)
        return original(request)

    api.handler = spy
    api.answer(OK)
    transport = make_transport(auth=oauth(api, store))
    assert transport.call("DataService.count", "Job", {}) == 7
    assert seen_store_at_retry == ["refresh-2"]  # committed before the new access token went out
    token_request = api.requests[1]
    assert token_request.headers["Authorization"].startswith("Basic ")
    assert b"grant_type=refresh_token" in token_request.content and b"refresh_token=refresh-1" in token_request.content


def test_second_401_after_refresh_fails(api, make_transport, sleeps):
    store = MemoryTokenStore(TokenSet("old-access", "refresh-1", NOW + timedelta(hours=20)))
    api.answer(b"", status=401).answer(token_answer("new-access", "refresh-2")).answer(b"", status=401)
    with pytest.raises(errors.InfusionsoftAuthError, match="SYNCSVC_INFUSIONSOFT_REFRESH_TOKEN"):
        make_transport(auth=oauth(api, store)).call("DataService.count", "Job", {})
    assert len(api.requests) == 3 and sleeps == []


def test_token_near_expiry_is_refreshed_before_the_call(api, make_transport):
    store = MemoryTokenStore(TokenSet("old-access", "refresh-1", NOW + timedelta(hours=3)))
    api.answer(token_answer("new-access", "refresh-2")).answer(OK)
    make_transport(auth=oauth(api, store)).call("DataService.count", "Job", {})
    assert api.requests[1].headers["Authorization"] == "Bearer new-access"
    assert store.saves == 1


def test_reused_refresh_token_marks_reconnect(api, make_transport):
    store = MemoryTokenStore(TokenSet("", "used-refresh", NOW - timedelta(seconds=1)))
    api.answer(b'{"error":"invalid_grant","error_description":"Invalid refresh token"}', status=400)
    with pytest.raises(errors.InfusionsoftAuthError) as caught:
        make_transport(auth=oauth(api, store)).call("DataService.count", "Job", {})
    assert "SYNCSVC_INFUSIONSOFT_REFRESH_TOKEN" in str(caught.value) and "used-refresh" not in str(caught.value)
    assert store.reconnect_reason()
    # later calls fail fast without spending the dead token again
    with pytest.raises(errors.InfusionsoftAuthError, match="reconnecting"):
        make_transport(auth=oauth(api, store)).call("DataService.count", "Job", {})
    assert len(api.requests) == 1


AFTER_SUNSET = datetime(2027, 1, 1, 9, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize("status", [404, 410])
def test_after_the_sunset_a_gone_endpoint_is_one_line_naming_the_setting(api, make_transport, sleeps, status):
    api.answer(b"Gone", status=status)
    with pytest.raises(errors.XmlRpcRetired) as caught:
        make_transport(now=lambda: AFTER_SUNSET).call("DataService.count", "Job", {})
    message = str(caught.value)
    assert '[infusionsoft].api = "rest"' in message and str(status) in message and "\n" not in message
    assert sleeps == []  # switched off for good: not retried


def test_410_means_switched_off_even_before_the_date(api, make_transport):
    api.answer(b"Gone", status=410)
    with pytest.raises(errors.XmlRpcRetired):
        make_transport().call("DataService.count", "Job", {})


def test_a_brownout_before_the_sunset_is_retried_like_any_outage(api, make_transport, sleeps):
    api.answer(b"", status=503).answer(b"", status=503).answer(OK)
    assert make_transport().call("DataService.count", "Job", {}) == 7
    assert len(sleeps) == 2


def test_an_outage_that_outlasts_the_retries_after_the_sunset_names_the_setting(api, make_transport):
    for _ in range(2):
        api.fail(httpx.ConnectError("connection refused"))
    with pytest.raises(errors.XmlRpcRetired) as caught:
        make_transport(max_attempts=2, now=lambda: AFTER_SUNSET).call("DataService.count", "Job", {})
    assert '[infusionsoft].api = "rest"' in str(caught.value)

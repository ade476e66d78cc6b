"""Service keys, OAuth bearer tokens (header and query), legacy keys, and the token endpoint."""

from __future__ import annotations

import json
import xmlrpc.client
from datetime import timedelta

import httpx
import pytest

from .conftest import proxy

KEY = "placeholder"
CALL = xmlrpc.client.dumps((KEY,), "InvoiceService.getAllPaymentOptions").encode()


def post(sandbox, headers=None, params=None):
    return httpx.post(sandbox.xmlrpc_url, content=CALL, headers=headers or {}, params=params)


def assert_401_not_xml(response, errorcode):
    assert response.status_code == 401
    assert not response.text.lstrip().startswith("<")
    assert response.json()["fault"]["detail"]["errorcode"] == errorcode


def test_service_key_header(sandbox):
    assert proxy(sandbox.xmlrpc_url, [("X-Keap-API-Key", sandbox.SERVICE_KEY)]).InvoiceService.getAllPaymentOptions(KEY)
    assert_401_not_xml(post(sandbox, {"X-Keap-API-Key": "KeapAK-wrong"}), "oauth.v2.InvalidApiKey")
    with pytest.raises(xmlrpc.client.ProtocolError) as refused:
        proxy(sandbox.xmlrpc_url, [("X-Keap-API-Key", "KeapAK-wrong")]).InvoiceService.getAllPaymentOptions(KEY)
    assert refused.value.errcode == 401


def test_no_credentials_is_401(sandbox):
    assert post(sandbox).status_code == 401


def test_bearer_header_and_access_token_query(sandbox, clock):
    tokens = sandbox.issue_oauth_tokens()
    assert tokens["expires_in"] == 86400 and tokens["token_type"] == "bearer"
    bearer = proxy(sandbox.xmlrpc_url, [("Authorization", f"Bearer {tokens['access_token']}")])
    assert "Check" in bearer.InvoiceService.getAllPaymentOptions(KEY)
    by_query = proxy(f"{sandbox.xmlrpc_url}?access_token={tokens['access_token']}")
    assert "Check" in by_query.InvoiceService.getAllPaymentOptions(KEY)
    assert_401_not_xml(post(sandbox, {"Authorization": "Bearer not-a-token"}),
                       "keymanagement.service.invalid_access_token")
    # valid for 24 hours on the sandbox clock
    clock.now += timedelta(hours=23, minutes=59)
    assert post(sandbox, {"Authorization": f"Bearer {tokens['access_token']}"}).status_code == 200
    clock.now += timedelta(minutes=2)
    assert_401_not_xml(post(sandbox, params={"access_token": tokens["access_token"]}),
                       "keymanagement.service.access_token_expired")


def test_expire_access_token(sandbox):
    token = sandbox.issue_oauth_tokens()["access_token"]
    sandbox.expire_access_token(token)
    assert_401_not_xml(post(sandbox, {"Authorization": f"Bearer {token}"}), "keymanagement.service.access_token_expired")


def refresh(sandbox, refresh_token, **kwargs):
    return httpx.post(sandbox.token_url, data={"grant_type": "refresh_token", "refresh_token": refresh_token}, **kwargs)


def test_refresh_rotates_and_the_old_refresh_token_dies(sandbox):
    first = sandbox.issue_oauth_tokens()
    basic = (sandbox.CLIENT_ID, sandbox.CLIENT_SECRET)
    response = refresh(sandbox, first["refresh_token"], auth=basic)
    assert response.status_code == 200
    second = response.json()
    assert second["refresh_token"] != first["refresh_token"] and second["expires_in"] == 86400
    assert post(sandbox, {"Authorization": f"Bearer {second['access_token']}"}).status_code == 200
    reused = refresh(sandbox, first["refresh_token"], auth=basic)
    assert reused.status_code == 400
    assert reused.json() == {"error": "invalid_grant", "error_description": "Invalid refresh token"}
    # client credentials in the body work too, and the rotated token is still good once
    third = httpx.post(sandbox.token_url, data={
        "grant_type": "refresh_token", "refresh_token": second["refresh_token"],
        "client_id": sandbox.CLIENT_ID, "client_secret": sandbox.CLIENT_SECRET,
    })
    assert third.status_code == 200


def test_token_endpoint_rejects_bad_clients_and_grants(sandbox):
    tokens = sandbox.issue_oauth_tokens()
    bad_client = refresh(sandbox, tokens["refresh_token"], auth=(sandbox.CLIENT_ID, "wrong"))
    assert bad_client.status_code == 401 and bad_client.json()["error"] == "invalid_client"
    odd = httpx.post(sandbox.token_url, data={"grant_type": "password"}, auth=(sandbox.CLIENT_ID, sandbox.CLIENT_SECRET))
    assert odd.status_code == 400 and odd.json()["error"] == "unsupported_grant_type"


def test_authorization_code_grant_is_single_use(sandbox):
    code = sandbox.authorization_code()
    basic = (sandbox.CLIENT_ID, sandbox.CLIENT_SECRET)
    granted = httpx.post(sandbox.token_url, data={"grant_type": "authorization_code", "code": code}, auth=basic)
    assert granted.status_code == 200 and json.loads(granted.text)["access_token"]
    again = httpx.post(sandbox.token_url, data={"grant_type": "authorization_code", "code": code}, auth=basic)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"


def test_legacy_endpoint_can_be_switched_off(sandbox):
    legacy = proxy(sandbox.legacy_url)
    assert legacy.InvoiceService.getAllPaymentOptions(sandbox.LEGACY_KEY)
    sandbox.legacy_enabled = False
    try:
        with pytest.raises(xmlrpc.client.Fault) as fault:
            legacy.InvoiceService.getAllPaymentOptions(sandbox.LEGACY_KEY)
    finally:
        sandbox.legacy_enabled = True
    assert fault.value.faultString == "[InvalidKey]Invalid Key"

"""intuit-oauth's AuthClient against the sandbox: discovery, code grant, rotation, reuse, revoke, 401s."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from intuitlib.client import AuthClient
from intuitlib.enums import Scopes
from intuitlib.exceptions import AuthClientError
from quickbooks.exceptions import AuthorizationException
from quickbooks.objects.customer import Customer

from syncsvc.sandbox.quickbooks import QuickBooksSandbox

from .conftest import REDIRECT_URI, make_client


def auth_client(sandbox, **tokens) -> AuthClient:
    return AuthClient(QuickBooksSandbox.CLIENT_ID, QuickBooksSandbox.CLIENT_SECRET, REDIRECT_URI,
                      environment=sandbox.discovery_url, **tokens)


def test_discovery_document_points_auth_client_at_the_sandbox(sandbox):
    client = auth_client(sandbox)
    assert client.token_endpoint == sandbox.token_url
    assert client.auth_endpoint == sandbox.authorize_url
    assert client.revoke_endpoint == sandbox.revoke_url
    assert client.issuer_uri.startswith(sandbox.url) and client.jwks_uri.startswith(sandbox.url)
    assert client.user_info_url.startswith(sandbox.url)


def test_authorization_code_flow_redirects_with_code_state_and_realm(sandbox, realm):
    client = auth_client(sandbox)
    url = client.get_authorization_url([Scopes.ACCOUNTING], state_token="xyz")
    answer = httpx.get(url, follow_redirects=False)
    assert answer.status_code == 302
    query = parse_qs(urlsplit(answer.headers["Location"]).query)
    assert query["state"] == ["xyz"] and query["realmId"] == [realm]
    client.get_bearer_token(query["code"][0], realm_id=realm)
    assert client.access_token and client.refresh_token
    assert client.expires_in == 3600 and client.x_refresh_token_expires_in == 8726400
    with pytest.raises(AuthClientError) as reused:
        auth_client(sandbox).get_bearer_token(query["code"][0], realm_id=realm)
    assert reused.value.status_code == 400 and b"invalid_grant" in reused.value.content


def test_refresh_rotates_and_the_old_refresh_token_is_refused(sandbox, realm):
    first = sandbox.issue_tokens(realm)
    client = auth_client(sandbox)
    client.refresh(refresh_token=first["refresh_token"])
    assert client.refresh_token != first["refresh_token"]
    assert client.access_token != first["access_token"]
    with pytest.raises(AuthClientError) as reused:
        auth_client(sandbox).refresh(refresh_token=first["refresh_token"])
    assert reused.value.status_code == 400
    assert reused.value.content == b'{"error": "invalid_grant"}'
    client.refresh()  # the rotated one still works, once
    assert client.refresh_token


def test_wrong_client_secret_is_refused(sandbox, realm):
    tokens = sandbox.issue_tokens(realm)
    client = AuthClient(QuickBooksSandbox.CLIENT_ID, "wrong", REDIRECT_URI, environment=sandbox.discovery_url)
    with pytest.raises(AuthClientError) as refused:
        client.refresh(refresh_token=tokens["refresh_token"])
    assert refused.value.status_code == 401


def test_revoked_refresh_tokens_are_refused(sandbox, realm):
    tokens = sandbox.issue_tokens(realm)
    sandbox.revoke_refresh_tokens(realm)
    with pytest.raises(AuthClientError):
        auth_client(sandbox).refresh(refresh_token=tokens["refresh_token"])
    other = sandbox.issue_tokens(realm)
    client = auth_client(sandbox, refresh_token=other["refresh_token"])
    assert client.revoke(token=other["refresh_token"]) is True
    with pytest.raises(AuthClientError):
        client.refresh(refresh_token=other["refresh_token"])


def test_expired_access_token_gets_qbo_401_envelope(sandbox, realm, api):
    sandbox.expire_access_tokens(realm)
    answer = api.get("/customer/1")
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"] == 'Bearer realm="Intuit", error="invalid_token"'
    error = answer.json()["fault"]["error"][0]
    assert error["code"] == "3200" and answer.json()["fault"]["type"] == "AUTHENTICATION"
    assert "Token expired" in error["detail"]


def test_python_quickbooks_sees_401_as_authorization_exception(sandbox, realm, insecure_loopback):
    client = make_client(sandbox, realm)
    sandbox.expire_access_tokens(realm)
    with pytest.raises(AuthorizationException) as failed:
        Customer.all(qb=client)
    assert failed.value.error_code == 401


def test_token_of_one_company_cannot_call_another(sandbox, realm):
    other = sandbox.create_company("Other Co")
    token = sandbox.issue_tokens(realm)["access_token"]
    answer = httpx.get(f"{sandbox.api_base_url}/company/{other}/customer/1",
                       headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 401


def test_access_token_ttl_is_configurable():
    clock = [1_000_000.0]
    with QuickBooksSandbox(access_token_ttl=60, clock=lambda: clock[0]) as sandbox:
        realm = sandbox.create_company()
        tokens = sandbox.issue_tokens(realm)
        assert tokens["expires_in"] == 60
        url = f"{sandbox.api_base_url}/company/{realm}/companyinfo/{realm}"
        headers = {"Authorization": f"Bearer {tokens['access_token']}"}
        assert httpx.get(url, headers=headers).status_code == 200
        clock[0] += 61
        assert httpx.get(url, headers=headers).status_code == 401

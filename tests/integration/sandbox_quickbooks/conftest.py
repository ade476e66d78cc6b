"""A running QBO sandbox, a company in it, and python-quickbooks / httpx clients pointed at it."""

from __future__ import annotations

import httpx
import pytest
from intuitlib.client import AuthClient
from quickbooks import QuickBooks

from syncsvc.sandbox.quickbooks import QuickBooksSandbox

REDIRECT_URI = "http://127.0.0.1:8725/callback"


@pytest.fixture(scope="session")
def sandbox():
    """One server for the session; every test gets its own company (realm) in it."""
    with QuickBooksSandbox() as qb:
        yield qb


@pytest.fixture
def realm(sandbox):
    return sandbox.create_company("Test Company")


@pytest.fixture
def insecure_loopback(monkeypatch):
    # requests-oauthlib refuses plain http unless told otherwise; the sandbox is http on 127.0.0.1.
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")


def make_client(sandbox, realm) -> QuickBooks:
    tokens = sandbox.issue_tokens(realm)
    auth = AuthClient(QuickBooksSandbox.CLIENT_ID, QuickBooksSandbox.CLIENT_SECRET, REDIRECT_URI,
                      environment=sandbox.discovery_url, access_token=tokens["access_token"],
                      refresh_token=tokens["refresh_token"])
    client = QuickBooks(auth_client=auth, refresh_token=tokens["refresh_token"], company_id=realm,
                        minorversion=75)
    client.api_url_v3 = sandbox.api_base_url
    return client


@pytest.fixture
def qb(sandbox, realm, insecure_loopback) -> QuickBooks:
    return make_client(sandbox, realm)


@pytest.fixture
def api(sandbox, realm):
    """httpx client for raw calls: base URL is the company, bearer token set."""
    token = sandbox.issue_tokens(realm)["access_token"]
    with httpx.Client(base_url=f"{sandbox.api_base_url}/company/{realm}",
                      headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
                      params={"minorversion": "75"}) as client:
        yield client

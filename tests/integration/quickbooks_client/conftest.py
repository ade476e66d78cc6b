"""A running QuickBooks sandbox and our client layer pointed at it (real sockets, real libraries)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from syncsvc.config import settings_from_dict
from syncsvc.quickbooks.client import open_company
from syncsvc.store.db import upgrade
from syncsvc.store.tokens import SqlTokenStore, TokenCipher
from syncsvc.tokens import token_set_from_response, utcnow

PASSPHRASE = "integration-test-key"


def qb_settings(sandbox, database_url: str, **quickbooks):
    values = {
        "api_base_url": sandbox.api_base_url,
        "discovery_url": sandbox.discovery_url,
        "timeout_seconds": 5.0,
        "throttle_wait_seconds": 0.05,
        "backoff_base_seconds": 0.01,
        "backoff_max_seconds": 0.2,
        **quickbooks,
    }
    return settings_from_dict({"quickbooks": values, "state": {"database_url": database_url}})


def token_store(database_url: str, realm: str) -> SqlTokenStore:
    return SqlTokenStore(database_url, connection="default", provider="quickbooks", account=realm,
                         cipher=TokenCipher(PASSPHRASE))


def connect(sandbox, realm: str, database_url: str, *, access_ttl_left: float | None = None, **quickbooks):
    """Store freshly issued tokens for `realm` and open the company through our layer."""
    upgrade(database_url)
    issued = sandbox.issue_tokens(realm)
    tokens = token_set_from_response(issued)
    if access_ttl_left is not None:
        tokens = type(tokens)(tokens.access_token, tokens.refresh_token,
                              utcnow() + timedelta(seconds=access_ttl_left), tokens.refresh_expires_at)
    store = token_store(database_url, realm)
    store.save(tokens)
    settings = qb_settings(sandbox, database_url, **quickbooks)
    return open_company(settings, store, realm_id=realm, client_id=sandbox.CLIENT_ID,
                        client_secret=sandbox.CLIENT_SECRET)


@pytest.fixture(scope="module")
def sandbox():
    # One server per module (stopping one costs ~0.5 s); each test gets its own company.
    from syncsvc.sandbox.quickbooks import QuickBooksSandbox

    with QuickBooksSandbox() as qb:
        yield qb


@pytest.fixture
def realm(sandbox):
    return sandbox.create_company(name="Sandbox Company")


@pytest.fixture
def sqlite_url(tmp_path):
    return f"sqlite:///{tmp_path / 'state.sqlite3'}"


@pytest.fixture
def company(sandbox, realm, sqlite_url):
    return connect(sandbox, realm, sqlite_url)


@pytest.fixture
def qb(company):
    return company.client()

"""Two processes refreshing the same company at once: one refresh, one stored token, both keep working."""

from __future__ import annotations

import multiprocessing
import time

import pytest
from quickbooks.objects.customer import Customer

from syncsvc.quickbooks import lookups
from syncsvc.quickbooks.client import open_company
from syncsvc.quickbooks.oauth import InvalidGrant, make_auth_client, refresh_token_set

from .conftest import connect, qb_settings, token_store


def _worker(api, discovery, database_url, realm, client_id, client_secret, go):
    from types import SimpleNamespace

    sandbox = SimpleNamespace(api_base_url=api, discovery_url=discovery)
    settings = qb_settings(sandbox, database_url)
    company = open_company(settings, token_store(database_url, realm), realm_id=realm,
                           client_id=client_id, client_secret=client_secret)
    go.wait()
    names = [c.DisplayName for c in lookups.paged(company.client(), Customer)]
    return names, company.tokens.token_calls


def test_two_processes_refresh_once_and_both_call_the_api(sandbox, realm, database_url):
    connect(sandbox, realm, database_url, access_ttl_left=0)  # expired: both processes must refresh
    stored_before = token_store(database_url, realm).load()
    ctx = multiprocessing.get_context("spawn")
    with ctx.Manager() as manager:
        go = manager.Event()
        with ctx.Pool(2) as pool:
            args = (sandbox.api_base_url, sandbox.discovery_url, database_url, realm,
                    sandbox.CLIENT_ID, sandbox.CLIENT_SECRET, go)
            results = [pool.apply_async(_worker, args) for _ in range(2)]
            time.sleep(1.0)  # both processes built their clients and wait at the gate
            go.set()
            outcomes = [r.get(timeout=60) for r in results]
    assert [names for names, _ in outcomes] == [[], []]  # both called the API successfully
    assert sorted(calls for _, calls in outcomes) == [0, 1]  # exactly one refresh between them

    stored = token_store(database_url, realm).load()
    assert stored.refresh_token != stored_before.refresh_token
    # The stored refresh token is the live one: it can be refreshed again (and the old one cannot).
    auth = make_auth_client(qb_settings(sandbox, database_url).quickbooks, sandbox.CLIENT_ID, sandbox.CLIENT_SECRET)
    with pytest.raises(InvalidGrant):
        refresh_token_set(auth, stored_before.refresh_token)
    assert refresh_token_set(auth, stored.refresh_token).refresh_token

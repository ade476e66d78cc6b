"""Each auth mode against the sandbox, with good and bad credentials."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import httpx
import pytest

from syncsvc.infusionsoft.errors import InfusionsoftAuthError
from syncsvc.tokens import MemoryTokenStore, token_set_from_response


def test_service_key_good_and_bad(make_client, calls):
    assert make_client().data.count("Contact", {}) == 0
    bad = make_client(key="KeapAK-revoked-key")
    with pytest.raises(InfusionsoftAuthError) as caught:
        bad.data.count("Contact", {})
    message = str(caught.value)
    assert "SYNCSVC_INFUSIONSOFT_API_KEY" in message and "KeapAK-revoked-key" not in message
    assert calls == ["DataService.count", "DataService.count"]  # refused once, not retried


def test_legacy_key_good_and_bad(make_client):
    assert make_client(auth="legacy_key").data.count("Contact", {}) == 0
    with pytest.raises(InfusionsoftAuthError, match="please obtain an API key from Infusionsoft") as caught:
        make_client(auth="legacy_key", key="wrong-legacy").data.count("Contact", {})
    assert "wrong-legacy" not in str(caught.value)


def oauth_store(sandbox) -> MemoryTokenStore:
    return MemoryTokenStore(token_set_from_response(sandbox.issue_oauth_tokens()))


def test_oauth_good_tokens(make_client, sandbox, calls):
    store = oauth_store(sandbox)
    assert make_client(auth="oauth", key=None, token_store=store).data.count("Contact", {}) == 0
    assert calls == ["DataService.count"] and store.saves == 0


def test_oauth_401_triggers_one_refresh_and_the_rotated_token_is_stored(make_client, sandbox, calls):
    store = oauth_store(sandbox)
    old = store.load()
    sandbox.expire_access_token(old.access_token)
    client = make_client(auth="oauth", key=None, token_store=store)
    assert client.data.count("Contact", {}) == 0
    assert calls == ["DataService.count", "token", "DataService.count"]
    new = store.load()
    assert new.refresh_token != old.refresh_token and new.access_token != old.access_token
    assert store.saves == 1
    # the new token keeps working without further refreshes
    client.data.count("Contact", {})
    assert calls.count("token") == 1


def test_oauth_reused_refresh_token_asks_for_reconnect(make_client, sandbox, calls):
    store = oauth_store(sandbox)
    stale = store.load()
    # someone else spent the refresh token (single use) and kept the result to themselves
    spent = httpx.post(sandbox.token_url, data={"grant_type": "refresh_token", "refresh_token": stale.refresh_token},
                       auth=(sandbox.CLIENT_ID, sandbox.CLIENT_SECRET))
    assert spent.status_code == 200
    sandbox.expire_access_token(stale.access_token)
    calls.clear()
    with pytest.raises(InfusionsoftAuthError) as caught:
        make_client(auth="oauth", key=None, token_store=store).data.count("Contact", {})
    assert "SYNCSVC_INFUSIONSOFT_REFRESH_TOKEN" in str(caught.value)
    assert stale.refresh_token not in str(caught.value)
    assert calls == ["DataService.count", "token"]  # one refresh attempt, then fail
    assert store.reconnect_reason()


def test_oauth_bad_client_secret(make_client, sandbox):
    store = MemoryTokenStore(token_set_from_response(sandbox.issue_oauth_tokens()))
    sandbox.expire_access_token(store.load().access_token)
    client = make_client(auth="oauth", key=None, token_store=store, client_secret="wrong")
    with pytest.raises(InfusionsoftAuthError, match="SYNCSVC_INFUSIONSOFT_CLIENT_SECRET"):
        client.data.count("Contact", {})


def test_oauth_first_refresh_token_imported_from_environment(make_client, sandbox, monkeypatch):
    tokens = sandbox.issue_oauth_tokens()
    monkeypatch.setenv("SYNCSVC_INFUSIONSOFT_REFRESH_TOKEN", tokens["refresh_token"])
    store = MemoryTokenStore()
    client = make_client(auth="oauth", key=None, token_store=store)
    assert client.data.count("Contact", {}) == 0
    assert store.load().refresh_token not in ("", tokens["refresh_token"])
    assert store.load().access_expires_at > datetime.now(timezone.utc) + timedelta(hours=20)


def test_oauth_without_any_tokens_says_what_to_set(make_client):
    with pytest.raises(InfusionsoftAuthError, match="SYNCSVC_INFUSIONSOFT_REFRESH_TOKEN"):
        make_client(auth="oauth", key=None, token_store=MemoryTokenStore()).data.count("Contact", {})

"""The three ways to authenticate to Infusionsoft's XML-RPC API.

Each strategy says which headers go on a request, what the first XML-RPC
parameter (the historic "privateKey") holds, whether a 401 is worth one
refresh, and what a person must do when the credential is refused.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta, timezone
from typing import Callable, Protocol

import httpx

from syncsvc.config import ENV, Settings
from syncsvc.infusionsoft.errors import InfusionsoftAuthError, InfusionsoftUnavailable
from syncsvc.tokens import (
    MemoryTokenStore,
    ReconnectRequired,
    TokenSet,
    TokenStore,
    token_set_from_response,
    utcnow,
)

log = logging.getLogger(__name__)

# Header-authenticated calls still need something in the key slot; the API ignores it.
KEY_PLACEHOLDER = "keap-header-auth"


class Auth(Protocol):
    def headers(self) -> dict[str, str]:
        """Headers for the next request (may refresh an OAuth token first)."""
        ...

    def key_param(self) -> str: ...

    def refresh_after_401(self) -> bool:
        """Called on HTTP 401: True when a fresh credential now makes one retry worthwhile."""
        ...

    def rejected(self) -> InfusionsoftAuthError:
        """The error to raise when the API refuses the credential."""
        ...


class ServiceKeyAuth:
    """A Service Account Key or Personal Access Token in the X-Keap-API-Key header."""

    def __init__(self, key: str) -> None:
        self._key = key

    def __repr__(self) -> str:
        return "ServiceKeyAuth(key=<hidden>)"

    def headers(self) -> dict[str, str]:
        return {"X-Keap-API-Key": self._key}

    def key_param(self) -> str:
        return KEY_PLACEHOLDER

    def refresh_after_401(self) -> bool:
        return False

    def rejected(self) -> InfusionsoftAuthError:
        return InfusionsoftAuthError(
            "Infusionsoft refused the service account key: please obtain a Service Account Key "
            "(or Personal Access Token) from Keap and replace the one we have on file by setting "
            f"{ENV['infusionsoft_api_key']}"
        )


class LegacyKeyAuth:
    """The retired legacy API key, sent as the first XML-RPC parameter."""

    def __init__(self, key: str) -> None:
        self._key = key

    def __repr__(self) -> str:
        return "LegacyKeyAuth(key=<hidden>)"

    def headers(self) -> dict[str, str]:
        return {}

    def key_param(self) -> str:
        return self._key

    def refresh_after_401(self) -> bool:
        return False

    def rejected(self) -> InfusionsoftAuthError:
        return InfusionsoftAuthError(
            "Infusionsoft refused the legacy API key: please obtain an API key from Infusionsoft and "
            f"replace the one we have on file by setting {ENV['infusionsoft_api_key']} (Keap retired "
            'legacy keys in 2024-2025; a Service Account Key with [infusionsoft].auth = "service_key" '
            "is the lasting fix)"
        )


class OAuthAuth:
    """OAuth2 bearer tokens with single-use rotating refresh tokens.

    A refresh runs inside `TokenStore.refresh_under_lock`, which serialises
    refreshes (also across processes), re-reads the store first, and commits
    the rotated refresh token BEFORE the new access token is used: losing a
    rotated refresh token would disconnect the account.
    """

    def __init__(
        self,
        store: TokenStore,
        client_id: str,
        client_secret: str,
        token_url: str,
        http: httpx.Client,
        refresh_margin: timedelta = timedelta(hours=4),
        timeout: float = 30.0,
        now: Callable[[], datetime] = utcnow,
    ) -> None:
        self._store = store
        self._client_id = client_id
        self._client_secret = client_secret
        self._token_url = token_url
        self._http = http
        self._margin = refresh_margin
        self._timeout = timeout
        self._now = now
        self._in_use: str | None = None  # the access token the last request carried
        self._cached: TokenSet | None = None  # saves a store read per request; refreshes re-read
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"OAuthAuth(token_url={self._token_url!r}, tokens=<hidden>)"

    # -- the Auth protocol ----------------------------------------------------

    def headers(self) -> dict[str, str]:
        tokens = self._current()
        if not tokens.access_valid_for(self._margin, self._now()):
            tokens = self._refresh(lambda t: not t.access_valid_for(self._margin, self._now()))
        self._in_use = tokens.access_token
        return {"Authorization": f"Bearer {tokens.access_token}"}

    def key_param(self) -> str:
        return KEY_PLACEHOLDER

    def refresh_after_401(self) -> bool:
        rejected = self._in_use
        # Refresh unless another worker already replaced the token the API refused.
        self._refresh(lambda t: t.access_token == rejected or not t.access_token)
        return True

    def rejected(self) -> InfusionsoftAuthError:
        return InfusionsoftAuthError(
            "Infusionsoft refused the OAuth access token even after a refresh: reconnect the "
            f"Infusionsoft account (set {ENV['infusionsoft_refresh_token']} to a new refresh token "
            f"and check {ENV['infusionsoft_client_id']} / {ENV['infusionsoft_client_secret']})"
        )

    # -- internals --------------------------------------------------------------

    def _current(self) -> TokenSet:
        if self._cached is not None:
            return self._cached
        reason = self._store.reconnect_reason()
        if reason:
            raise InfusionsoftAuthError(f"Infusionsoft needs reconnecting: {reason}")
        tokens = self._store.load()
        if tokens is None:
            raise InfusionsoftAuthError(
                "no Infusionsoft OAuth tokens are stored: set "
                f"{ENV['infusionsoft_refresh_token']} to a refresh token from Keap's authorization flow"
            )
        self._cached = tokens
        return tokens

    def _refresh(self, needs_refresh: Callable[[TokenSet], bool]) -> TokenSet:
        with self._lock:
            self._cached = None
            try:
                self._cached = self._store.refresh_under_lock(needs_refresh, self._exchange)
            except ReconnectRequired as exc:
                raise InfusionsoftAuthError(f"Infusionsoft needs reconnecting: {exc}") from None
            return self._cached

    def _exchange(self, current: TokenSet) -> TokenSet:
        """POST grant_type=refresh_token; the answer carries a NEW refresh token."""
        try:
            response = self._http.post(
                self._token_url,
                data={"grant_type": "refresh_token", "refresh_token": current.refresh_token},
                auth=(self._client_id, self._client_secret),
                headers={"Accept": "application/json"},
                timeout=self._timeout,
            )
        except httpx.HTTPError as exc:
            raise InfusionsoftUnavailable(
                f"could not reach the Infusionsoft token endpoint {self._token_url} ({type(exc).__name__})"
            ) from None
        if response.status_code == 200:
            try:
                body = response.json()
                tokens = token_set_from_response(body, self._now())
            except (ValueError, KeyError, TypeError):
                raise InfusionsoftUnavailable(
                    f"the Infusionsoft token endpoint {self._token_url} sent an unreadable answer"
                ) from None
            log.info("Infusionsoft access token refreshed; new refresh token stored")
            return tokens
        if response.status_code >= 500 or response.status_code == 429:
            raise InfusionsoftUnavailable(
                f"the Infusionsoft token endpoint {self._token_url} answered HTTP {response.status_code}"
            )
        error = _oauth_error(response)
        if error == "invalid_client" or response.status_code == 401:
            message = (
                "Infusionsoft refused the OAuth client credentials: check "
                f"{ENV['infusionsoft_client_id']} and {ENV['infusionsoft_client_secret']}"
            )
        else:
            message = (
                f"Infusionsoft refused the stored refresh token ({error or f'HTTP {response.status_code}'}); "
                "it was already used or has expired: reconnect the account by setting "
                f"{ENV['infusionsoft_refresh_token']} to a new refresh token"
            )
            self._store.mark_reconnect(message)
        raise InfusionsoftAuthError(message)


def _oauth_error(response: httpx.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return body.get("error") if isinstance(body, dict) else None


def seed_refresh_token(store: TokenStore, refresh_token: str | None) -> None:
    """Import a first refresh token (from the environment) into an empty store, once."""
    if refresh_token and store.load() is None:
        store.save(
            TokenSet(
                access_token="",
                refresh_token=refresh_token,
                access_expires_at=datetime(1970, 1, 1, tzinfo=timezone.utc),
            )
        )


def oauth_from_settings(settings: Settings, token_store: TokenStore | None, http: httpx.Client) -> OAuthAuth:
    """`OAuthAuth` with the `[infusionsoft]` token URL and the client id/secret from the environment.

    Tokens are kept in `token_store` (an in-memory store when None), seeded once from
    SYNCSVC_INFUSIONSOFT_REFRESH_TOKEN when empty; `http` carries the token refreshes.
    """
    conf = settings.infusionsoft
    store = token_store if token_store is not None else MemoryTokenStore()
    seed_refresh_token(store, settings.secret("infusionsoft_refresh_token", required=False))
    return OAuthAuth(
        store,
        client_id=settings.secret("infusionsoft_client_id"),
        client_secret=settings.secret("infusionsoft_client_secret"),
        token_url=conf.token_url,
        http=http,
        refresh_margin=timedelta(seconds=conf.oauth_refresh_margin_seconds),
        timeout=conf.timeout_seconds,
    )

"""intuit-oauth's AuthClient pointed at any discovery URL, with timeouts and a cached discovery document.

AuthClient fetches its OpenID discovery document in its constructor (no
timeout, one GET per construction). The subclass below adds a timeout to
every call it makes and serves repeat discovery GETs from a process-wide
cache, so building an AuthClient per company or per refresh costs no extra
request. The endpoints the document names obey the same transport rule as
the configured URLs (https, or http to loopback only).
"""

from __future__ import annotations

import json
import threading
import time
from datetime import datetime

import requests
from intuitlib.client import AuthClient
from intuitlib.enums import Scopes
from intuitlib.exceptions import AuthClientError

from syncsvc.config import ENV
from syncsvc.errors import ConfigError
from syncsvc.quickbooks.endpoints import check_url
from syncsvc.quickbooks.errors import QuickBooksError
from syncsvc.tokens import TokenSet, token_set_from_response

DISCOVERY_CACHE_SECONDS = 24 * 3600
SCOPES = [Scopes.ACCOUNTING]

_discovery_lock = threading.Lock()
_discovery_cache: dict[str, tuple[float, requests.Response]] = {}


class InvalidGrant(QuickBooksError):
    """The token endpoint refused the refresh token (or code): `invalid_grant`."""


class TokenEndpointError(QuickBooksError):
    """The token endpoint failed in another way (5xx, network); worth retrying later."""

    retriable = True


class IntuitAuthClient(AuthClient):
    def __init__(self, client_id, client_secret, redirect_uri, discovery_url, *, timeout: float = 30.0, **tokens):
        self.timeout = timeout  # set first: the parent constructor already makes a request
        super().__init__(client_id, client_secret, redirect_uri, environment=discovery_url, **tokens)
        for name in ("auth_endpoint", "token_endpoint", "revoke_endpoint"):
            check_url(getattr(self, name), f"discovery document {discovery_url} {name}")
        self.token_calls = 0

    def request(self, method, url, *args, **kwargs):
        kwargs.setdefault("timeout", self.timeout)
        if method.upper() == "GET" and url == self.environment:
            return _cached_discovery(url, lambda: super(IntuitAuthClient, self).request(method, url, *args, **kwargs))
        if url == getattr(self, "token_endpoint", None):
            self.token_calls += 1
        return super().request(method, url, *args, **kwargs)

    def __repr__(self) -> str:  # requests.Session's default repr is harmless, but be explicit
        return f"IntuitAuthClient(discovery={self.environment!r}, realm_id={self.realm_id!r})"


def _cached_discovery(url: str, fetch) -> requests.Response:
    with _discovery_lock:
        hit = _discovery_cache.get(url)
        if hit and time.monotonic() - hit[0] < DISCOVERY_CACHE_SECONDS:
            return hit[1]
    response = fetch()
    if response.status_code == 200:
        response.content  # read the body now so the cached object can be parsed again
        with _discovery_lock:
            _discovery_cache[url] = (time.monotonic(), response)
    return response


def make_auth_client(qb_settings, client_id: str, client_secret: str, **tokens) -> IntuitAuthClient:
    discovery_url = check_url(qb_settings.discovery_url, "[quickbooks].discovery_url")
    try:
        return IntuitAuthClient(
            client_id, client_secret, qb_settings.redirect_uri, discovery_url,
            timeout=qb_settings.timeout_seconds, **tokens,
        )
    except (requests.RequestException, AuthClientError, ValueError, KeyError) as exc:
        raise TokenEndpointError(
            f"cannot read the OAuth discovery document {discovery_url}: {type(exc).__name__}"
        ) from None


def refresh_token_set(auth_client: AuthClient, refresh_token: str, now: datetime | None = None) -> TokenSet:
    """One refresh-token grant. Raises InvalidGrant when the token is dead, TokenEndpointError otherwise."""
    try:
        auth_client.refresh(refresh_token=refresh_token)
    except AuthClientError as exc:
        raise _token_error(exc) from None
    except requests.RequestException as exc:
        raise TokenEndpointError(f"token endpoint unreachable: {type(exc).__name__}") from None
    return _token_set_of(auth_client, now)


def exchange_code(auth_client: AuthClient, code: str, realm_id: str, now: datetime | None = None) -> TokenSet:
    """The authorization-code grant (the redirect's `code`) -> tokens."""
    try:
        auth_client.get_bearer_token(code, realm_id=realm_id)
    except AuthClientError as exc:
        raise _token_error(exc) from None
    except requests.RequestException as exc:
        raise TokenEndpointError(f"token endpoint unreachable: {type(exc).__name__}") from None
    return _token_set_of(auth_client, now)


def authorization_url(auth_client: AuthClient, state: str) -> str:
    return auth_client.get_authorization_url(SCOPES, state_token=state)


def _token_set_of(auth_client: AuthClient, now: datetime | None) -> TokenSet:
    return token_set_from_response(
        {
            "access_token": auth_client.access_token,
            "refresh_token": auth_client.refresh_token,
            "expires_in": auth_client.expires_in or 3600,
            "x_refresh_token_expires_in": getattr(auth_client, "x_refresh_token_expires_in", None),
        },
        now,
    )


def _token_error(exc: AuthClientError) -> Exception:
    # Only the error code is repeated: the body could echo what was sent.
    try:
        error = json.loads(exc.content or b"{}").get("error", "")
    except (ValueError, AttributeError):
        error = ""
    if exc.status_code in (400, 401) and error in ("invalid_client", "unauthorized_client"):
        return ConfigError(
            f"the token endpoint refused the Intuit app's client id/secret ({error}): check "
            f"{ENV['quickbooks_client_id']} and {ENV['quickbooks_client_secret']}"
        )
    if exc.status_code in (400, 401) and error == "invalid_grant":
        return InvalidGrant(f"token endpoint refused the grant: {error} (HTTP {exc.status_code})")
    return TokenEndpointError(f"token endpoint answered HTTP {exc.status_code} {error}".rstrip())

"""Access tokens for one QuickBooks company: refreshed ahead of expiry, one refresh at a time.

The refresh protocol itself (lock, re-read, commit before use) lives in the
TokenStore. This module decides when to refresh and what a refused refresh
token means: it re-reads storage once (another process may have rotated the
token), then marks the company "reconnect QuickBooks" and stops. A marked
company never calls the token endpoint again until someone reconnects it.
"""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Callable

from syncsvc.quickbooks.errors import QuickBooksReconnectRequired
from syncsvc.quickbooks.oauth import InvalidGrant, refresh_token_set
from syncsvc.tokens import ReconnectRequired, TokenSet, TokenStore, utcnow


class CompanyTokens:
    def __init__(self, realm_id: str, store: TokenStore, auth_client, refresh_margin: timedelta,
                 clock: Callable = utcnow) -> None:
        self.realm_id = realm_id
        self.store = store
        self._auth_client = auth_client  # used only under self._lock: AuthClient keeps token state
        self._margin = refresh_margin
        self._clock = clock
        self._lock = threading.Lock()
        self._tokens: TokenSet | None = None

    @property
    def token_calls(self) -> int:
        """Token-endpoint calls made by this process for this company (for tests and metrics)."""
        return getattr(self._auth_client, "token_calls", 0)

    def access_token(self) -> str:
        """A valid access token, refreshing first when it expires within the margin."""
        tokens = self._tokens
        if tokens is not None and tokens.access_valid_for(self._margin, self._clock()):
            return tokens.access_token
        return self._refresh(lambda t: not t.access_valid_for(self._margin, self._clock())).access_token

    def refresh_after_rejection(self, rejected_access_token: str) -> str:
        """QBO answered 401 to this token: get another (unless another thread/process already did)."""
        return self._refresh(
            lambda t: t.access_token == rejected_access_token or not t.access_valid_for(self._margin, self._clock())
        ).access_token

    def _refresh(self, needs_refresh: Callable[[TokenSet], bool]) -> TokenSet:
        with self._lock:
            self._raise_if_marked()
            refused: set[str] = set()

            def refresh(current: TokenSet) -> TokenSet:
                if current.refresh_token in refused:
                    raise InvalidGrant("the stored refresh token was already refused")
                try:
                    return refresh_token_set(self._auth_client, current.refresh_token, self._clock())
                except InvalidGrant:
                    refused.add(current.refresh_token)
                    raise

            try:
                try:
                    tokens = self.store.refresh_under_lock(needs_refresh, refresh)
                except InvalidGrant:
                    # Re-read once: a process outside our lock (or an operator) may have stored newer tokens.
                    tokens = self.store.refresh_under_lock(needs_refresh, refresh)
            except InvalidGrant as exc:
                self._tokens = None  # so later calls stop here instead of trying QBO first
                reason = str(QuickBooksReconnectRequired(self.realm_id, str(exc)))
                self.store.mark_reconnect(reason)
                raise QuickBooksReconnectRequired(self.realm_id, str(exc)) from None
            except ReconnectRequired as exc:
                if isinstance(exc, QuickBooksReconnectRequired):
                    raise
                raise QuickBooksReconnectRequired(self.realm_id, str(exc)) from None
            self._tokens = tokens
            return tokens

    def _raise_if_marked(self) -> None:
        reason = self.store.reconnect_reason()
        if reason:
            raise QuickBooksReconnectRequired(self.realm_id, "its refresh token was refused earlier")

"""OAuth token sets and the port through which clients persist them.

Both APIs rotate refresh tokens: the old one dies the moment a new one is
issued. So a refresh must happen under an exclusive lock (one at a time, even
across processes), re-read the stored tokens after taking the lock (another
process may already have refreshed), and commit the new tokens before anyone
uses them. `TokenStore.refresh_under_lock` is that whole protocol.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Callable, Protocol


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class TokenSet:
    access_token: str
    refresh_token: str
    access_expires_at: datetime
    refresh_expires_at: datetime | None = None

    def access_valid_for(self, margin: timedelta, now: datetime | None = None) -> bool:
        return bool(self.access_token) and self.access_expires_at - margin > (now or utcnow())

    def __repr__(self) -> str:  # never leak a token into a log line or traceback
        return f"TokenSet(access_expires_at={self.access_expires_at.isoformat()}, refresh_token=<hidden>)"

    __str__ = __repr__


class ReconnectRequired(Exception):
    """The stored refresh token was refused: a person must reconnect the account."""


class TokenStore(Protocol):
    """Storage for one account's tokens (one connection + one provider)."""

    def load(self) -> TokenSet | None: ...

    def save(self, tokens: TokenSet) -> None: ...

    def refresh_under_lock(
        self,
        needs_refresh: Callable[[TokenSet], bool],
        refresh: Callable[[TokenSet], TokenSet],
    ) -> TokenSet:
        """Take the exclusive lock, re-read, refresh if still needed, commit, return current tokens."""
        ...

    def mark_reconnect(self, reason: str) -> None: ...

    def reconnect_reason(self) -> str | None: ...


class MemoryTokenStore:
    """An in-process TokenStore: for tests and for running against the sandboxes."""

    def __init__(self, tokens: TokenSet | None = None) -> None:
        self._tokens = tokens
        self._lock = threading.Lock()
        self._reason: str | None = None
        self.saves = 0

    def load(self) -> TokenSet | None:
        return self._tokens

    def save(self, tokens: TokenSet) -> None:
        self._tokens = tokens
        self._reason = None
        self.saves += 1

    def refresh_under_lock(self, needs_refresh, refresh) -> TokenSet:
        with self._lock:
            current = self._tokens
            if current is None:
                raise ReconnectRequired("no tokens stored: connect the account first")
            if not needs_refresh(current):
                return current
            new = refresh(current)
            self.save(new)
            return new

    def mark_reconnect(self, reason: str) -> None:
        self._reason = reason

    def reconnect_reason(self) -> str | None:
        return self._reason


def token_set_from_response(body: dict, now: datetime | None = None) -> TokenSet:
    """Build a TokenSet from an OAuth2 token endpoint's JSON answer."""
    now = now or utcnow()
    refresh_ttl = body.get("x_refresh_token_expires_in") or body.get("refresh_token_expires_in")
    return TokenSet(
        access_token=body["access_token"],
        refresh_token=body["refresh_token"],
        access_expires_at=now + timedelta(seconds=int(body.get("expires_in", 3600))),
        refresh_expires_at=now + timedelta(seconds=int(refresh_ttl)) if refresh_ttl else None,
    )


__all__ = [
    "TokenSet",
    "TokenStore",
    "MemoryTokenStore",
    "ReconnectRequired",
    "token_set_from_response",
    "utcnow",
]

"""How REST v2 requests authenticate: a Service Account Key as a Bearer token, or OAuth.

Keap's official Python sample (keap-sdk samples/v2/python/contacts_test.py)
sends a Service Account Key (or Personal Access Token) as
`Authorization: Bearer <key>`; that is what `BearerServiceKey` does (the
X-Keap-API-Key header XML-RPC takes is seen for REST v2 only in third-party
code). OAuth uses the existing `OAuthAuth` unchanged: it already sends
`Authorization: Bearer <access token>`, refreshes once after a 401 and keeps
the rotating refresh token in the TokenStore.
"""

from __future__ import annotations

from syncsvc.infusionsoft.auth import ServiceKeyAuth


class BearerServiceKey(ServiceKeyAuth):
    """A Service Account Key or Personal Access Token in `Authorization: Bearer`; a 401 is final, and
    refused in the same words as for XML-RPC (the person replaces the same key in the same variable)."""

    def __repr__(self) -> str:
        return "BearerServiceKey(key=<hidden>)"

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._key}"}


__all__ = ["BearerServiceKey"]

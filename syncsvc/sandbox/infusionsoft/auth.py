"""Credentials: service account keys, legacy keys, and OAuth2 tokens with single-use refresh.

Access tokens live 24 h, refresh tokens 45 days; a refresh rotates the refresh
token and the old one stops working at once (reuse -> 400 invalid_grant), as
Keap's token endpoint does (notes §3). Token values never reach reprs or logs.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Callable
from urllib.parse import parse_qs

from ..httpserver import Request, Response

ACCESS_LIFETIME = timedelta(hours=24)
REFRESH_LIFETIME = timedelta(days=45)
JSON = "application/json"


@dataclass(repr=False)
class _Grant:
    client_id: str
    expires_at: datetime
    revoked: bool = field(default=False)


class AuthFailure(Exception):
    """Why a call was refused; becomes HTTP 401 with an Apigee-style JSON body."""

    def __init__(self, faultstring: str, errorcode: str) -> None:
        super().__init__(faultstring)
        self.body = json.dumps({"fault": {"faultstring": faultstring, "detail": {"errorcode": errorcode}}})


INVALID_TOKEN = ("Invalid Access Token", "keymanagement.service.invalid_access_token")
EXPIRED_TOKEN = ("Access Token expired", "keymanagement.service.access_token_expired")
INVALID_API_KEY = ("Invalid ApiKey", "oauth.v2.InvalidApiKey")


class Authority:
    def __init__(self, now: Callable[[], datetime], app_name: str = "sandbox") -> None:
        self._now = now
        self.app_name = app_name
        self.service_keys: set[str] = set()
        self.legacy_keys: set[str] = set()
        self.clients: dict[str, str] = {}
        self._access: dict[str, _Grant] = {}
        self._refresh: dict[str, _Grant] = {}
        self._codes: dict[str, str] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"Authority(clients={len(self.clients)}, tokens={len(self._access)})"

    # --- issuing --------------------------------------------------------------

    def issue(self, client_id: str) -> dict:
        if client_id not in self.clients:
            raise KeyError("unknown OAuth client")
        now = self._now()
        access, refresh = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
        with self._lock:
            self._access[access] = _Grant(client_id, now + ACCESS_LIFETIME)
            self._refresh[refresh] = _Grant(client_id, now + REFRESH_LIFETIME)
        return {
            "access_token": access, "token_type": "bearer", "expires_in": int(ACCESS_LIFETIME.total_seconds()),
            "refresh_token": refresh, "scope": f"full|{self.app_name}.infusionsoft.com",
        }

    def authorization_code(self, client_id: str) -> str:
        """What the authorize redirect would carry back: single-use, exchanged at /token."""
        if client_id not in self.clients:
            raise KeyError("unknown OAuth client")
        code = secrets.token_urlsafe(16)
        with self._lock:
            self._codes[code] = client_id
        return code

    def expire(self, access_token: str) -> None:
        with self._lock:
            grant = self._access.get(access_token)
            if grant is not None:
                grant.expires_at = self._now() - timedelta(seconds=1)

    # --- checking -------------------------------------------------------------

    def client_for_access_token(self, token: str) -> str:
        with self._lock:
            grant = self._access.get(token)
        if grant is None or grant.revoked:
            raise AuthFailure(*INVALID_TOKEN)
        if grant.expires_at <= self._now():
            raise AuthFailure(*EXPIRED_TOKEN)
        return grant.client_id

    def check_service_key(self, key: str) -> None:
        if key not in self.service_keys:
            raise AuthFailure(*INVALID_API_KEY)

    # --- the /token endpoint --------------------------------------------------

    def token_endpoint(self, request: Request) -> Response:
        if request.method != "POST":
            return Response(405, "Method Not Allowed")
        form = {k: v[-1] for k, v in parse_qs(request.body.decode("utf-8", "replace")).items()}
        client_id, secret = form.get("client_id"), form.get("client_secret")
        basic = request.header("Authorization") or ""
        if basic.lower().startswith("basic "):
            try:
                client_id, _, secret = base64.b64decode(basic[6:].strip()).decode("utf-8").partition(":")
            except (ValueError, UnicodeDecodeError):
                client_id = secret = None
        if not client_id or self.clients.get(client_id) != secret:
            return _oauth_error(401, "invalid_client", "Invalid client credentials")
        grant_type = form.get("grant_type")
        if grant_type == "refresh_token":
            token = form.get("refresh_token", "")
            with self._lock:
                grant = self._refresh.pop(token, None)  # single use: gone whatever happens next
            if grant is None or grant.client_id != client_id or grant.expires_at <= self._now():
                return _oauth_error(400, "invalid_grant", "Invalid refresh token")
        elif grant_type == "authorization_code":
            with self._lock:
                owner = self._codes.pop(form.get("code", ""), None)
            if owner != client_id:
                return _oauth_error(400, "invalid_grant", "Invalid authorization code")
        else:
            return _oauth_error(400, "unsupported_grant_type", "Unsupported grant type")
        return Response(200, json.dumps(self.issue(client_id)), content_type=JSON,
                        headers=[("Cache-Control", "no-store"), ("Pragma", "no-cache")])


def _oauth_error(status: int, error: str, description: str) -> Response:
    return Response(status, json.dumps({"error": error, "error_description": description}), content_type=JSON)

"""Intuit's OAuth 2.0 endpoints: discovery, authorize, token, revoke, and bearer checks.

Refresh tokens rotate on every use; a used, revoked or expired one gets HTTP 400
{"error":"invalid_grant"}. An authorization code works once; replaying it also
revokes what it issued (as Intuit does). Token values never appear in errors.
"""

from __future__ import annotations

import base64
import secrets
import threading
from dataclasses import dataclass
from typing import Callable
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

CLIENT_ID = "sandbox-client"
CLIENT_SECRET = "sandbox-secret"
REFRESH_TOKEN_TTL = 8726400  # seconds, as in Intuit's samples (~101 days)
CODE_TTL = 600

DISCOVERY_PATH = "/.well-known/openid_configuration/"
AUTHORIZE_PATH = "/connect/oauth2"
TOKEN_PATH = "/oauth2/v1/tokens/bearer"
REVOKE_PATH = "/v2/oauth2/tokens/revoke"
USERINFO_PATH = "/v1/openid_connect/userinfo"
JWKS_PATH = "/op/v1/jwks"
ISSUER_PATH = "/op/v1"


class OAuthError(Exception):
    def __init__(self, status: int, error: str) -> None:
        super().__init__(error)
        self.status = status
        self.error = error


@dataclass
class _Grant:
    """One issued token (access or refresh) or authorization code."""
    realm: str
    client_id: str
    family: str  # everything issued from one authorization, revoked together
    expires_at: float
    state: str = "active"  # active | used | revoked


class OAuthServer:
    def __init__(self, clock: Callable[[], float], known_realm: Callable[[str], bool]) -> None:
        self._clock = clock
        self._known_realm = known_realm
        self._lock = threading.Lock()
        self._codes: dict[str, _Grant] = {}
        self._code_family: dict[str, str] = {}
        self._access: dict[str, _Grant] = {}
        self._refresh: dict[str, _Grant] = {}
        self.clients = {CLIENT_ID: CLIENT_SECRET}

    @staticmethod
    def discovery(base_url: str) -> dict:
        return {
            "issuer": base_url + ISSUER_PATH,
            "authorization_endpoint": base_url + AUTHORIZE_PATH,
            "token_endpoint": base_url + TOKEN_PATH,
            "userinfo_endpoint": base_url + USERINFO_PATH,
            "revocation_endpoint": base_url + REVOKE_PATH,
            "jwks_uri": base_url + JWKS_PATH,
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "email", "profile", "address", "phone"],
            "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
            "claims_supported": ["aud", "exp", "iat", "iss", "realmid", "sub"],
        }

    # authorize ------------------------------------------------------------

    def authorize(self, params: dict, default_realm: Callable[[], str]) -> str:
        """Auto-consent: the redirect URL carrying code, state and realmId."""
        client_id = params.get("client_id", "")
        redirect_uri = params.get("redirect_uri", "")
        if client_id not in self.clients or params.get("response_type", "code") != "code":
            raise OAuthError(400, "invalid_request")
        host = urlsplit(redirect_uri).hostname
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise OAuthError(400, "invalid_request")
        realm = params.get("realmId") or default_realm()
        if not self._known_realm(realm):
            raise OAuthError(400, "invalid_request")
        code = "AB" + secrets.token_urlsafe(32)
        with self._lock:
            self._codes[code] = _Grant(realm, client_id, secrets.token_hex(8), self._clock() + CODE_TTL)
        query = {"code": code, "realmId": realm}
        if "state" in params:
            query["state"] = params["state"]
        parts = urlsplit(redirect_uri)
        joined = "&".join(p for p in (parts.query, urlencode(query)) if p)
        return urlunsplit((parts.scheme, parts.netloc, parts.path, joined, ""))

    # token ----------------------------------------------------------------

    def client_from_basic(self, header: str | None) -> str:
        if not header or not header.lower().startswith("basic "):
            raise OAuthError(401, "invalid_client")
        try:
            client_id, _, secret = base64.b64decode(header[6:].strip()).decode("utf-8").partition(":")
        except (ValueError, UnicodeDecodeError):
            raise OAuthError(401, "invalid_client")
        if self.clients.get(client_id) != secret:
            raise OAuthError(401, "invalid_client")
        return client_id

    def token(self, form: dict, authorization: str | None, access_ttl: Callable[[str], int]) -> dict:
        client_id = self.client_from_basic(authorization)
        grant_type = form.get("grant_type")
        with self._lock:
            now = self._clock()
            if grant_type == "authorization_code":
                code = self._codes.get(form.get("code", ""))
                if code is None or code.client_id != client_id or code.expires_at < now:
                    raise OAuthError(400, "invalid_grant")
                if code.state != "active":
                    self._revoke_family(code.family)  # a replayed code kills what it issued
                    raise OAuthError(400, "invalid_grant")
                code.state = "used"
                return self._issue(code.realm, client_id, code.family, now, access_ttl(code.realm))
            if grant_type == "refresh_token":
                grant = self._refresh.get(form.get("refresh_token", ""))
                if grant is None or grant.client_id != client_id or grant.state != "active" \
                        or grant.expires_at < now:
                    raise OAuthError(400, "invalid_grant")
                grant.state = "used"
                return self._issue(grant.realm, client_id, grant.family, now, access_ttl(grant.realm))
        raise OAuthError(400, "unsupported_grant_type")

    def issue(self, realm: str, client_id: str, access_ttl: int) -> dict:
        """What the authorization-code grant returns, without the browser round trip."""
        with self._lock:
            return self._issue(realm, client_id, secrets.token_hex(8), self._clock(), access_ttl)

    def _issue(self, realm: str, client_id: str, family: str, now: float, access_ttl: int) -> dict:
        access = "eyJ" + secrets.token_urlsafe(48)
        refresh = "AB11" + secrets.token_urlsafe(36)
        self._access[access] = _Grant(realm, client_id, family, now + access_ttl)
        self._refresh[refresh] = _Grant(realm, client_id, family, now + REFRESH_TOKEN_TTL)
        return {"token_type": "bearer", "expires_in": access_ttl, "refresh_token": refresh,
                "x_refresh_token_expires_in": REFRESH_TOKEN_TTL, "access_token": access}

    def _revoke_family(self, family: str) -> None:
        for grants in (self._access, self._refresh):
            for grant in grants.values():
                if grant.family == family:
                    grant.state = "revoked"

    def revoke(self, token: str, authorization: str | None) -> None:
        self.client_from_basic(authorization)
        with self._lock:
            grant = self._refresh.get(token) or self._access.get(token)
            if grant is None:
                raise OAuthError(400, "invalid_request")
            self._revoke_family(grant.family)

    # checks and test controls ----------------------------------------------

    def check_bearer(self, authorization: str | None, realm: str) -> str | None:
        """None when the bearer token may call `realm`, else the 401 detail to send."""
        if not authorization or not authorization.lower().startswith("bearer "):
            return "Token invalid: no bearer token"
        with self._lock:
            grant = self._access.get(authorization[7:].strip())
            if grant is None or grant.state != "active":
                return "Token invalid"
            if grant.expires_at <= self._clock():
                return "Token expired"
            if grant.realm != realm:
                return "Token invalid for this realm"
        return None

    def expire_access_tokens(self, realm: str) -> None:
        with self._lock:
            for grant in self._access.values():
                if grant.realm == realm:
                    grant.expires_at = min(grant.expires_at, self._clock() - 1)

    def revoke_refresh_tokens(self, realm: str) -> None:
        with self._lock:
            for grant in self._refresh.values():
                if grant.realm == realm:
                    grant.state = "revoked"


def parse_form(body: bytes) -> dict:
    return {k: v[-1] for k, v in parse_qs(body.decode("utf-8"), keep_blank_values=True).items()}

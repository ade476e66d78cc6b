"""InfusionsoftSandbox: the loopback Infusionsoft XML-RPC API.

Endpoints (the real ones, on 127.0.0.1):
- POST /crm/xmlrpc/v1: auth by X-Keap-API-Key, Authorization: Bearer or ?access_token=;
  the first XML-RPC param is a placeholder. Bad auth is HTTP 401 with a JSON body,
  quota overrun HTTP 429 with Apigee's JSON body.
- POST /api/xmlrpc: the retired legacy path, key in the first param; a bad key is
  the [InvalidKey] fault and overload is the ThrottlingException fault.
- POST /token: OAuth2 token endpoint (refresh_token and authorization_code grants).
- GET /crm/rest/v2/...: the REST v2 face over the same account (see the `rest` package):
  auth by Authorization: Bearer <service account key or OAuth access token> or
  X-Keap-API-Key, the same per-credential quota counters as XML-RPC.
A request passes auth, then quota, then parsing (routing), then any injected
failure, then the method itself. With `xmlrpc_off_from` passed, or inside a
`brownouts` window, the XML-RPC paths answer 410 / 503 before anything else; the
REST face and /token are never affected.
"""

from __future__ import annotations

import hashlib
import json
import time
from datetime import datetime, timezone as dt_timezone
from pathlib import Path
from typing import Any, Callable
from xmlrpc.client import Fault

from ...ratelimit import Window
from ..httpserver import LoopbackServer, Request, Response, ServedSandbox
from . import dataservice, faults, invoiceservice, wire
from .auth import AuthFailure, Authority
from .dispatch import CallContext, call, takes_key
from .injection import GARBLING, REST_KINDS, Injector
from .quota import OAUTH_QUOTAS, SERVICE_KEY_QUOTAS, QuotaKeeper, violation_body
from .rest import RestError, error_body, is_rest_path, resolve, set_source_type
from .store import AccountStore, utc_now

JSON = "application/json"
_503_BODY = json.dumps({"fault": {"faultstring": "The Service is temporarily unavailable",
                                  "detail": {"errorcode": "messaging.adaptors.http.flow.ServiceUnavailable"}}})
_500_BODY = "<html><head><title>500 Internal Server Error</title></head><body><h1>Internal Server Error</h1></body></html>"
_HTML_BODY = ("<!DOCTYPE html><html><head><title>Keap</title></head>"
              "<body><h1>We'll be right back</h1><p>Keap is undergoing maintenance.</p></body></html>")
_RETIRED_ERRORCODE = "sandbox.xmlrpc.Retired"
Brownout = tuple[datetime, datetime]


def _aware(moment: datetime, name: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got {moment!r}")
    return moment


def _label(secret: str) -> str:
    """A stable, non-reversible name for a credential (quota identifiers must not echo secrets)."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()[:12]


class InfusionsoftSandbox(ServedSandbox):
    SERVICE_KEY = "KeapAK-sandbox-service-key"
    LEGACY_KEY = "sandbox-legacy-key"
    CLIENT_ID = "sandbox-client"
    CLIENT_SECRET = "sandbox-secret"
    SERVICE_KEY_QUOTAS = list(SERVICE_KEY_QUOTAS)
    OAUTH_QUOTAS = list(OAUTH_QUOTAS)
    XMLRPC_PATH = "/crm/xmlrpc/v1"
    LEGACY_PATH = "/api/xmlrpc"
    TOKEN_PATH = "/token"

    def __init__(
        self,
        timezone: str = "America/New_York",
        quotas: list[Window] | None = None,
        latency: float = 0.0,
        clock: Callable[[], datetime] | None = None,
        *,
        pretty: bool = False,
        legacy_enabled: bool = True,
        app_name: str = "sandbox",
        seed: int = 0,
        port: int = 0,
        xmlrpc_off_from: datetime | None = None,
        brownouts: list[Brownout] | None = None,
    ) -> None:
        self._clock = clock or utc_now
        self._seed = seed
        self.xmlrpc_off_from: datetime | None = None
        self.brownouts: list[Brownout] = []
        self.set_xmlrpc_off_from(xmlrpc_off_from)  # checked before a port is bound
        self.set_brownouts(brownouts or [])
        self._quota_windows = quotas
        self.store = AccountStore(timezone, clock=self._clock, seed=seed)
        self.auth = Authority(lambda: self._clock(), app_name)
        self.auth.service_keys.add(self.SERVICE_KEY)
        self.auth.legacy_keys.add(self.LEGACY_KEY)
        self.auth.clients[self.CLIENT_ID] = self.CLIENT_SECRET
        self.quotas = QuotaKeeper(quotas)
        self.latency = latency
        self.pretty = pretty
        self.legacy_enabled = legacy_enabled
        self.injector = Injector()
        self._context = CallContext(self.store, app_name)
        self._methods = {**dataservice.METHODS, **invoiceservice.METHODS}
        self._server = LoopbackServer(self._app, port=port)
        self.calls = 0  # XML-RPC calls that reached a method (for benchmarks and tests)
        self.rest_calls = 0  # REST v2 calls that reached an operation's handler

    # --- lifecycle ------------------------------------------------------------


    @property
    def xmlrpc_url(self) -> str:
        return self.url + self.XMLRPC_PATH

    @property
    def legacy_url(self) -> str:
        return self.url + self.LEGACY_PATH

    @property
    def token_url(self) -> str:
        return self.url + self.TOKEN_PATH

    @property
    def rest_url(self) -> str:
        """The REST v2 host as Keap's SDK takes it (Configuration(host=...)); its paths add /rest/v2/..."""
        return self.url + "/crm"

    # --- control --------------------------------------------------------------

    def set_clock(self, clock: Callable[[], datetime]) -> None:
        self._clock = clock
        self.store.set_clock(clock)

    def reset(self) -> None:
        """Start over with an empty account (same zone, clock, keys and tokens); drop pending
        injections and quota counts."""
        self.store = AccountStore(self.store.timezone_name, clock=self._clock, seed=self._seed)
        self._context = CallContext(self.store, self._context.app_name)
        self.injector.clear()
        self.quotas = QuotaKeeper(self._quota_windows)

    def issue_oauth_tokens(self, client_id: str = CLIENT_ID) -> dict:
        """What an authorization-code grant returns (access_token, refresh_token, expires_in, ...)."""
        return self.auth.issue(client_id)

    def authorization_code(self, client_id: str = CLIENT_ID) -> str:
        return self.auth.authorization_code(client_id)

    def expire_access_token(self, access_token: str) -> None:
        self.auth.expire(access_token)

    def inject(self, kind: str, count: int = 1, method: str | None = None, fault: str | None = None) -> None:
        """Fail the next `count` calls: `method` is an XML-RPC method name or a REST operationId
        ("listOrders"); None targets any call (see `injection`)."""
        self.injector.add(kind, count, method, fault)

    def set_xmlrpc_off_from(self, moment: datetime | None) -> None:
        """From `moment` (aware; by the sandbox clock) on, the XML-RPC paths answer HTTP 410."""
        self.xmlrpc_off_from = None if moment is None else _aware(moment, "xmlrpc_off_from")

    def set_brownouts(self, windows: list[Brownout]) -> None:
        """Inside a [start, end) window (aware datetimes) the XML-RPC paths answer HTTP 503."""
        checked = []
        for start, end in windows:
            if _aware(start, "brownout start") >= _aware(end, "brownout end"):
                raise ValueError(f"brownout window ends before it starts: {start} .. {end}")
            checked.append((start, end))
        self.brownouts = checked

    def set_order_source_type(self, order_id: int, source_type: str) -> None:
        """What REST v2 shows as the order's source_type (XML-RPC has no such field)."""
        set_source_type(self.store, order_id, source_type)

    def load_fixture(self, fixture: str | Path | dict) -> dict:
        from .fixtures import load_fixture

        return load_fixture(self.store, fixture)

    # --- HTTP -----------------------------------------------------------------

    def _app(self, request: Request) -> Response:
        if request.path == self.TOKEN_PATH:
            return self.auth.token_endpoint(request)
        if is_rest_path(request.path):
            if self.latency:
                time.sleep(self.latency)
            return self._rest_call(request)
        if request.path.rstrip("/") in (self.XMLRPC_PATH, "/crm/xmlrpc"):
            legacy = False
        elif request.path.rstrip("/") == self.LEGACY_PATH:
            legacy = True
        else:
            return Response(404, "Not Found")
        unavailable = self._xmlrpc_unavailable()
        if unavailable is not None:
            return unavailable
        if request.method != "POST":
            return Response(405, "Method Not Allowed", headers=[("Allow", "POST")])
        if self.latency:
            time.sleep(self.latency)
        return self._legacy_call(request) if legacy else self._modern_call(request)

    def _modern_call(self, request: Request) -> Response:
        try:
            credential = self._authenticate(request)
        except AuthFailure as failure:
            return Response(401, failure.body, content_type=JSON, headers=[("WWW-Authenticate", "Bearer")])
        violated, quota_headers = self.quotas.admit(credential)
        if violated is not None:
            return Response(429, violation_body(violated, credential), content_type=JSON, headers=quota_headers)
        return self._xmlrpc(request.body, quota_headers, credential)

    def _authenticate(self, request: Request, service_key_as_bearer: bool = False) -> str:
        """The quota identity of the caller. A key counts the same on both faces (Keap counts
        a key across APIs); REST also takes the service account key as a Bearer token."""
        api_key = request.header("X-Keap-API-Key")
        if api_key is not None:
            self.auth.check_service_key(api_key)
            return f"sak-{_label(api_key)}"
        bearer = request.header("Authorization") or ""
        token = bearer[7:].strip() if bearer.lower().startswith("bearer ") else request.query.get("access_token")
        if not token:
            raise AuthFailure("Invalid access token", "oauth.v2.InvalidAccessToken")
        if service_key_as_bearer and token in self.auth.service_keys:
            return f"sak-{_label(token)}"
        return f"oauth-{self.auth.client_for_access_token(token)}"

    def _xmlrpc_unavailable(self) -> Response | None:
        """410 once XML-RPC is switched off, 503 inside a brownout, None otherwise."""
        if self.xmlrpc_off_from is None and not self.brownouts:
            return None
        now = self._clock()
        if now.tzinfo is None:  # a test clock may be naive: take it as UTC, as utc_now is
            now = now.replace(tzinfo=dt_timezone.utc)
        if self.xmlrpc_off_from is not None and now >= self.xmlrpc_off_from:
            off = self.xmlrpc_off_from.astimezone(dt_timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
            message = (f"The XML-RPC API was retired on {off}. Use the Keap REST v2 API "
                       f"(https://api.keap.com/crm/rest/v2) instead.")
            body = json.dumps({"fault": {"faultstring": message, "detail": {"errorcode": _RETIRED_ERRORCODE}}})
            return Response(410, body, content_type=JSON)
        if any(start <= now < end for start, end in self.brownouts):
            return Response(503, _503_BODY, content_type=JSON)
        return None

    def _rest_call(self, request: Request) -> Response:
        try:
            credential = self._authenticate(request, service_key_as_bearer=True)
        except AuthFailure as failure:
            return Response(401, failure.body, content_type=JSON, headers=[("WWW-Authenticate", "Bearer")])
        violated, quota_headers = self.quotas.admit(credential)
        if violated is not None:
            return Response(429, violation_body(violated, credential), content_type=JSON, headers=quota_headers)
        try:
            operation, path_params = resolve(request.method, request.path)
        except RestError as error:
            return Response(error.status, error.body, content_type=JSON, headers=quota_headers)
        injection = self.injector.take(operation.operation_id, REST_KINDS)
        if injection is not None and injection.kind not in GARBLING:
            return self._injected(injection, quota_headers, credential, rest=True)
        self.rest_calls += 1
        try:
            answer = operation.handler(self.store, request.query, path_params)
            status, payload = 200, json.dumps(answer, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        except RestError as error:
            status, payload = error.status, error.body.encode("utf-8")
        if injection is not None:
            payload = b"" if injection.kind == "blank" else payload[: len(payload) // 2]
        return Response(status, payload, content_type=JSON, headers=quota_headers)

    def _legacy_call(self, request: Request) -> Response:
        try:
            method, params = wire.parse_call(request.body)
            key = params[0] if params and takes_key(method) else None
            if not self.legacy_enabled or not isinstance(key, str) or key not in self.auth.legacy_keys:
                raise faults.invalid_key()
        except Fault as fault:
            return self._fault_response(fault, [])
        violated, _ = self.quotas.admit(f"legacy-{_label(key)}")
        if violated is not None:
            return self._fault_response(faults.throttled(), [])
        return self._xmlrpc(request.body, [], None)

    def _xmlrpc(self, body: bytes, headers: list[tuple[str, str]], credential: str | None) -> Response:
        try:
            method, params = wire.parse_call(body)
        except Fault as fault:
            return self._fault_response(fault, headers)
        injection = self.injector.take(method)
        if injection is not None and injection.kind not in GARBLING:
            return self._injected(injection, headers, credential)
        try:
            self.calls += 1
            payload = wire.dump_response(call(self._methods, self._context, method, params), self.pretty)
        except Fault as fault:
            payload = wire.dump_fault(fault, self.pretty)
        if injection is not None:
            payload = b"" if injection.kind == "blank" else payload[: len(payload) // 2]
        return Response(200, payload, content_type=wire.CONTENT_TYPE, headers=headers)

    def _fault_response(self, fault: Fault, headers: list[tuple[str, str]]) -> Response:
        return Response(200, wire.dump_fault(fault, self.pretty), content_type=wire.CONTENT_TYPE, headers=headers)

    def _injected(self, injection, headers, credential, rest: bool = False) -> Response:
        kind = injection.kind
        if kind == "http500" and rest:
            return Response(500, error_body(500, "Internal Server Error"), content_type=JSON, headers=headers)
        if kind == "http500":
            return Response(500, _500_BODY, content_type="text/html", headers=headers)
        if kind == "html":
            return Response(200, _HTML_BODY, content_type="text/html; charset=utf-8", headers=headers)
        if kind == "http503":
            return Response(503, _503_BODY, content_type=JSON, headers=headers)
        if kind == "http429":
            window = self.quotas.windows[-1]
            return Response(429, violation_body(window, credential or "legacy"), content_type=JSON, headers=headers)
        if kind == "throttle_fault":
            return self._fault_response(faults.throttled(), headers)
        return self._fault_response(faults.fault_from_string(injection.fault), headers)

    def __repr__(self) -> str:
        return f"InfusionsoftSandbox(zone={self.store.timezone_name!r})"


def serve(fixture: Any = None, **options) -> InfusionsoftSandbox:
    """Start a sandbox (optionally seeded from a fixture) and return it running."""
    sandbox = InfusionsoftSandbox(**options).start()
    if fixture is not None:
        sandbox.load_fixture(fixture)
    return sandbox

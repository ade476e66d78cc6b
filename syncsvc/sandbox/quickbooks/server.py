"""Routing: turns one HTTP request into QBO's answer (OAuth endpoints and the v3 API)."""

from __future__ import annotations

import json
import re
import secrets
import threading
import time
from typing import Callable

from syncsvc.sandbox.httpserver import Request, Response

from . import query as qbo_query
from .batch import run_batch
from .company import Company
from .faults import (JSON_TYPE, QboFault, fault_response, malformed_request, service_unavailable_html,
                     system_fault, throttle_xml_response, throttled, unauthorized_response)
from .limits import AFTER_COMMIT_KINDS, CompanyLimits, Options
from .oauth import (AUTHORIZE_PATH, DISCOVERY_PATH, JWKS_PATH, REVOKE_PATH, TOKEN_PATH, USERINFO_PATH, OAuthError,
                    OAuthServer, parse_form)
from .operations import ENTITY_BY_PATH, read, write
from .rules import WriteContext
from .wire import dumps, loads, response_time

API_PATH = re.compile(r"^/v3/company/(?P<realm>[^/]+)/(?P<rest>.+?)/?$")
QUERY_FROM = re.compile(r"\bfrom\s+([A-Za-z]+)", re.IGNORECASE)
REQUEST_ID_MAX = 50
QUERYABLE = set(ENTITY_BY_PATH.values())


class QuickBooksApp:
    """All sandbox state: companies, their limits, and the OAuth server."""

    def __init__(self, defaults: Options, clock: Callable[[], float]) -> None:
        self.clock = clock
        self.defaults = defaults
        self.overrides: dict[str, dict] = {}
        self.companies: dict[str, Company] = {}
        self.limits: dict[str, CompanyLimits] = {}
        self.lock = threading.Lock()
        self.base_url = ""
        self.oauth = OAuthServer(clock, lambda realm: realm in self.companies)

    # state ----------------------------------------------------------------

    def options(self, realm: str) -> Options:
        return self.defaults.with_changes(self.overrides.get(realm, {}))

    def add_company(self, name: str, realm_id: str | None) -> str:
        with self.lock:
            realm = realm_id or str(9130350000000000 + secrets.randbelow(10 ** 9))
            if realm in self.companies:
                raise ValueError(f"company {realm} already exists")
            self.companies[realm] = Company(realm, name, self.clock())
            self.limits[realm] = CompanyLimits(self.options(realm), self.clock)
            return realm

    def configure(self, realm: str | None, changes: dict) -> None:
        with self.lock:
            if realm is None:
                self.defaults = self.defaults.with_changes(changes)
            else:
                self.company(realm)
                self.defaults.with_changes(changes)  # validates names
                self.overrides.setdefault(realm, {}).update(changes)
            for name, limits in self.limits.items():
                limits.apply(self.options(name))

    def company(self, realm: str) -> Company:
        try:
            return self.companies[realm]
        except KeyError:
            raise KeyError(f"no sandbox company {realm}") from None

    # dispatch ---------------------------------------------------------------

    def __call__(self, request: Request) -> Response:
        path = request.path
        if path.rstrip("/") + "/" in (DISCOVERY_PATH, "/.well-known/openid_sandbox_configuration/"):
            return _json(200, self.oauth.discovery(self.base_url))
        if path == AUTHORIZE_PATH:
            return self._authorize(request)
        if path == TOKEN_PATH and request.method == "POST":
            return self._token(request)
        if path == REVOKE_PATH and request.method == "POST":
            return self._revoke(request)
        if path == JWKS_PATH:
            return _json(200, {"keys": []})
        if path == USERINFO_PATH:
            return _json(200, {"sub": "sandbox-user", "email": "sandbox@example.com", "emailVerified": True})
        match = API_PATH.match(path)
        if match:
            return self._api(request, match.group("realm"), match.group("rest"))
        return Response(404, "not found")

    # OAuth ------------------------------------------------------------------

    def _authorize(self, request: Request) -> Response:
        try:
            location = self.oauth.authorize(request.query, self._default_realm)
        except OAuthError as exc:
            return _json(exc.status, {"error": exc.error})
        return Response(302, b"", headers=[("Location", location)])

    def _default_realm(self) -> str:
        """The company the (auto-consenting) user picks: the newest one, or a new one if there is none."""
        with self.lock:
            existing = next(reversed(self.companies), None)
        return existing or self.add_company("Sandbox Company", None)

    def _token(self, request: Request) -> Response:
        try:
            body = self.oauth.token(parse_form(request.body), request.header("Authorization"),
                                    lambda realm: self.options(realm).access_token_ttl)
        except OAuthError as exc:
            return _json(exc.status, {"error": exc.error})
        return _json(200, body)

    def _revoke(self, request: Request) -> Response:
        try:
            content_type = request.header("Content-Type", "") or ""
            if "json" in content_type:
                token = (json.loads(request.body or b"{}") or {}).get("token", "")
            else:
                token = parse_form(request.body).get("token", "")
            self.oauth.revoke(token, request.header("Authorization"))
        except (OAuthError, ValueError) as exc:
            error = exc.error if isinstance(exc, OAuthError) else "invalid_request"
            return _json(getattr(exc, "status", 400), {"error": error})
        return Response(200, b"", "application/json")

    # API --------------------------------------------------------------------

    def _api(self, request: Request, realm: str, rest: str) -> Response:
        """QBO's answer, after `latency` (plus `batch_item_latency` per batch item) whatever the answer."""
        now = self.clock()
        limits = self.limits.get(realm)
        options = limits.options if limits is not None else self.defaults
        problem = self.oauth.check_bearer(request.header("Authorization"), realm)
        if problem is not None or limits is None:
            return _after(options.latency, unauthorized_response(problem or "Token invalid", int(now * 1000)))
        if not limits.enter():
            return _after(options.latency, _throttled(options, now))
        try:
            is_batch = _is_batch(request, rest)
            if not limits.admit(is_batch):
                response = _throttled(options, now)
            else:
                delay = options.latency + (options.batch_item_latency * _batch_items(request) if is_batch else 0.0)
                if delay > 0:
                    time.sleep(delay)  # inside the in-flight slot: QBO is working on it
                return self._answer(request, self.companies[realm], limits, rest)
        finally:
            limits.leave()
        return _after(options.latency, response)

    def _answer(self, request: Request, company: Company, limits: CompanyLimits, rest: str) -> Response:
        options = limits.options
        injected = limits.take_injection(_request_entity(request, rest), _is_write(request, rest))
        if injected and injected not in AFTER_COMMIT_KINDS:
            response = _injected_response(injected, response_time(self.clock()))
            if response.status == 429 and options.retry_after is not None:
                response.headers.append(("Retry-After", str(options.retry_after)))
            return response
        response = self._replayable(request, company, rest, options.requestid_replay and not _is_batch(request, rest))
        if injected == "drop_after_commit":
            return Response(drop_connection=True)
        if injected == "http500_after_commit":
            return _injected_response("http500", response_time(self.clock()))
        return response

    def _replayable(self, request: Request, company: Company, rest: str, replay: bool) -> Response:
        request_id = request.query.get("requestid")
        if request_id and len(request_id) > REQUEST_ID_MAX:
            fault = QboFault(6000, "A business validation error has occurred while processing your request",
                             f"Business Validation Error: You cannot enter more than {REQUEST_ID_MAX} characters "
                             f"in the request_id field.")
            return fault_response(fault, response_time(self.clock()))
        if not request_id or not replay:
            return self._handle(request, company, rest)
        unreadable = _unreadable_body(request, rest)
        if unreadable is not None:
            # A body that is not JSON (cut short on the way, say) was never processed: its 400 is not the
            # answer to remember for the requestid, so the whole request sent again is processed.
            return fault_response(unreadable, response_time(self.clock()))
        with company.lock:  # one answer per requestid even when two copies race
            stored = company.replies.get(request_id)
            if stored is None:
                response = self._handle(request, company, rest)
                stored = (response.status, response.body, response.content_type)
                company.replies[request_id] = stored
            return Response(stored[0], stored[1], stored[2])

    def _handle(self, request: Request, company: Company, rest: str) -> Response:
        include = _includes(request.query.get("include"))
        if self.options(company.realm_id).duplicate_doc_numbers:
            include.add("allowduplicatedocnum")
        ctx = WriteContext(company, self.clock(), include)
        try:
            with company.lock:
                payload = self._route(request, ctx, rest)
        except QboFault as fault:
            return fault_response(fault, response_time(ctx.now))
        return Response(200, dumps({**payload, "time": response_time(ctx.now)}), JSON_TYPE)

    def _route(self, request: Request, ctx: WriteContext, rest: str) -> dict:
        parts = rest.split("/")
        head = parts[0].lower()
        if head == "query":
            text = request.query.get("query") if request.method == "GET" else request.body.decode("utf-8")
            if not text:
                raise qbo_query.parse_error("Encountered \"<EOF>\" at line 1, column 1.")
            return {"QueryResponse": self._query(ctx, text)}
        if head == "batch" and request.method == "POST":
            return run_batch(ctx, _json_body(request), lambda text: self._query(ctx, text))
        if head == "companyinfo" and request.method == "GET":
            return read(ctx, "CompanyInfo", "1" if len(parts) < 2 else ("1" if parts[1] == ctx.company.realm_id
                                                                         else parts[1]))
        if head == "preferences":
            return read(ctx, "Preferences", "1")
        entity = ENTITY_BY_PATH.get(head)
        if entity is None:
            raise QboFault(4001, "Invalid query", f"QueryValidationError: unsupported entity: {parts[0]}")
        if request.method == "GET" and len(parts) == 2:
            return read(ctx, entity, parts[1])
        if request.method == "POST" and len(parts) == 1:
            return write(ctx, entity, _json_body(request), request.query.get("operation"))
        raise QboFault(500, "Unsupported Operation", f"Operation {request.method} {rest} is not supported.")

    def _query(self, ctx: WriteContext, text: str) -> dict:
        parsed = qbo_query.parse(text)
        qbo_query.validate(parsed, QUERYABLE)
        return qbo_query.run(parsed, qbo_query.candidates(parsed, ctx.company))


def _json(status: int, body) -> Response:
    return Response(status, json.dumps(body), "application/json")


def _json_body(request: Request):
    parsed = getattr(request, "parsed_json", None)
    if parsed is not None:
        return parsed
    try:
        parsed = loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError) as exc:
        raise malformed_request(f"Request body is not valid JSON: {exc}") from None
    request.parsed_json = parsed
    return parsed


def _unreadable_body(request: Request, rest: str) -> QboFault | None:
    """The 400 for a POST whose JSON body cannot be parsed (queries are text), else None."""
    if request.method != "POST" or rest.split("/")[0].lower() == "query":
        return None
    try:
        _json_body(request)
    except QboFault as fault:
        return fault
    return None


def _includes(value: str | None) -> set[str]:
    return {part.strip().lower() for part in (value or "").split(",") if part.strip()}


def _request_entity(request: Request, rest: str) -> str | None:
    head = rest.split("/")[0].lower()
    if head == "query":
        text = request.query.get("query") or request.body.decode("utf-8", "replace")
        match = QUERY_FROM.search(text)
        return match.group(1) if match else None
    return ENTITY_BY_PATH.get(head)


def _is_batch(request: Request, rest: str) -> bool:
    return request.method == "POST" and rest.split("/")[0].lower() == "batch"


def _batch_items(request: Request) -> int:
    try:
        items = _json_body(request).get("BatchItemRequest")
    except (QboFault, AttributeError):
        return 0
    return len(items) if isinstance(items, list) else 0


def _throttled(options: Options, now: float) -> Response:
    response = fault_response(throttled(), response_time(now))
    if options.retry_after is not None:
        response.headers.append(("Retry-After", str(options.retry_after)))
    return response


def _after(latency: float, response: Response) -> Response:
    if latency > 0:
        time.sleep(latency)
    return response


def _is_write(request: Request, rest: str) -> bool:
    return request.method == "POST" and rest.split("/")[0].lower() != "query"


def _injected_response(kind: str, time_text: str) -> Response:
    if kind == "http500":
        return fault_response(system_fault(), time_text)
    if kind == "http503_html":
        return service_unavailable_html()
    if kind == "throttle_xml":
        return throttle_xml_response(time_text)
    if kind == "throttle_json":
        return fault_response(throttled(), time_text)
    return Response(200, b"", JSON_TYPE)  # empty_body

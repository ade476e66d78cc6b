"""One Keap REST v2 call through the official SDK: rate limit, auth, timeout, retry, raw JSON page.

The SDK builds each request (path, query, Accept header) through its
`*_without_preload_content` methods; we send our own `Authorization` header
per call and read the answer as raw JSON, because the SDK's typed methods
fail a whole page on one record they dislike (tolerant.py loads records one
by one instead). The SDK's urllib3 retries are off: the retry policy is the
one the XML-RPC transport uses (retrying.py: `RetryPolicy`, `is_retryable`,
tenacity, backoff with jitter), so both APIs behave the same under failure:

- retried: HTTP 429 (Keap sends no Retry-After, so backoff; one is honoured
  if it ever comes), 5xx, network errors and timeouts, and 200 answers whose
  body is blank, cut off, HTML or not a JSON object;
- 401: one OAuth refresh and one more try, then InfusionsoftAuthError (a
  service key gets no refresh); 403: InfusionsoftAuthError naming the call;
- 400: fails at once with `RestBadRequest` naming the operation and the
  filter: Keap refused a request we built, which is our bug to fix;
- 404: `RestNotFound` (for getOrder: the order was deleted).

Every HTTP request made counts in `calls` and emits apievents CALL; retries
emit RETRY and 429s THROTTLE (retrying.py), as for XML-RPC.
"""

from __future__ import annotations

import json
import logging
import random as _random
import time
from collections import Counter
from typing import Any, Callable

import urllib3
from keap_core_v2_client import ApiClient, Configuration
from keap_core_v2_client.api import ContactApi, OrdersApi, ProductsApi, SalesApi
from keap_core_v2_client.exceptions import ApiException

from syncsvc import apievents, stopping
from syncsvc.infusionsoft.auth import Auth
from syncsvc.infusionsoft.errors import (
    HttpStatusError,
    InfusionsoftAuthError,
    InfusionsoftThrottled,
    InfusionsoftUnavailable,
    MalformedResponse,
)
from syncsvc.infusionsoft.retrying import RetryPolicy, retrying
from syncsvc.ratelimit import SlidingWindowLimiter

log = logging.getLogger(__name__)
API = "infusionsoft"


class RestBadRequest(HttpStatusError):
    """HTTP 400: Keap refused a request syncsvc built (a filter or parameter it does not take)."""


class RestNotFound(HttpStatusError):
    """HTTP 404: no such record (a deleted order)."""


class RestCaller:
    """`call(operation, send, **params)` -> the answer's JSON object; `calls` counts HTTP requests."""

    def __init__(
        self,
        host: str,
        auth: Auth,
        *,
        limiter: SlidingWindowLimiter | None = None,
        policy: RetryPolicy = RetryPolicy(),
        timeout: float = 30.0,
        sleep: Callable[[float], None] = stopping.sleep,
        random: Callable[[], float] = _random.random,
    ) -> None:
        configuration = Configuration(host=host.rstrip("/"))
        configuration.retries = False  # urllib3 must not retry behind our policy's back
        self.host = configuration.host
        self.api_client = ApiClient(configuration)
        self.orders = OrdersApi(self.api_client)
        self.sales = SalesApi(self.api_client)
        self.contacts = ContactApi(self.api_client)
        self.products = ProductsApi(self.api_client)
        self.calls = 0
        self.calls_by_operation: Counter[str] = Counter()  # operationId -> HTTP requests
        self._auth = auth
        self._limiter = limiter
        self._policy = policy
        self._timeout = float(timeout)
        self._sleep = sleep
        self._random = random

    def call(self, operation: str, send: Callable[..., Any], **params: Any) -> dict:
        """Send `send(**params)` (an SDK `*_without_preload_content` method) with retries.

        `operation` is Keap's operationId ("listOrders"), used in logs and messages."""
        attempts = retrying(
            self._policy, sleep=self._sleep, random=self._random, label="Keap", operation=operation, log=log
        )
        try:
            return attempts(self._attempt, operation, send, params)
        except InfusionsoftThrottled as exc:
            raise InfusionsoftThrottled(
                f"Keap kept throttling {operation} at {self.host} after {self._policy.max_attempts} attempts: {exc}",
                exc.retry_after,
            ) from None
        except InfusionsoftUnavailable as exc:
            raise type(exc)(
                f"Keap REST v2 at {self.host} failed {operation} {self._policy.max_attempts} times: {exc}"
            ) from None

    def close(self) -> None:
        self.api_client.rest_client.pool_manager.clear()

    # -- one attempt -----------------------------------------------------------------------

    def _attempt(self, operation: str, send: Callable[..., Any], params: dict) -> dict:
        status, headers, body = self._send(operation, send, params)
        if status == 401:
            if not self._auth.refresh_after_401():
                raise self._auth.rejected()
            status, headers, body = self._send(operation, send, params)  # exactly one retry, refreshed
            if status == 401:
                raise self._auth.rejected()
        self._check_status(operation, params, status, headers, body)
        return _json_object(operation, headers, body)

    def _send(self, operation: str, send: Callable[..., Any], params: dict) -> tuple[int, Any, bytes]:
        if self._limiter is not None:
            self._limiter.acquire()
        request_headers = dict(self._auth.headers())
        started = time.monotonic()
        self.calls += 1
        self.calls_by_operation[operation] += 1
        apievents.emit(API, apievents.CALL)
        response = None
        try:
            response = send(**params, _headers=request_headers, _request_timeout=self._timeout)
            body = response.read()
        except urllib3.exceptions.NewConnectionError as exc:
            raise InfusionsoftUnavailable(f"could not reach Keap at {self.host} ({type(exc).__name__})") from None
        except urllib3.exceptions.TimeoutError:
            raise InfusionsoftUnavailable(
                f"Keap at {self.host} did not answer {operation} within {self._timeout:g} s"
            ) from None
        except urllib3.exceptions.ProtocolError as exc:
            # Also a body cut off before its Content-Length: the answer is incomplete.
            raise MalformedResponse(f"Keap's answer to {operation} broke off ({exc})") from None
        except (urllib3.exceptions.HTTPError, ApiException, OSError) as exc:
            raise InfusionsoftUnavailable(
                f"could not reach Keap at {self.host} for {operation} ({type(exc).__name__}: {exc})"
            ) from None
        finally:
            if response is not None:
                response.release_conn()
        log.debug("%s -> HTTP %s in %.3f s", operation, response.status, time.monotonic() - started)
        return response.status, response.headers, body or b""

    def _check_status(self, operation: str, params: dict, status: int, headers: Any, body: bytes) -> None:
        if 200 <= status < 300:
            return
        detail = _error_detail(body)
        if status == 429:
            raise InfusionsoftThrottled(f"Keap throttled {operation} (HTTP 429)", _retry_after(headers))
        if status >= 500:
            raise InfusionsoftUnavailable(f"Keap answered {operation} with HTTP {status}{detail}")
        if status == 403:
            raise InfusionsoftAuthError(
                f"Keap refused {operation} (HTTP 403{detail}): the key or token may not read this; "
                f"give it access to orders, payments, contacts and products in Keap"
            )
        if status == 400:
            raise RestBadRequest(
                f"Keap refused {operation} as a bad request (HTTP 400{detail}) for {_described(params)}: "
                f"syncsvc built a request Keap does not take; please report this",
                status,
            )
        if status == 404:
            raise RestNotFound(f"Keap has no record for {operation} {_described(params)} (HTTP 404)", status)
        raise HttpStatusError(f"Keap answered {operation} at {self.host} with HTTP {status}{detail}", status)


def _json_object(operation: str, headers: Any, body: bytes) -> dict:
    text = body.strip()
    if not text:
        raise MalformedResponse(f"Keap answered {operation} with an empty body")
    content_type = str(headers.get("Content-Type", "") if headers is not None else "").lower()
    if "html" in content_type or text[:1] == b"<":
        raise MalformedResponse(f"Keap answered {operation} with an HTML page instead of JSON")
    try:
        parsed = json.loads(text)
    except ValueError:
        raise MalformedResponse(f"Keap's answer to {operation} is not complete JSON ({len(body)} bytes)") from None
    if not isinstance(parsed, dict):
        raise MalformedResponse(f"Keap answered {operation} with JSON {type(parsed).__name__}, not an object")
    return parsed


def _retry_after(headers: Any) -> float | None:
    value = headers.get("Retry-After") if headers is not None else None
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None


def _error_detail(body: bytes) -> str:
    """Keap's own error message, when the body carries one (never the request's credentials)."""
    try:
        parsed = json.loads(body or b"")
    except ValueError:
        return ""
    message = parsed.get("message") if isinstance(parsed, dict) else None
    return f": {str(message)[:300]}" if message else ""


def _described(params: dict) -> str:
    shown = {k: v for k, v in params.items() if k in ("filter", "order_by", "order_id", "page_token", "fields")}
    text = ", ".join(f"{k} {v!r}" for k, v in shown.items())
    return text if len(text) <= 400 else text[:400] + "..."


__all__ = ["RestBadRequest", "RestCaller", "RestNotFound"]

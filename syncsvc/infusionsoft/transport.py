"""One XML-RPC call over HTTP: rate limit, auth, timeout, retry, parse.

Retries follow retrying.py (errors.py decides what is
retryable): network errors, HTTP 5xx and 429, blank/cut-off/non-XML bodies,
the ThrottlingException fault and the spurious [InvalidConfig] fault are tried
again with exponential backoff and jitter (Retry-After wins when the server
sends it). Key, access, parameter, field, record-not-found and method-signature
faults fail at once. A 401 gets exactly one token refresh, then fails.
"""

from __future__ import annotations

import logging
import random as _random
import time
from datetime import datetime, timezone
from typing import Any, Callable
from zoneinfo import ZoneInfo

import httpx

from syncsvc import apievents, stopping
from syncsvc.infusionsoft import wire
from syncsvc.infusionsoft.auth import Auth
from syncsvc.infusionsoft.errors import (
    HttpStatusError,
    InfusionsoftThrottled,
    InfusionsoftUnavailable,
    InvalidKeyFault,
    XmlRpcRetired,
)
from syncsvc.infusionsoft import sunset
from syncsvc.infusionsoft.retrying import RetryPolicy, retrying
from syncsvc.ratelimit import SlidingWindowLimiter

log = logging.getLogger(__name__)
API = "infusionsoft"


def _retry_after_seconds(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        from email.utils import parsedate_to_datetime

        try:
            moment = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        return max(0.0, moment.timestamp() - time.time())


class XmlRpcTransport:
    def __init__(
        self,
        url: str,
        auth: Auth,
        zone: ZoneInfo,
        http: httpx.Client,
        limiter: SlidingWindowLimiter | None = None,
        policy: RetryPolicy = RetryPolicy(),
        timeout: float = 30.0,
        sleep: Callable[[float], None] = stopping.sleep,
        random: Callable[[], float] = _random.random,
        now: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
    ) -> None:
        self.url = url
        self._now = now
        self.zone = zone
        self._auth = auth
        self._http = http
        self._limiter = limiter
        self._policy = policy
        self._timeout = timeout
        self._sleep = sleep
        self._random = random

    def call(self, method: str, *params: Any) -> Any:
        """Call `method` with the key parameter prepended; the parsed, zone-aware result."""
        attempts = retrying(
            self._policy, sleep=self._sleep, random=self._random, label="Infusionsoft", operation=method, log=log
        )
        try:
            return attempts(self._attempt, method, params)
        except InfusionsoftThrottled as exc:
            raise InfusionsoftThrottled(
                f"Infusionsoft kept throttling {method} at {self.url} after "
                f"{self._policy.max_attempts} attempts: {exc}",
                exc.retry_after,
            ) from None
        except InfusionsoftUnavailable as exc:
            message = f"Infusionsoft at {self.url} failed {method} {self._policy.max_attempts} times: {exc}"
            if sunset.is_past(self._now()):
                raise XmlRpcRetired(f"{message}; Keap switched XML-RPC off after {sunset.LAST_DAY}: "
                                    f"{sunset.SWITCH}") from None
            raise type(exc)(message) from None

    # -- one attempt ---------------------------------------------------------------

    def _attempt(self, method: str, params: tuple) -> Any:
        body = wire.dumps_call(method, (self._auth.key_param(), *params), self.zone)
        response = self._post(method, body)
        if response.status_code == 401:
            if not self._auth.refresh_after_401():
                raise self._auth.rejected()
            response = self._post(method, body)  # exactly one retry with the refreshed token
            if response.status_code == 401:
                raise self._auth.rejected()
        self._check_status(method, response)
        try:
            return wire.loads_response(response.content, self.zone, method)
        except InvalidKeyFault:
            raise self._auth.rejected() from None

    def _post(self, method: str, body: bytes) -> httpx.Response:
        if self._limiter is not None:
            self._limiter.acquire()
        headers = {"Content-Type": "text/xml; charset=utf-8", "Accept": "text/xml", **self._auth.headers()}
        started = time.monotonic()
        apievents.emit(API, apievents.CALL)
        try:
            response = self._http.post(self.url, content=body, headers=headers, timeout=self._timeout)
        except httpx.TimeoutException:
            raise InfusionsoftUnavailable(
                f"Infusionsoft at {self.url} did not answer {method} within {self._timeout:g} s"
            ) from None
        except httpx.HTTPError as exc:
            raise InfusionsoftUnavailable(
                f"could not reach Infusionsoft at {self.url} ({type(exc).__name__}: {exc})"
            ) from None
        log.debug("%s -> HTTP %s in %.3f s", method, response.status_code, time.monotonic() - started)
        return response

    def _check_status(self, method: str, response: httpx.Response) -> None:
        status = response.status_code
        if status == 200:
            return
        if status == 429:
            raise InfusionsoftThrottled(
                f"Infusionsoft throttled {method} (HTTP 429)", _retry_after_seconds(response)
            )
        if status >= 500:
            raise InfusionsoftUnavailable(f"Infusionsoft answered {method} with HTTP {status}")
        if status == 410 or (status == 404 and sunset.is_past(self._now())):
            raise XmlRpcRetired(sunset.retired(self.url, status))
        if status == 403:
            raise self._auth.rejected()
        raise HttpStatusError(f"Infusionsoft answered {method} at {self.url} with HTTP {status}", status)


__all__ = ["XmlRpcTransport"]

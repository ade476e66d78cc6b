"""SyncQuickBooks: python-quickbooks' client with timeouts, retries, limits and typed errors.

python-quickbooks sends every call through `process_request` and then throws
the HTTP status away in `make_request`. Overriding `process_request` is the
least invasive hook: here each attempt takes a per-company rate and
concurrency slot (and a batch slot for a POST to /batch), uses the current
access token (refreshed ahead of expiry,
and once more after a 401), has a timeout, and is classified before the
library parses it. `make_request` only converts the library's exceptions into
the typed ones of `errors`.

Reads are retried on throttling, 5xx, non-JSON bodies and network errors. A
write is retried here only when QBO certainly did not apply it (429/3001,
connection refused); if it was sent and no usable answer came back, it raises
UnknownOutcome and `writers` resolves it by looking the document up first.

One instance per thread: its requests.Session is not meant to be shared.
"""

from __future__ import annotations

import json
import logging

import requests
from quickbooks.client import QuickBooks
from quickbooks.exceptions import QuickbooksException
from urllib3.exceptions import NewConnectionError

from syncsvc import apievents
from syncsvc.quickbooks.errors import (
    QuickBooksError,
    ServerFault,
    Throttled,
    TransportError,
    UnknownOutcome,
    classify_fault,
    fault_from_body,
)
from syncsvc.quickbooks.transport import LoopbackAwareOAuth2Session, install_compact_json

log = logging.getLogger(__name__)

install_compact_json()  # every write and batch body once, compact (see transport)


class _Rejected401(QuickBooksError):
    """Internal: the access token was refused and a new one obtained; send again once."""

    retriable = True


class SyncQuickBooks(QuickBooks):
    """Build with `QuickBooksCompany.client()`, not directly."""

    company = None  # the QuickBooksCompany this client belongs to
    timeout: float = 60.0
    last_status: int | None = None
    last_intuit_tid: str | None = None

    def _start_session(self):
        # Never refresh implicitly (python-quickbooks would rotate the refresh token without
        # saving it); the company's tokens object supplies a current access token per request.
        self.session = LoopbackAwareOAuth2Session(self.auth_client.client_id, token={"access_token": ""})
        return None

    # -- the hooks ---------------------------------------------------------------------------

    def make_request(self, *args, **kwargs):
        try:
            return super().make_request(*args, **kwargs)
        except QuickBooksError:
            raise
        except QuickbooksException as exc:
            raise classify_fault(exc.error_code, exc.message, exc.detail, self.last_status) from None

    def process_request(self, request_type, url, headers="", params="", data=""):
        is_write = request_type.upper() != "GET" and not url.endswith("/query")
        retry_on = _retriable_write if is_write else _retriable_read
        state = {"refreshed": False}
        for attempt in self.company.retry_policy.retrying(retry_on):
            with attempt:
                return self._send_once(request_type, url, dict(headers or {}), params, data, is_write, state)

    # -- one attempt -------------------------------------------------------------------------

    def _send_once(self, method, url, headers, params, data, is_write, state):
        tokens = self.company.tokens
        access_token = tokens.access_token()  # a refresh is no API call: done before the slots are stamped
        with self.company.limits.slot(batch=_is_batch(method, url)):
            self._use_access_token(access_token)
            headers["Authorization"] = f"Bearer {access_token}"
            apievents.emit("quickbooks", apievents.CALL)
            try:
                response = self.session.request(
                    method, url, headers=headers, params=params, data=data, timeout=self.timeout
                )
            except requests.RequestException as exc:
                sent = not _never_sent(exc)
                what = f"{method} {_path(url)}: {type(exc).__name__}"
                if is_write and sent:
                    raise UnknownOutcome(f"no answer to {what}", exc) from None
                raise TransportError(f"no answer to {what}", sent) from None
        self.last_status = response.status_code
        self.last_intuit_tid = response.headers.get("intuit_tid") or response.headers.get("Intuit-Tid")

        if response.status_code == 401 and not state["refreshed"]:
            state["refreshed"] = True
            tokens.refresh_after_rejection(access_token)
            raise _Rejected401("access token refused; refreshed")
        problem = _transient_problem(response)
        if problem is None:
            return response
        if isinstance(problem, Throttled):
            apievents.emit("quickbooks", apievents.THROTTLE)
        if is_write and not isinstance(problem, Throttled):
            raise UnknownOutcome(f"{method} {_path(url)} answered {problem}", problem)
        log.info("QuickBooks %s %s: %s; retrying", method, _path(url), problem)
        raise problem

    def _use_access_token(self, access_token: str) -> None:
        if self.session.access_token != access_token:
            self.session.token = {"access_token": access_token}


def _transient_problem(response: requests.Response) -> QuickBooksError | None:
    """A Throttled/ServerFault for answers worth retrying; None for everything else (incl. real faults)."""
    status = response.status_code
    retry_after = _retry_after(response)
    try:
        body = json.loads(response.text) if response.text.strip() else None
    except ValueError:
        body = None
    fault = fault_from_body(body, status, retry_after) if isinstance(body, dict) else None
    if status == 429 or isinstance(fault, Throttled):
        return fault if isinstance(fault, Throttled) else classify_fault(
            3001, "ThrottleExceeded", _snippet(response), status, retry_after
        )
    if isinstance(fault, ServerFault) or status >= 500:
        return fault if isinstance(fault, ServerFault) else classify_fault(10000, "server error", _snippet(response), status)
    if body is None and status != 401:
        # HTML error page, XML or empty body: a proxy or QBO in trouble, not an answer.
        return ServerFault(10000, "response is not JSON", _snippet(response), status)
    return None


def _is_batch(method: str, url: str) -> bool:
    return method.upper() == "POST" and _path(url).rstrip("/").endswith("/batch")


def _retriable_read(exc: BaseException) -> bool:
    return isinstance(exc, QuickBooksError) and exc.retriable


def _retriable_write(exc: BaseException) -> bool:
    if isinstance(exc, TransportError):
        return not exc.sent
    return isinstance(exc, (Throttled, _Rejected401))


def _never_sent(exc: requests.RequestException) -> bool:
    """True when the connection was never established, so the request cannot have been applied."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    if isinstance(exc, requests.ConnectionError):
        reason = getattr(exc.args[0], "reason", None) if exc.args else None
        return isinstance(reason, NewConnectionError)
    return False


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None  # an HTTP-date: fall back to the configured wait


def _snippet(response: requests.Response) -> str:
    return " ".join(response.text.split())[:200]


def _path(url: str) -> str:
    return requests.utils.urlparse(url).path

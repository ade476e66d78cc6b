"""Typed QuickBooks Online errors, classified by fault code in ONE place (`classify_fault`).

python-quickbooks raises its own exception classes by code range, but codes
5000-9999 (stale object, duplicate name/number, business validation) fall
through to the base class and the HTTP status is lost; callers here branch on
these types instead. Every fault is also a `QuickbooksException`, so code that
catches the library's base class keeps working.
"""

from __future__ import annotations

from quickbooks.exceptions import QuickbooksException

from syncsvc.errors import SyncsvcError
from syncsvc.tokens import ReconnectRequired

_MAX_DETAIL = 500  # keep whole HTML error pages out of messages and logs


class QuickBooksError(SyncsvcError):
    """Base of every error this layer raises."""

    retriable = False


class QuickBooksFault(QuickBooksError, QuickbooksException):
    """A fault QBO answered with: `code` (int), `message`, `detail`, and the HTTP status when known."""

    def __init__(self, code: int, message: str, detail: str = "", status: int | None = None) -> None:
        detail = (detail or "")[:_MAX_DETAIL]
        QuickbooksException.__init__(self, message, code, detail)
        self.code = code
        self.status = status

    def __str__(self) -> str:
        status = f" (HTTP {self.status})" if self.status else ""
        detail = f": {self.detail}" if self.detail else ""
        return f"QuickBooks fault {self.code}{status} {self.message}{detail}"


class AuthFault(QuickBooksFault):
    """Authentication/authorization refused (codes 1-499, HTTP 401)."""


class ObjectNotFound(QuickBooksFault):
    """610: the object does not exist or was made inactive."""


class ValidationFault(QuickBooksFault):
    """The request itself is wrong (codes 2000-4999 except 3001, and 6000): retrying cannot help."""


class StaleObject(ValidationFault):
    """5010: the SyncToken is old; re-read the object and apply the change again."""


class DuplicateName(ValidationFault):
    """6240: DisplayName/Name already used by a customer, vendor, employee (or item)."""


class DuplicateDocNumber(ValidationFault):
    """6140 (and 6210 when its message says so): the DocNumber is already used."""


class Throttled(QuickBooksFault):
    """3001 or HTTP 429: over the company's request limits."""

    retriable = True

    def __init__(self, code, message, detail="", status=None, retry_after: float | None = None):
        super().__init__(code, message, detail, status)
        self.retry_after = retry_after


class ServerFault(QuickBooksFault):
    """10000+ or HTTP 5xx, or a body that is not JSON (HTML error page, XML, empty)."""

    retriable = True


class TransportError(QuickBooksError):
    """No usable answer: connection refused, reset, dropped or timed out."""

    retriable = True

    def __init__(self, message: str, sent: bool) -> None:
        super().__init__(message)
        self.sent = sent  # False only when the request certainly never reached QBO


class UnknownOutcome(QuickBooksError):
    """A write was sent but no usable answer came back: it may or may not have been applied.

    Never retried blindly: `writers` first looks the document up by its natural key.
    """

    def __init__(self, message: str, cause: Exception | None = None) -> None:
        super().__init__(message)
        self.cause = cause


class QuickBooksReconnectRequired(ReconnectRequired, QuickBooksError):
    """The company's refresh token was refused; a person must run `syncsvc connect quickbooks`."""

    def __init__(self, realm_id: str, why: str = "") -> None:
        message = f"QuickBooks company {realm_id} needs reconnecting: run `syncsvc connect quickbooks`"
        if why:
            message += f" ({why})"
        super().__init__(message)
        self.realm_id = realm_id


def classify_fault(code: int | str, message: str, detail: str = "", status: int | None = None,
                   retry_after: float | None = None) -> QuickBooksFault:
    """The single mapping from a QBO fault code (plus HTTP status) to an error class."""
    try:
        code = int(code)
    except (TypeError, ValueError):
        code = 0
    text = f"{message} {detail}".lower()
    if code == 3001 or status == 429:
        return Throttled(code or 3001, message, detail, status, retry_after)
    if code == 6240:
        return DuplicateName(code, message, detail, status)
    # 6210 is "Duplicate Document Number" in Intuit's 2017 list but "Account period closed" elsewhere.
    if code == 6140 or "duplicate document" in text:
        return DuplicateDocNumber(code, message, detail, status)
    if code == 5010:
        return StaleObject(code, message, detail, status)
    if code == 610:
        return ObjectNotFound(code, message, detail, status)
    if 1 <= code <= 499 or status == 401:
        return AuthFault(code or 401, message, detail, status)
    if 2000 <= code <= 4999 or code == 6000:
        return ValidationFault(code, message, detail, status)
    if code >= 10000 or (status is not None and status >= 500):
        return ServerFault(code or 10000, message, detail, status)
    return QuickBooksFault(code, message, detail, status)


def fault_from_body(body: dict, status: int | None, retry_after: float | None = None) -> QuickBooksFault | None:
    """The first error of a JSON `Fault` (or the 401 lower-case `fault`) envelope, typed; None if absent."""
    fault = body.get("Fault") or body.get("fault")
    if not isinstance(fault, dict):
        return None
    errors = fault.get("Error") or fault.get("error") or [{}]
    first = errors[0]
    return classify_fault(
        first.get("code", 0),
        first.get("Message") or first.get("message") or fault.get("type", "Fault"),
        first.get("Detail") or first.get("detail") or "",
        status,
        retry_after,
    )

"""Everything that can go wrong talking to Infusionsoft, as typed exceptions.

`fault_to_error` is the ONE place an XML-RPC fault becomes an exception; the
transport asks `is_retryable` which of them are worth another attempt.
Messages say what to do and never carry a secret.
"""

from __future__ import annotations

import re

from syncsvc.errors import SyncsvcError


class InfusionsoftError(SyncsvcError):
    """Base for every Infusionsoft failure."""

    retryable = False


class InfusionsoftActionRequired(InfusionsoftError):
    """Nothing syncs until a person acts (a new key, a setting changed): retrying cannot help."""


class InfusionsoftAuthError(InfusionsoftActionRequired):
    """The key or token was refused; a person has to supply a new one."""


class XmlRpcRetired(InfusionsoftActionRequired):
    """Keap no longer answers XML-RPC (switched off after 2026-12-31): the connection must use REST v2."""


class InfusionsoftUnavailable(InfusionsoftError):
    """The API could not be reached or kept failing (network errors, 5xx, bad bodies)."""

    retryable = True


class InfusionsoftThrottled(InfusionsoftUnavailable):
    """HTTP 429 or the ThrottlingException fault: slow down and try again."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class MalformedResponse(InfusionsoftUnavailable):
    """A 200 answer whose body is blank, cut off or not XML-RPC."""


class HttpStatusError(InfusionsoftError):
    """An HTTP status the API does not document for XML-RPC (e.g. 400, 404)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class InfusionsoftFault(InfusionsoftError):
    """An XML-RPC fault; `name` is the bracketed prefix ("RecordNotFound"), when there is one."""

    def __init__(self, code: int, name: str | None, detail: str, method: str | None = None) -> None:
        self.code = code
        self.name = name
        self.detail = detail
        self.method = method
        where = f" from {method}" if method else ""
        super().__init__(f"Infusionsoft fault{where}: {f'[{name}]' if name else ''}{detail} (code {code})")


class TransientFault(InfusionsoftFault):
    """Faults the API emits spuriously ([InvalidConfig], request cut off in transit)."""

    retryable = True


class ThrottlingFault(TransientFault):
    """The legacy ThrottlingException fault ("Maximum number of threads throttled")."""


class InvalidKeyFault(InfusionsoftFault, InfusionsoftAuthError):
    """[InvalidKey]: the legacy key (first parameter) was refused."""


class NoAccessFault(InfusionsoftFault):
    """[NoTableAccess]/[NoFieldAccess]/[NoAccess]: the key's user may not read this."""


class NoSuchFieldFault(InfusionsoftFault):
    """[NoTableFound]/[NoFieldFound]/[NoFieldsError]: a table or field name is wrong."""


class InvalidParameterFault(InfusionsoftFault):
    """[InvalidParameter]: a value or operator the API does not accept."""


class RecordNotFoundFault(InfusionsoftFault):
    """[RecordNotFound]: no row with that Id."""


class MethodSignatureFault(InfusionsoftFault):
    """'No method matching arguments' / 'No such handler': wrong method name, count or wire types."""


# The numeric codes the Ruby gem maps (notes §4.2), used when a fault has no [Name] prefix.
FAULT_CODE_NAMES = {
    1: "InvalidConfig",
    2: "InvalidKey",
    3: "UnexpectedError",
    4: "DatabaseError",
    5: "RecordNotFound",
    6: "LoadingError",
    7: "NoTableAccess",
    8: "NoFieldAccess",
    9: "NoTableFound",
    10: "NoFieldFound",
    11: "NoFieldsError",
    12: "InvalidParameter",
    13: "FailedLoginAttempt",
    14: "NoAccess",
    15: "FailedLoginAttemptPasswordExpired",
}

_NAME_CLASSES: dict[str, type[InfusionsoftFault]] = {
    "InvalidConfig": TransientFault,
    "InvalidKey": InvalidKeyFault,
    "NoTableAccess": NoAccessFault,
    "NoFieldAccess": NoAccessFault,
    "NoAccess": NoAccessFault,
    "NoTableFound": NoSuchFieldFault,
    "NoFieldFound": NoSuchFieldFault,
    "NoFieldsError": NoSuchFieldFault,
    "InvalidParameter": InvalidParameterFault,
    "RecordNotFound": RecordNotFoundFault,
}

# "[InvalidKey]Invalid Key", and the .NET rendering "[4] [DatabaseError]Error returning results".
_PREFIX = re.compile(r"^\s*(?:\[\d+\]\s*)?\[(?P<name>[A-Za-z]+)\]\s*(?P<detail>.*)$", re.S)


def fault_to_error(code: int, fault_string: str, method: str | None = None) -> InfusionsoftFault:
    """Map an XML-RPC fault to its exception class: by [Name] prefix, then by known text, then by code."""
    text = str(fault_string or "").strip()
    match = _PREFIX.match(text)
    name = match.group("name") if match else None
    detail = match.group("detail") if match else text
    if "ThrottlingException" in text:
        return ThrottlingFault(code, name, detail, method)
    if name is None and ("No method matching arguments" in text or "No such handler" in text):
        return MethodSignatureFault(code, None, detail, method)
    if name is None and "Failed to parse XML-RPC request" in text:
        # The server received our request cut off in transit (code 0); sending it again is safe.
        return TransientFault(code, None, detail, method)
    if name is None:
        name = FAULT_CODE_NAMES.get(code)
    cls = _NAME_CLASSES.get(name or "", InfusionsoftFault)
    return cls(code, name, detail, method)


def is_retryable(exc: BaseException) -> bool:
    return isinstance(exc, InfusionsoftError) and exc.retryable

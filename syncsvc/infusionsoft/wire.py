"""XML-RPC marshalling for Infusionsoft: stdlib dumps/loads plus the repairs its answers need.

Requests: ints go as <int>, money (Decimal) as <double>, aware datetimes as
<dateTime.iso8601> in the account's zone (the API has no offsets), dates as
midnight. Responses are parsed by `xmlrpc.client.loads` after two repairs:

* Invalid XML 1.0 characters (control chars, lone surrogates, references to
  them) are removed so one bad contact name cannot stop a sync; a warning is
  logged. Surrogate pairs a Java server may emit (as CESU-8 bytes or as two
  character references) are joined back into the one character (emoji survive).
* Whitespace the API pretty-prints inside typed scalars (`<boolean>\n 0\n</boolean>`)
  and member names is trimmed; string values keep theirs.

Parsed datetimes come back zone-aware in the account's zone.
"""

from __future__ import annotations

import logging
import re
import xmlrpc.client
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any
from zoneinfo import ZoneInfo

from syncsvc.infusionsoft.errors import MalformedResponse, fault_to_error

log = logging.getLogger(__name__)

# Characters XML 1.0 allows; everything else (C0 controls, surrogates, U+FFFE/F) is dropped.
_INVALID_CHARS = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_CHAR_REF = re.compile(r"&#(x[0-9A-Fa-f]+|[0-9]+);")
_SCALAR = re.compile(
    r"<(boolean|int|i4|i8|double|dateTime\.iso8601|base64)>\s*([^<]*?)\s*</\1>"
)
_NAME = re.compile(r"<name>\s*([^<]*?)\s*</name>")
_DECLARED_ENCODING = re.compile(rb"^\s*<\?xml[^>]*encoding=[\"']([A-Za-z0-9._-]+)[\"']")
_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")


# --- requests ---------------------------------------------------------------


def to_wire(value: Any, zone: ZoneInfo) -> Any:
    """Convert one parameter into what xmlrpc.client marshals as the API's Java types expect."""
    if isinstance(value, bool) or value is None or isinstance(value, (str, float, bytes)):
        return value
    if isinstance(value, Enum):
        return to_wire(value.value, zone)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r} sent to Infusionsoft: give it a time zone")
        return value.astimezone(zone).replace(tzinfo=None)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if isinstance(value, dict):
        return {str(k): to_wire(v, zone) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [to_wire(v, zone) for v in value]
    raise TypeError(f"cannot send {type(value).__name__} to Infusionsoft")


def dumps_call(method: str, params: tuple | list, zone: ZoneInfo) -> bytes:
    wire_params = tuple(to_wire(p, zone) for p in params)
    body = xmlrpc.client.dumps(wire_params, methodname=method, encoding="utf-8", allow_none=False)
    return body.encode("utf-8")


# --- responses --------------------------------------------------------------


def _decode(body: bytes) -> tuple[str, int]:
    """The body as text and how many undecodable bytes were replaced."""
    declared = _DECLARED_ENCODING.match(body)
    encoding = declared.group(1).decode("ascii").lower() if declared else "utf-8"
    if encoding not in ("utf-8", "utf8"):
        try:
            return body.decode(encoding), 0
        except (LookupError, UnicodeDecodeError):
            pass
    try:
        return body.decode("utf-8"), 0
    except UnicodeDecodeError:
        pass
    try:
        # CESU-8 (a Java server encoding surrogates one by one): decode them, then join
        # the pairs; a lone surrogate is left for the invalid-character pass to drop.
        text = body.decode("utf-8", errors="surrogatepass")
        return text.encode("utf-16", errors="surrogatepass").decode("utf-16", errors="surrogatepass"), 0
    except UnicodeDecodeError:
        text = body.decode("utf-8", errors="replace")
        return text, text.count("\ufffd") - body.decode("utf-8", errors="ignore").count("\ufffd")


def _code_of(ref: str) -> int:
    return int(ref[1:], 16) if ref[0] in "xX" else int(ref)


def _allowed(code: int) -> bool:
    return code <= 0x10FFFF and not _INVALID_CHARS.fullmatch(chr(code))


def _repair_char_refs(text: str) -> tuple[str, int]:
    """Join '&#xD83D;&#xDE00;' into the one character it spells; drop refs XML forbids."""
    out: list[str] = []
    dropped = 0
    pos = 0
    matches = list(_CHAR_REF.finditer(text))
    i = 0
    while i < len(matches):
        m = matches[i]
        code = _code_of(m.group(1))
        out.append(text[pos : m.start()])
        pos = m.end()
        i += 1
        if 0xD800 <= code <= 0xDBFF and i < len(matches) and matches[i].start() == m.end():
            low = _code_of(matches[i].group(1))
            if 0xDC00 <= low <= 0xDFFF:
                out.append(chr(0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)))
                pos = matches[i].end()
                i += 1
                continue
        if _allowed(code):
            out.append(m.group(0))
        else:
            dropped += 1
    out.append(text[pos:])
    return "".join(out), dropped


def sanitize(body: bytes, method: str | None = None) -> str:
    """The response text with invalid characters removed and pretty-printing trimmed."""
    text, replaced = _decode(body)
    cleaned, removed = _INVALID_CHARS.subn("", text)
    dropped = 0
    if "&#" in cleaned:
        cleaned, dropped = _repair_char_refs(cleaned)
    if replaced or removed or dropped:
        log.warning(
            "Infusionsoft response%s held %d character(s) invalid in XML; they were removed",
            f" to {method}" if method else "",
            replaced + removed + dropped,
        )
    cleaned = _SCALAR.sub(lambda m: f"<{m.group(1)}>{m.group(2)}</{m.group(1)}>", cleaned)
    cleaned = _NAME.sub(lambda m: f"<name>{m.group(1)}</name>", cleaned)
    # The text is now a str; a leftover encoding declaration would contradict it.
    return _DECLARATION.sub("", cleaned, count=1)


def localize_values(value: Any, zone: ZoneInfo) -> Any:
    """Attach the account zone to every naive datetime in a parsed value."""
    if isinstance(value, datetime):
        # fold=0: in November's repeated hour the first (daylight) reading is taken.
        return value.replace(tzinfo=zone) if value.tzinfo is None else value
    if isinstance(value, dict):
        return {k: localize_values(v, zone) for k, v in value.items()}
    if isinstance(value, list):
        return [localize_values(v, zone) for v in value]
    return value


def loads_response(body: bytes, zone: ZoneInfo, method: str | None = None) -> Any:
    """Parse a methodResponse; raise the mapped fault exception or MalformedResponse."""
    if not body or not body.strip():
        raise MalformedResponse(f"Infusionsoft sent a blank response{f' to {method}' if method else ''}")
    text = sanitize(body, method)
    try:
        params, _ = xmlrpc.client.loads(text, use_builtin_types=True)
    except xmlrpc.client.Fault as fault:
        raise fault_to_error(fault.faultCode, fault.faultString, method) from None
    except (xmlrpc.client.ResponseError, ValueError, TypeError, IndexError, KeyError) as exc:
        raise MalformedResponse(
            f"Infusionsoft sent a response{f' to {method}' if method else ''} that is not valid XML-RPC ({exc})"
        ) from None
    except Exception as exc:  # expat.ExpatError and friends: cut-off or non-XML body
        raise MalformedResponse(
            f"Infusionsoft sent a response{f' to {method}' if method else ''} that is not valid XML-RPC "
            f"({type(exc).__name__}: {exc})"
        ) from None
    if len(params) != 1:
        raise MalformedResponse(f"Infusionsoft sent {len(params)} values{f' to {method}' if method else ''}; expected one")
    return localize_values(params[0], zone)

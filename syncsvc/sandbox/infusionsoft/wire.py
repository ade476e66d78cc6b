"""XML-RPC on the wire, the way Infusionsoft writes it.

Marshalling is the standard library's; the output is then adjusted to what the
real server emits: `<i4>` for ints, untyped strings (`<value>text</value>`),
`<value/>` for an empty string, naive `YYYYMMDDTHH:MM:SS` datetimes in account
time. `pretty=True` adds the whitespace and newlines inside `<name>`/`<value>`
that the documentation samples show, which robust clients must tolerate.
"""

from __future__ import annotations

import re
import xmlrpc.client
from datetime import datetime
from decimal import Decimal
from typing import Any
from xml.parsers.expat import ExpatError

from . import faults

CONTENT_TYPE = "text/xml;charset=UTF-8"

_STRING = re.compile(r"<value><string>(.*?)</string></value>", re.S)
_EMPTY_STRING = "<value><string></string></value>"


def parse_call(body: bytes) -> tuple[str, tuple]:
    """(methodName, params); raises the real server's parse fault for a broken body."""
    try:
        params, method = xmlrpc.client.loads(body, use_builtin_types=False)
    except (ExpatError, ValueError, TypeError, IndexError, AttributeError):
        raise faults.parse_error() from None
    if not method:
        raise faults.parse_error()
    return method, params


def to_wire(value: Any) -> Any:
    """Store values as marshallable ones: Decimal -> double, datetime -> naive dateTime."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime):
        return xmlrpc.client.DateTime(value.replace(tzinfo=None).strftime("%Y%m%dT%H:%M:%S"))
    if isinstance(value, dict):
        return {k: to_wire(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_wire(v) for v in value]
    return value


def _infusionsoft_style(xml: str) -> str:
    xml = xml.replace("<int>", "<i4>").replace("</int>", "</i4>")
    xml = xml.replace(_EMPTY_STRING, "<value/>")
    return _STRING.sub(r"<value>\1</value>", xml)


_TOKEN = re.compile(r"(<[^>]+>)|([^<]+)")
_LEAVES = {"name", "value", "i4", "int", "double", "boolean", "string", "dateTime.iso8601"}


def _pretty(xml: str) -> str:
    """Indent every element and put leaf text on its own line, as the doc samples do."""
    header, _, rest = xml.partition("?>")
    out, depth = [], 0
    for tag, text in _TOKEN.findall(rest):
        if text:
            if text.strip():
                out.append("  " * depth + text.strip())
            continue
        if tag.startswith("</"):
            depth -= 1
            out.append("  " * depth + tag)
        elif tag.endswith("/>"):
            out.append("  " * depth + tag)
        else:
            out.append("  " * depth + tag)
            depth += 1
    return header + "?>\n" + "\n".join(out) + "\n"


def dump_response(result: Any, pretty: bool = False) -> bytes:
    xml = xmlrpc.client.dumps((to_wire(result),), methodresponse=True, encoding="UTF-8", allow_none=False)
    xml = _infusionsoft_style(xml)
    return (_pretty(xml) if pretty else xml).encode("utf-8")


def dump_fault(fault: xmlrpc.client.Fault, pretty: bool = False) -> bytes:
    xml = _infusionsoft_style(xmlrpc.client.dumps(fault, methodresponse=True, encoding="UTF-8"))
    return (_pretty(xml) if pretty else xml).encode("utf-8")


def java_type(value: Any) -> str:
    """How the Java server names an argument's type in "No method matching arguments"."""
    if isinstance(value, bool):
        return "java.lang.Boolean"
    if isinstance(value, int):
        return "java.lang.Integer"
    if isinstance(value, float):
        return "java.lang.Double"
    if isinstance(value, str):
        return "java.lang.String"
    if isinstance(value, dict):
        return "java.util.HashMap"
    if isinstance(value, (list, tuple)):
        return "[Ljava.lang.Object;"
    if isinstance(value, xmlrpc.client.DateTime):
        return "java.util.Date"
    if isinstance(value, xmlrpc.client.Binary):
        return "[B"
    return "java.lang.Object"

"""order_by, page_size and keyset page tokens.

A page token carries the last row's sort position (sort value, then the row's
unique key) and a fingerprint of the query it came from, so the next page starts
strictly after that row however many rows were inserted meanwhile, and a token
replayed against another filter, order or operation is refused.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import heapq
import json
import re
from dataclasses import dataclass
from operator import itemgetter
from typing import Any, Callable, Iterable, Sequence

from .errors import bad_request

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000
_TOKEN_VERSION = 1

SortValue = int | str | None
Position = tuple  # (present, sort value, *unique key)


@dataclass(frozen=True)
class Ordering:
    field: str
    descending: bool = False

    @property
    def text(self) -> str:
        return f"{self.field} {'desc' if self.descending else 'asc'}"


def parse_order_by(text: str | None, allowed: Sequence[str], default: Ordering) -> Ordering:
    """"field", "field asc" or "field desc" (case-insensitive direction)."""
    if text is None or not text.strip():
        return default
    words = text.split()
    direction = words[1].lower() if len(words) == 2 else "asc"
    if len(words) > 2 or words[0] not in allowed or direction not in ("asc", "desc"):
        raise bad_request(f"order_by: {text!r} is not one of {', '.join(allowed)}, optionally followed by asc or desc")
    return Ordering(words[0], direction == "desc")


def parse_page_size(text: str | None) -> int:
    """0 or absent: the default size."""
    if text is None or text == "":
        return DEFAULT_PAGE_SIZE
    if not re.fullmatch(r"-?\d{1,9}", text.strip()):
        raise bad_request(f"page_size: {text!r} is not a whole number")
    size = int(text)
    if size < 0 or size > MAX_PAGE_SIZE:
        raise bad_request(f"page_size: {size} is outside 0..{MAX_PAGE_SIZE}")
    return size or DEFAULT_PAGE_SIZE


def fingerprint(*parts: str | None) -> str:
    """What a token is bound to: the operation, its path parameters, filter and order."""
    return hashlib.sha256("\x1f".join(p or "" for p in parts).encode("utf-8")).hexdigest()[:16]


def encode_token(query_fingerprint: str, position: Position) -> str:
    raw = json.dumps({"v": _TOKEN_VERSION, "q": query_fingerprint, "after": list(position)}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode("utf-8")).decode("ascii").rstrip("=")


def decode_token(token: str, query_fingerprint: str) -> Position:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        content = json.loads(raw)
        after = content["after"]
        valid = content["v"] == _TOKEN_VERSION and isinstance(after, list) and len(after) >= 3
    except (binascii.Error, ValueError, KeyError, TypeError):
        valid = False
    if not valid:
        raise bad_request("page_token: not a token this API issued")
    if content["q"] != query_fingerprint:
        raise bad_request("page_token: issued for a different operation, filter or order_by")
    return tuple(after)


def position(sort_value: SortValue, unique_key: Iterable[int]) -> Position:
    """Where a row sorts: absent values first, then by value, then by the row's unique key."""
    return (0, "", *unique_key) if sort_value is None else (1, sort_value, *unique_key)


def take_page(
    records: Iterable[Any],
    position_of: Callable[[Any], Position],
    matches: Callable[[Any], bool],
    ordering: Ordering,
    size: int,
    after: Position | None,
    query_fingerprint: str,
) -> tuple[list[Any], str | None]:
    """The `size` matching records that follow `after` in `ordering`, and the token for the next
    page (None on the last). Rows before the cursor are dropped before the filter runs, and only
    the page (plus one row to know whether more follow) is sorted: a long scan stays cheap per page."""
    placed: Iterable[tuple[Position, Any]] = ((position_of(record), record) for record in records)
    if after is not None:
        beyond = (lambda p: p < after) if ordering.descending else (lambda p: p > after)
        placed = ((p, r) for p, r in placed if beyond(p))
    choose = heapq.nlargest if ordering.descending else heapq.nsmallest
    try:
        page = choose(size + 1, ((p, r) for p, r in placed if matches(r)), key=itemgetter(0))
    except TypeError:  # a position of another shape: a token from another query
        raise bad_request("page_token: issued for a different operation, filter or order_by") from None
    more = len(page) > size
    page = page[:size]
    token = encode_token(query_fingerprint, page[-1][0]) if more and page else None
    return [record for _, record in page], token

"""One listing page from a sorted index: bisect to the token, walk, filter, stop once the page is full.

Filtering and sorting every record for every page made paging through an account cost O(n^2)
(a sync reading 100,000 orders a page at a time). Here a page only fetches (builds the view of)
and filters the records it walks over, in the order's direction from where it starts:

1. Bounds. A condition on the value the page is ordered by (`Listing.bounds`:
   modified_since_time bounds modification_time, id>n bounds id) is a slice of the order's
   index, found by bisection; the page token moves the slice's start (its end, descending)
   to just past its position.
2. Candidates. A condition that names the records it can match (`Listing.lookups`: ids==1,2,3,
   order_ids==..., a contact_id through the store's own index), or one bounding another sort
   field (payments since_time while ordered by id: the payment_time index's slice), gives
   candidate keys; when they are fewer than the slice holds, the page walks the candidates'
   positions instead (read off the index, sorted; no view built for them).
3. The walk. Each record is fetched and filtered until page_size + 1 match (the last one only
   says that a next page follows, and the token is the position of the page's last record).

So a sync's page costs O(page_size + log n) (plus O(k log k) for k candidates), and any other
query at most one pass over the listing, as every page did before. Every condition is still
tested on every record walked: bounds and candidates only skip records that cannot match
(a time bound is taken in whole seconds, rounded outwards), so pages, their order and their
tokens are exactly those of positioning, filtering and sorting every record. `paging.take_page`
still does that where there is no index: listings with path parameters (an order's payments)
and a token whose values are not numbers and texts or do not compare with the index's (the
same 400, or the same page, as before).
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from itertools import islice
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Mapping

from ..store import AccountStore
from .filters import Condition, predicate
from .indexes import Key, SortedIndex, sorted_index, work
from .paging import Ordering, Position, encode_token, position, take_page

if TYPE_CHECKING:
    from .listings import Listing

SINCE, UNTIL, SAME = "since", "until", "same"
Lookup = Callable[[AccountStore, Any], Iterable[Key]]  # (store, the == value) -> keys of a superset of matches
ValueRange = tuple[int | None, int | None]  # [low, high] of whole-number sort values; None: open


@dataclass(frozen=True)
class Bound:
    """A filter field that bounds one of the listing's (whole-number) sort fields. SINCE: a time at or
    after T, the sort value being its epoch second; UNTIL: before T; SAME: the compared number is the
    sort value itself (an id)."""
    sort_field: str
    kind: str


def since(sort_field: str) -> Bound:
    return Bound(sort_field, SINCE)


def until(sort_field: str) -> Bound:
    return Bound(sort_field, UNTIL)


def same(sort_field: str) -> Bound:
    return Bound(sort_field, SAME)


def value_range(bound: Bound, condition: Condition) -> ValueRange:
    """The sort values a record matching `condition` can have (a superset)."""
    if bound.kind == SINCE:  # epoch second v holds times below v + 1: v < floor(T) cannot reach T
        return math.floor(condition.value.timestamp()), None
    if bound.kind == UNTIL:  # v >= 0 holds times in [v, v + 1): all at or after T once v >= ceil(T)
        ceiling = math.ceil(condition.value.timestamp())
        return None, (ceiling - 1 if ceiling >= 1 else ceiling)
    number = condition.value
    return {"==": (number, number), ">": (number + 1, None), ">=": (number, None),
            "<": (None, number - 1), "<=": (None, number)}.get(condition.operator, (None, None))


def _narrowest(ranges: Iterable[ValueRange]) -> ValueRange:
    low = high = None
    for found_low, found_high in ranges:
        if found_low is not None and (low is None or found_low > low):
            low = found_low
        if found_high is not None and (high is None or found_high < high):
            high = found_high
    return low, high


def select_page(
    listing: Listing, store: AccountStore, path_params: Mapping[str, str], conditions: list[Condition],
    ordering: Ordering, size: int, after: Position | None, query_fingerprint: str,
) -> tuple[list[Any], str | None]:
    """The `size` matching records after `after` in `ordering`, and the next page's token (None on the
    last page): what `paging.take_page` answers over every record (hold `store.lock`)."""
    matches = predicate(conditions, listing.filters)
    if listing.tables and not path_params and (after is None or all(type(v) in (int, str) for v in after)):
        try:
            return _from_index(listing, store, conditions, matches, ordering, size, after, query_fingerprint)
        except TypeError:  # a token's value against the index's of another type: as before (a 400)
            pass
    sort_value = listing.sort_values[ordering.field]
    return take_page(
        listing.records(store, path_params), lambda record: position(sort_value(record), listing.unique_key(record)),
        matches, ordering, size, after, query_fingerprint,
    )


def _from_index(
    listing: Listing, store: AccountStore, conditions: list[Condition], matches: Callable[[Any], bool],
    ordering: Ordering, size: int, after: Position | None, query_fingerprint: str,
) -> tuple[list[Any], str | None]:
    index = sorted_index(store, listing, ordering.field)
    own = (value_range(listing.bounds[c.field], c) for c in conditions
           if c.field in listing.bounds and listing.bounds[c.field].sort_field == ordering.field)
    start, end = index.value_slice(*_narrowest(own))
    if after is not None:
        if ordering.descending:
            end = min(end, bisect_left(index.positions, after))
        else:
            start = max(start, bisect_right(index.positions, after))
    candidates = _candidate_keys(listing, store, conditions, ordering.field, max(0, end - start))
    if candidates is None:
        walk = _slice(index, start, end, ordering.descending)
    else:
        walk = _candidate_positions(index, candidates, start, end, ordering.descending)
    page = _walk(listing, store, walk, matches, size)
    more = len(page) > size
    page = page[:size]
    token = encode_token(query_fingerprint, page[-1][0]) if more and page else None
    return [record for _, record in page], token


def _slice(index: SortedIndex, start: int, end: int, descending: bool) -> Iterator[Position]:
    if not descending:
        return islice(index.positions, start, end)
    return (index.positions[i] for i in range(end - 1, start - 1, -1))


def _candidate_keys(
    listing: Listing, store: AccountStore, conditions: list[Condition], order_field: str, walk_length: int,
) -> Iterable[Key] | None:
    """The keys of the fewest candidates any condition names, if fewer than `walk_length`; else None."""
    best: tuple[int, Iterable[Key]] | None = None
    for condition in conditions:
        bound = listing.bounds.get(condition.field)
        lookup = listing.lookups.get(condition.field)
        if lookup is not None and condition.operator == "==":
            keys = list(lookup(store, condition.value))
            found = (len(keys), keys)
        elif bound is not None and bound.sort_field != order_field:
            other = sorted_index(store, listing, bound.sort_field)
            other_start, other_end = other.value_slice(*value_range(bound, condition))
            found = (other_end - other_start,
                     (p[2:] for p in islice(other.positions, other_start, other_end)))
        else:
            continue
        if best is None or found[0] < best[0]:
            best = found
    return best[1] if best is not None and best[0] < walk_length else None


def _candidate_positions(
    index: SortedIndex, keys: Iterable[Key], start: int, end: int, descending: bool,
) -> list[Position]:
    """The positions of the candidates inside [start, end) of the index, in the walk's order."""
    if start >= end:
        return []
    positions = index.positions
    first, past = positions[start], (positions[end] if end < len(positions) else None)
    inside = set()
    for key in keys:
        found = index.position_of(key)
        if found is not None and found >= first and (past is None or found < past):
            inside.add(found)
    return sorted(inside, reverse=descending)


def _walk(
    listing: Listing, store: AccountStore, positions: Iterable[Position], matches: Callable[[Any], bool], size: int,
) -> list[tuple[Position, Any]]:
    """Up to size + 1 matching (position, record) pairs, fetching and filtering only what it passes."""
    page: list[tuple[Position, Any]] = []
    examined = 0
    try:
        for found in positions:
            record = listing.fetch(store, found[2:])
            examined += 1
            if matches(record):
                page.append((found, record))
                if len(page) > size:
                    break
    finally:
        work(store).examined += examined
    return page

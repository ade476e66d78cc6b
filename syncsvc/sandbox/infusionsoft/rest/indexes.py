"""Sorted listings kept between pages: each REST v2 list, by each field it may be ordered on.

A `SortedIndex` holds the position of every record of a listing (`paging.position`: presence,
sort value, unique key) in ascending order, so a page can bisect to its token and walk on
(`seek`) instead of positioning and sorting every record of the account again. Positions only:
records are fetched fresh for each page, so nothing kept here can show a stale view.

An index is built on first use and kept per store (weakly: a reset sandbox's old store leaves
with its indexes) while the tables its listing reads (`Listing.tables`) keep the versions they had
when it was built; any write to one of them (the XML-RPC face, billing, the generator, a test)
moves that version, and the next page builds the index again, which costs what every page cost
before indexes: position every record, sort. A sync only reads Keap, so it builds each index once.

`work(store)` counts what builds and pages did, for tests and benchmarks.
"""

from __future__ import annotations

import threading
from bisect import bisect_left
from dataclasses import dataclass
from typing import TYPE_CHECKING
from weakref import WeakKeyDictionary

from ..store import AccountStore
from .paging import Position, position

if TYPE_CHECKING:
    from .listings import Listing

Key = tuple  # a record's unique key (Listing.unique_key): a position's tail


@dataclass
class Work:
    builds: int = 0  # indexes built
    positioned: int = 0  # records those builds positioned
    examined: int = 0  # records pages fetched and filtered


class SortedIndex:
    """Every record's position, ascending (positions are unique: they end with the record's key)."""

    def __init__(self, positions: list[Position]) -> None:
        self.positions = positions
        self._by_key: dict[Key, Position] | None = None

    def __len__(self) -> int:
        return len(self.positions)

    def value_slice(self, low: int | None, high: int | None) -> tuple[int, int]:
        """[start, end) of the records whose (whole-number) sort value lies in [low, high]; None: open.
        Absent values sort first, so a low bound leaves them out and an open one keeps them."""
        start = 0 if low is None else bisect_left(self.positions, (1, low))
        end = len(self.positions) if high is None else bisect_left(self.positions, (1, high + 1))
        return start, max(start, end)

    def position_of(self, key: Key) -> Position | None:
        """The position of the record with this key; None when there is none."""
        if self._by_key is None:
            self._by_key = {p[2:]: p for p in self.positions}
        return self._by_key.get(key)


class _Kept:
    def __init__(self) -> None:
        self.work = Work()
        self.indexes: dict[tuple[str, str], tuple[tuple[int, ...], SortedIndex]] = {}


_kept: WeakKeyDictionary[AccountStore, _Kept] = WeakKeyDictionary()
_kept_lock = threading.Lock()


def _kept_for(store: AccountStore) -> _Kept:
    with _kept_lock:
        kept = _kept.get(store)
        if kept is None:
            kept = _kept[store] = _Kept()
        return kept


def work(store: AccountStore) -> Work:
    return _kept_for(store).work


def sorted_index(store: AccountStore, listing: Listing, field: str) -> SortedIndex:
    """The listing's records by `field`, ascending, as the store is now (hold `store.lock`)."""
    kept = _kept_for(store)
    versions = tuple(store.version(table) for table in listing.tables)
    found = kept.indexes.get((listing.operation_id, field))
    if found is not None and found[0] == versions:
        return found[1]
    sort_value, unique_key = listing.sort_values[field], listing.unique_key
    positions = sorted(position(sort_value(record), unique_key(record)) for record in listing.records(store, {}))
    index = SortedIndex(positions)
    kept.indexes[(listing.operation_id, field)] = (versions, index)
    kept.work.builds += 1
    kept.work.positioned += len(positions)
    return index

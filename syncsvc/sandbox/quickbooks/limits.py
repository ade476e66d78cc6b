"""Per-company behaviour knobs: throttling windows, concurrency, latency, requestid replay, injected faults."""

from __future__ import annotations

import threading
from dataclasses import dataclass, fields, replace
from typing import Callable

from syncsvc.ratelimit import InFlightLimiter, SlidingWindowLimiter, Window

# drop_after_commit and http500_after_commit apply the request (and keep its answer for its requestid) before
# failing; the others fail without touching the company.
INJECTABLE_KINDS = ("http500", "http503_html", "throttle_xml", "throttle_json", "empty_body", "drop_after_commit",
                    "http500_after_commit")
AFTER_COMMIT_KINDS = ("drop_after_commit", "http500_after_commit")


@dataclass(frozen=True)
class Options:
    requests_per_minute: int = 500   # QBO: 500 requests per minute per realm
    window_seconds: float = 60.0     # tests shrink the window instead of waiting a minute
    max_in_flight: int = 10          # QBO: 10 concurrent requests per realm
    latency: float = 0.0             # seconds added to every API answer
    requestid_replay: bool = True    # False mirrors field reports of duplicates despite requestid
    access_token_ttl: int = 3600
    # True: the company accepts a DocNumber already in use, as if every request said
    # include=allowduplicatedocnum (whether real QBO always rejects duplicates is unconfirmed).
    duplicate_doc_numbers: bool = False

    def with_changes(self, changes: dict) -> "Options":
        known = {f.name for f in fields(self)}
        unknown = set(changes) - known
        if unknown:
            raise TypeError(f"unknown sandbox option(s): {', '.join(sorted(unknown))}")
        return replace(self, **changes)


@dataclass
class Injection:
    kind: str
    remaining: int
    entity: str | None
    writes_only: bool = False  # True: queries and reads pass untouched (a create fails, not the lookup before it)


class CompanyLimits:
    """The throttles of one realm, rebuilt when its options change."""

    def __init__(self, options: Options, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self.injections: list[Injection] = []
        self.apply(options)

    def apply(self, options: Options) -> None:
        self.options = options
        self.window = SlidingWindowLimiter([Window(options.requests_per_minute, options.window_seconds)],
                                           clock=self._clock)
        self.in_flight = InFlightLimiter(options.max_in_flight)

    def inject(self, kind: str, count: int, entity: str | None, writes_only: bool = False) -> None:
        if kind not in INJECTABLE_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; one of {', '.join(INJECTABLE_KINDS)}")
        with self._lock:
            self.injections.append(Injection(kind, count, entity, writes_only))

    def take_injection(self, entity: str | None, is_write: bool = True) -> str | None:
        """The kind of the first pending injection matching this request's entity, consuming one use."""
        with self._lock:
            for injection in self.injections:
                if injection.writes_only and not is_write:
                    continue
                if injection.entity is None or injection.entity == entity:
                    injection.remaining -= 1
                    if injection.remaining <= 0:
                        self.injections.remove(injection)
                    return injection.kind
        return None

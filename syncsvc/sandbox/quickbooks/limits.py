"""Per-company behaviour knobs: throttling windows (requests and batch requests), concurrency, latency, requestid
replay, injected faults; and what the throttles let through or refused."""

from __future__ import annotations

import threading
from dataclasses import dataclass, fields, replace
from typing import Callable

from syncsvc.ratelimit import InFlightLimiter, SlidingWindowLimiter, Window, try_acquire_all

# drop_after_commit and http500_after_commit apply the request (and keep its answer for its requestid) before
# failing; the others fail without touching the company.
INJECTABLE_KINDS = ("http500", "http503_html", "throttle_xml", "throttle_json", "empty_body", "drop_after_commit",
                    "http500_after_commit")
AFTER_COMMIT_KINDS = ("drop_after_commit", "http500_after_commit")


@dataclass(frozen=True)
class Options:
    requests_per_minute: int = 500   # QBO: 500 requests per minute per realm (batch requests included)
    window_seconds: float = 60.0     # tests shrink the window instead of waiting a minute (both windows)
    max_in_flight: int = 10          # QBO: 10 concurrent requests per realm
    latency: float = 0.0             # seconds added to every API answer (throttled and refused ones too)
    batch_requests_per_minute: int = 40  # QBO: 40 batch requests per minute per realm, on top of the 500
    batch_item_latency: float = 0.0  # seconds a batch answer takes per item, on top of `latency`
    retry_after: int | None = None   # Retry-After (seconds) on every 429, injected ones too; QBO sending one is unconfirmed
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


THROTTLE_CAUSES = ("requests", "batches", "in_flight")


class CompanyLimits:
    """The throttles of one realm, rebuilt when its options change, and what they let through or refused."""

    def __init__(self, options: Options, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self.injections: list[Injection] = []
        self.admitted = {"requests": 0, "batches": 0}
        self.throttled = dict.fromkeys(THROTTLE_CAUSES, 0)
        self.answering = 0  # requests in flight now
        self.peak_in_flight = 0  # the most at once since the company was created
        self.apply(options)

    def apply(self, options: Options) -> None:
        self.options = options
        self.window = SlidingWindowLimiter([Window(options.requests_per_minute, options.window_seconds)],
                                           clock=self._clock)
        self.batch_window = SlidingWindowLimiter(
            [Window(options.batch_requests_per_minute, options.window_seconds)], clock=self._clock)
        self.in_flight = InFlightLimiter(options.max_in_flight)

    def enter(self) -> bool:
        """Take an in-flight slot (leave() it after answering); False, counted, when all are taken."""
        if self.in_flight.try_enter():
            with self._lock:
                self.answering += 1
                self.peak_in_flight = max(self.peak_in_flight, self.answering)
            return True
        self._count_throttle("in_flight")
        return False

    def leave(self) -> None:
        with self._lock:
            self.answering -= 1
        self.in_flight.leave()

    def admit(self, is_batch: bool) -> bool:
        """Count one request (and a batch) in the windows; False, counted, when a window is full (nothing taken)."""
        windows = [self.window, self.batch_window] if is_batch else [self.window]
        if try_acquire_all(windows) > 0:
            self._count_throttle("requests" if self.window.wait_time() > 0 else "batches")
            return False
        with self._lock:
            self.admitted["requests"] += 1
            self.admitted["batches"] += is_batch
        return True

    def _count_throttle(self, cause: str) -> None:
        with self._lock:
            self.throttled[cause] += 1

    def traffic(self) -> dict:
        with self._lock:
            return {**self.admitted, "throttled": sum(self.throttled.values()), "throttled_by": dict(self.throttled),
                    "peak_in_flight": self.peak_in_flight}

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

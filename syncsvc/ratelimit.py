"""Sliding-window rate limits and an in-flight cap, shared by clients and sandboxes.

Clients call `acquire()` (blocks until a slot is free) so they stay under an
API's documented quota; the sandboxes call `try_acquire()` and answer 429 when
it refuses. The clock and sleep are injectable so tests can be exact; by default
both limiters' waits end with `syncsvc.stopping.Stopped` when the run is asked to stop.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Callable, Iterator

from syncsvc import stopping


@dataclass(frozen=True)
class Window:
    limit: int
    seconds: float


class SlidingWindowLimiter:
    """At most `limit` events in any `seconds`-long window, for every window given.

    A slot taken with `hold=True` counts as in the window until `release()`, then from the time of the
    release: a client that releases when the answer is back never counts fewer in its window than the
    API counts from arrival, however late its requests arrive (see syncsvc/quickbooks/limits.py)."""

    def __init__(
        self,
        windows: list[Window] | tuple[Window, ...],
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = stopping.sleep,
    ) -> None:
        self._windows = [w for w in windows if w.limit > 0]
        longest = max((w.limit for w in self._windows), default=0)
        self._events: deque[float] = deque(maxlen=longest or None)
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._held = 0  # slots taken with hold=True and not released: in every window until then

    def _wait_needed(self, now: float) -> float:
        wait = 0.0
        for window in self._windows:
            free_of_held = window.limit - self._held
            if free_of_held <= 0:  # all taken by requests still out: look again in a while
                wait = max(wait, window.seconds / window.limit)
            elif len(self._events) >= free_of_held:
                oldest_in_window = self._events[-free_of_held]
                wait = max(wait, oldest_in_window + window.seconds - now)
        return wait

    def _take(self, now: float, hold: bool) -> None:
        if hold:
            self._held += 1
        else:
            self._events.append(now)

    def release(self) -> None:
        """A slot taken with hold=True ends now: it counts from now, for the length of each window."""
        with self._lock:
            self._held -= 1
            self._events.append(self._clock())

    def wait_time(self) -> float:
        """How long until a slot frees (0: one is free now), taking nothing."""
        with self._lock:
            return max(0.0, self._wait_needed(self._clock()))

    def try_acquire(self, hold: bool = False) -> float:
        """Take a slot now and return 0, or return how long until one frees (taking nothing)."""
        with self._lock:
            now = self._clock()
            wait = self._wait_needed(now)
            if wait <= 0:
                self._take(now, hold)
                return 0.0
            return wait

    def acquire(self, hold: bool = False) -> float:
        """Block until a slot is free; return the seconds spent waiting."""
        waited = 0.0
        while True:
            wait = self.try_acquire(hold)
            if wait <= 0:
                return waited
            self._sleep(wait)
            waited += wait


def try_acquire_all(limiters, hold: bool = False) -> float:
    """Take a slot in every limiter at the same instant and return 0, or return the longest wait (taking none).

    For a request that two limits count (a batch counts as a batch and as a request): taking one slot and
    then waiting for the other would stamp the first too early, and the API would see more in its window
    than we counted."""
    ordered = sorted({id(limiter): limiter for limiter in limiters}.values(), key=id)  # one lock order for all
    with ExitStack() as held:
        for limiter in ordered:
            held.enter_context(limiter._lock)
        stamps = [limiter._clock() for limiter in ordered]
        wait = max((limiter._wait_needed(now) for limiter, now in zip(ordered, stamps)), default=0.0)
        if wait > 0:
            return wait
        for limiter, now in zip(ordered, stamps):
            limiter._take(now, hold)
        return 0.0


def acquire_all(limiters, sleep: Callable[[float], None] = stopping.sleep, hold: bool = False) -> float:
    """Block until every limiter has a slot, take them together; return the seconds spent waiting."""
    waited = 0.0
    while True:
        wait = try_acquire_all(limiters, hold)
        if wait <= 0:
            return waited
        sleep(wait)
        waited += wait


class InFlightLimiter:
    """At most `limit` concurrent operations; `limit <= 0` means unlimited."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._sem = threading.BoundedSemaphore(limit) if limit > 0 else None

    def try_enter(self) -> bool:
        return self._sem is None or self._sem.acquire(blocking=False)

    def leave(self) -> None:
        if self._sem is not None:
            self._sem.release()

    @contextmanager
    def slot(self) -> Iterator[None]:
        if self._sem is not None:
            sem = self._sem
            stopping.wait_for(lambda timeout: sem.acquire(timeout=timeout))
        try:
            yield
        finally:
            self.leave()

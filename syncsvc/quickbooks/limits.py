"""Per-company request limits shared by every client of that company in this process.

QBO allows 500 requests per minute, 40 batch requests per minute (which count
among the 500 too) and 10 concurrent requests per realm and app. The client
keeps a margin under each (450, 36 and 4 by default) so that its own pacing
never costs a 429 and a 60 s wait. Slots are stamped right before sending,
inside the concurrency slot, so the API counts no request earlier than we did.
The limiter is process-wide (keyed by API URL and realm); separate processes
each get their own, so run one worker process per company or lower the
settings accordingly.
"""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable, Iterator

from syncsvc import stopping
from syncsvc.ratelimit import InFlightLimiter, SlidingWindowLimiter, Window, acquire_all


@dataclass
class CompanyLimits:
    rate: SlidingWindowLimiter
    in_flight: InFlightLimiter
    batch: SlidingWindowLimiter | None = None  # POSTs to /batch, on top of `rate`
    sleep: Callable[[float], None] = stopping.sleep

    @contextmanager
    def slot(self, batch: bool = False) -> Iterator[None]:
        # Wait for a concurrency slot first, so the rate slots are taken right before sending.
        with self.in_flight.slot():
            if batch and self.batch is not None:
                acquire_all([self.batch, self.rate], self.sleep)  # both stamped at the same instant
            else:
                self.rate.acquire()
            yield


_registry: dict[tuple[str, str], CompanyLimits] = {}
_registry_lock = threading.Lock()


def limits_for(api_base_url: str, realm_id: str, qb_settings,
               clock: Callable[[], float] = time.monotonic,
               sleep: Callable[[float], None] = stopping.sleep) -> CompanyLimits:
    key = (api_base_url, realm_id)
    with _registry_lock:
        limits = _registry.get(key)
        if limits is None:
            window = qb_settings.rate_window_seconds
            limits = CompanyLimits(
                rate=SlidingWindowLimiter([Window(qb_settings.requests_per_minute, window)], clock, sleep),
                in_flight=InFlightLimiter(qb_settings.max_in_flight),
                batch=SlidingWindowLimiter([Window(qb_settings.batch_requests_per_minute, window)], clock, sleep),
                sleep=sleep,
            )
            _registry[key] = limits
        return limits

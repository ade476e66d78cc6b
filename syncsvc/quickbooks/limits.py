"""Per-company request limits shared by every client of that company in this process.

QBO allows 500 requests per minute and 10 concurrent requests per realm and
app. The limiter is process-wide (keyed by API URL and realm); separate
processes each get their own, so run one worker process per company or lower
the settings accordingly.
"""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable, Iterator

from syncsvc import stopping
from syncsvc.ratelimit import InFlightLimiter, SlidingWindowLimiter, Window


@dataclass
class CompanyLimits:
    rate: SlidingWindowLimiter
    in_flight: InFlightLimiter

    @contextmanager
    def slot(self) -> Iterator[None]:
        # Wait for a concurrency slot first, so the rate slot is taken right before sending.
        with self.in_flight.slot():
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
            limits = CompanyLimits(
                rate=SlidingWindowLimiter(
                    [Window(qb_settings.requests_per_minute, qb_settings.rate_window_seconds)], clock, sleep
                ),
                in_flight=InFlightLimiter(qb_settings.max_in_flight),
            )
            _registry[key] = limits
        return limits

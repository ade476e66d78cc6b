"""Per-company request limits shared by every client of that company in this process.

QBO allows 500 requests per minute, 40 batch requests per minute (which count
among the 500 too) and 10 concurrent requests per realm and app. The client
keeps a margin under each (450, 39 and 4 by default) so that its own pacing
never costs a 429 and a 60 s wait. A request holds its slots from right before
sending (inside the concurrency slot) until its answer is back, and is counted
in the windows from the answer on: QBO counts it when it arrives, which is
between the two, so however late a request reaches QBO (a slow network, a
loaded machine) QBO never has more in its window than the client had in its
own. Stamped at sending instead, a request that arrived late would still be
in QBO's window after it left ours, and with bursts of batches one over 40.
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
        """For one request, from before it is sent until its answer (or failure) is back."""
        # Wait for a concurrency slot first, so the rate slots are taken right before sending.
        with self.in_flight.slot():
            windows = [self.batch, self.rate] if batch and self.batch is not None else [self.rate]
            acquire_all(windows, self.sleep, hold=True)  # taken together: a batch counts in both
            try:
                yield
            finally:
                for window in windows:
                    window.release()  # counted from the answer on: QBO counted it on arrival, before


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

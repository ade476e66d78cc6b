"""Per-credential quotas with Keap's Apigee headers and 429 bodies (notes §4.1).

Every answer carries x-keap-product-throttle-* (the shortest window) and
x-keap-product-quota-* (the longest). With no quotas configured the headers
still count calls against the real service-key quota, but nothing is refused.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from typing import Callable

from ...ratelimit import SlidingWindowLimiter, Window

SERVICE_KEY_QUOTAS = (Window(10, 1.0), Window(240, 60.0))
OAUTH_QUOTAS = (Window(1500, 60.0), Window(150000, 86400.0))


def _unit(seconds: float) -> tuple[str, str]:
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            return unit, str(int(seconds // size))
    return "second", str(int(seconds)) if float(seconds).is_integer() else str(seconds)


def violation_body(window: Window, identifier: str) -> str:
    if window.seconds <= 1:
        fault = {
            "faultstring": f"Spike arrest violation. Allowed rate : MessageRate{{messagesPerPeriod={window.limit}, "
                           f"periodInMicroseconds={int(window.seconds * 1_000_000)}, maxBurstMessageCount={window.limit}.0}}",
            "detail": {"errorcode": "policies.ratelimit.SpikeArrestViolation"},
        }
    else:
        fault = {
            "faultstring": f"Rate limit quota violation. Quota limit  exceeded. Identifier : {identifier}",
            "detail": {"errorcode": "policies.ratelimit.QuotaViolation"},
        }
    return json.dumps({"fault": fault})


class _Meter:
    def __init__(self, windows: list[Window], clock: Callable[[], float]) -> None:
        self.limiter = SlidingWindowLimiter(windows, clock=clock)
        self.calls: deque[float] = deque(maxlen=max(w.limit for w in windows))


class QuotaKeeper:
    def __init__(
        self, windows: list[Window] | tuple[Window, ...] | None,
        clock: Callable[[], float] = time.monotonic, wall: Callable[[], float] = time.time,
    ) -> None:
        self.enforce = windows is not None
        self.windows = sorted(windows or SERVICE_KEY_QUOTAS, key=lambda w: w.seconds)
        self._clock, self._wall = clock, wall
        self._meters: dict[str, _Meter] = {}
        self._lock = threading.Lock()

    def _meter(self, credential: str) -> _Meter:
        with self._lock:
            meter = self._meters.get(credential)
            if meter is None:
                meter = self._meters[credential] = _Meter(self.windows, self._clock)
            return meter

    def admit(self, credential: str) -> tuple[Window | None, list[tuple[str, str]]]:
        """(violated window or None, headers). A refused call is not counted."""
        meter = self._meter(credential)
        violated = None
        if self.enforce:
            if meter.limiter.try_acquire() > 0:
                violated = self._violated(meter)
        if violated is None:
            with self._lock:
                meter.calls.append(self._clock())
        return violated, self._headers(meter)

    def _violated(self, meter: _Meter) -> Window:
        now = self._clock()
        for window in self.windows:
            if sum(1 for t in meter.calls if t > now - window.seconds) >= window.limit:
                return window
        return self.windows[0]

    def _headers(self, meter: _Meter) -> list[tuple[str, str]]:
        now, wall = self._clock(), self._wall()
        with self._lock:
            calls = list(meter.calls)
        headers = []
        for prefix, window in (("throttle", self.windows[0]), ("quota", self.windows[-1])):
            in_window = [t for t in calls if t > now - window.seconds]
            unit, interval = _unit(window.seconds)
            used = len(in_window)
            headers += [
                (f"x-keap-product-{prefix}-limit", str(window.limit)),
                (f"x-keap-product-{prefix}-time-unit", unit),
                (f"x-keap-product-{prefix}-interval", interval),
                (f"x-keap-product-{prefix}-available", str(max(window.limit - used, 0))),
                (f"x-keap-product-{prefix}-used", str(used)),
            ]
            if prefix == "quota":
                oldest = in_window[0] if in_window else now
                expiry_ms = int((wall + (oldest + window.seconds - now)) * 1000)
                headers.append(("x-keap-product-quota-expiry-time", str(expiry_ms)))
        return headers

"""Keap's request quota, kept on our side: the limiter both Keap clients wait on before each request."""

from __future__ import annotations

from typing import Callable

from syncsvc.config import InfusionsoftSettings
from syncsvc.ratelimit import SlidingWindowLimiter, Window

LIMIT_MARGIN_SECONDS = 0.25


def quota_limiter(conf: InfusionsoftSettings, sleep: Callable[[float], None]) -> SlidingWindowLimiter:
    """`[infusionsoft].requests_per_second` and `requests_per_minute` as one limiter."""
    # Keap counts calls when they arrive, we when they leave: network jitter can bunch
    # them up in transit, so each window is held a little longer than the quota's.
    return SlidingWindowLimiter(
        [Window(conf.requests_per_second, 1.0 + LIMIT_MARGIN_SECONDS),
         Window(conf.requests_per_minute, 60.0 + LIMIT_MARGIN_SECONDS)],
        sleep=sleep,
    )


__all__ = ["LIMIT_MARGIN_SECONDS", "quota_limiter"]

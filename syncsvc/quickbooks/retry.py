"""One retry policy for every QuickBooks call: which errors retry, and how long to wait.

Throttling waits what QBO asks (Retry-After, else `throttle_wait_seconds`,
60 s in production) plus at most a tenth of it (at most `backoff_base_seconds`),
however often it was throttled; other transient errors back off exponentially.
Every wait gets jitter so parallel workers do not return in lockstep. Sleep and
randomness are injected so tests are exact and fast.
"""

from __future__ import annotations

import random as _random
from dataclasses import dataclass, field
from typing import Callable

from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt

from syncsvc import apievents, stopping
from syncsvc.quickbooks.errors import QuickBooksError, Throttled


def is_retriable(exc: BaseException) -> bool:
    return isinstance(exc, QuickBooksError) and exc.retriable


@dataclass
class RetryPolicy:
    max_attempts: int = 6
    throttle_wait_seconds: float = 60.0
    backoff_base_seconds: float = 1.0
    backoff_max_seconds: float = 60.0
    sleep: Callable[[float], None] = field(default=stopping.sleep, repr=False)
    random: Callable[[], float] = field(default=_random.random, repr=False)

    @classmethod
    def from_settings(cls, qb_settings, **overrides) -> "RetryPolicy":
        return cls(
            max_attempts=qb_settings.max_attempts,
            throttle_wait_seconds=qb_settings.throttle_wait_seconds,
            backoff_base_seconds=qb_settings.backoff_base_seconds,
            backoff_max_seconds=qb_settings.backoff_max_seconds,
            **overrides,
        )

    def backoff(self, attempt: int) -> float:
        """Exponential backoff for attempt 1, 2, ... with jitter in [50%, 100%]."""
        ceiling = min(self.backoff_base_seconds * 2 ** (attempt - 1), self.backoff_max_seconds)
        return ceiling * (0.5 + self.random() / 2)

    def wait_after(self, exc: BaseException | None, attempt: int) -> float:
        if isinstance(exc, Throttled):
            asked = exc.retry_after if exc.retry_after is not None else self.throttle_wait_seconds
            # What QBO asked, never less, and not much more: the jitter (at most a tenth of the wait, at most
            # backoff_base_seconds) spreads workers throttled together but does not grow with the attempt.
            return asked + min(asked / 10, self.backoff_base_seconds) * self.random()
        return self.backoff(attempt)

    def _tenacity_wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        return self.wait_after(exc, state.attempt_number)

    def retrying(self, retry_on: Callable[[BaseException], bool] = is_retriable) -> Retrying:
        return Retrying(
            stop=stop_after_attempt(self.max_attempts),
            wait=self._tenacity_wait,
            retry=retry_if_exception(retry_on),
            sleep=self.sleep,
            before_sleep=_count_retry,
            reraise=True,
        )


def _count_retry(_state: RetryCallState) -> None:
    apievents.emit("quickbooks", apievents.RETRY)

"""How a Keap call is tried again, for XML-RPC and REST v2 alike.

errors.py decides what is retryable; this module decides how often and how
long to wait (exponential backoff with jitter, Retry-After when the server
sends one) and reports each retry (apievents RETRY, a warning naming the API
and the operation) and each throttled attempt (apievents THROTTLE).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Callable

from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt

from syncsvc import apievents
from syncsvc.infusionsoft.errors import InfusionsoftThrottled, ThrottlingFault, is_retryable

API = "infusionsoft"


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 6
    initial_delay: float = 0.5
    max_delay: float = 30.0
    # A Retry-After longer than this is treated as "give up" rather than a multi-minute stall.
    max_retry_after: float = 120.0

    def delay(self, attempt: int, error: BaseException | None, random: Callable[[], float]) -> float:
        """Seconds to wait after failed attempt number `attempt` (1-based)."""
        retry_after = getattr(error, "retry_after", None)
        if retry_after is not None:
            return min(float(retry_after), self.max_retry_after)
        backoff = min(self.max_delay, self.initial_delay * 2 ** (attempt - 1))
        # Jitter between half and all of the backoff, so workers that failed together spread out.
        return max(self.initial_delay, backoff * (0.5 + 0.5 * random()))


def retrying(
    policy: RetryPolicy,
    *,
    sleep: Callable[[float], None],
    random: Callable[[], float],
    label: str,
    operation: str,
    log: logging.Logger,
) -> Retrying:
    """A tenacity `Retrying` for one call of `operation`; `label` ("Infusionsoft", "Keap") names the API in `log`."""

    def wait(state: RetryCallState) -> float:
        return policy.delay(state.attempt_number, _error(state), random)

    def before_sleep(state: RetryCallState) -> None:
        apievents.emit(API, apievents.RETRY)
        log.warning(
            "%s %s attempt %d failed (%s); retrying in %.2f s",
            label,
            operation,
            state.attempt_number,
            _error(state),
            state.next_action.sleep if state.next_action else 0.0,
        )

    return Retrying(
        stop=stop_after_attempt(max(1, policy.max_attempts)),
        retry=retry_if_exception(is_retryable),
        wait=wait,
        sleep=sleep,
        before_sleep=before_sleep,
        after=_count_throttle,
        reraise=True,
    )


def _count_throttle(state: RetryCallState) -> None:
    """Runs after every failed attempt that is retryable (the last one too)."""
    if isinstance(_error(state), (InfusionsoftThrottled, ThrottlingFault)):
        apievents.emit(API, apievents.THROTTLE)


def _error(state: RetryCallState) -> BaseException | None:
    return state.outcome.exception() if state.outcome else None


__all__ = ["RetryPolicy", "retrying"]

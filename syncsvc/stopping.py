"""Waits that a stop request cuts short.

A run sets the stop it answers to for everything it calls (`with stop_on(event):`); the
clients' waits (rate limiters, retry backoff, QuickBooks' 60 s throttle wait, Keap's
Retry-After) go through `sleep`, which waits on that event and raises `Stopped` as soon
as it is set. The run treats `Stopped` as "stopped": the order in hand is not recorded as
failed, the watermarks stay, and the next run picks it up. Outside `stop_on`, `sleep` is
`time.sleep`.

The stop is a context variable, so each thread (the daemon's cycle runs in the scheduler's
worker thread) sees only the stop its own run set.
"""

from __future__ import annotations

import contextvars
import threading
import time
from contextlib import contextmanager
from typing import Callable, Iterator, Union

from syncsvc.errors import SyncsvcError

POLL_SECONDS = 0.1  # how often a stop given as a plain callable is asked during a wait

StopSignal = Union[threading.Event, Callable[[], bool]]


class Stopped(SyncsvcError):
    """A stop was requested while a client waited; the run ends without finishing the call."""

    def __init__(self, message: str = "stop requested while waiting") -> None:
        super().__init__(message)


_current: contextvars.ContextVar[StopSignal | None] = contextvars.ContextVar("syncsvc_stop", default=None)


def _as_event(stop: StopSignal) -> StopSignal:
    """An Event's bound `is_set` is that Event, so waits wake at once rather than at the next poll."""
    owner = getattr(stop, "__self__", None)
    if isinstance(owner, threading.Event) and getattr(stop, "__name__", "") == "is_set":
        return owner
    return stop


@contextmanager
def stop_on(stop: StopSignal | None) -> Iterator[None]:
    """Waits inside the block end with `Stopped` once `stop` is set (an Event) or returns true (a callable)."""
    if stop is None:
        yield
        return
    token = _current.set(_as_event(stop))
    try:
        yield
    finally:
        _current.reset(token)


def requested() -> bool:
    stop = _current.get()
    if stop is None:
        return False
    return stop.is_set() if isinstance(stop, threading.Event) else bool(stop())


def check() -> None:
    """Raise `Stopped` if the current run was asked to stop."""
    if requested():
        raise Stopped()


def sleep(seconds: float) -> None:
    """`time.sleep(seconds)`, but raising `Stopped` as soon as the current run is asked to stop."""
    stop = _current.get()
    if stop is None:
        time.sleep(max(0.0, seconds))
        return
    if isinstance(stop, threading.Event):
        if stop.wait(max(0.0, seconds)):
            raise Stopped(f"stop requested during a {seconds:.1f} s wait")
        return
    end = time.monotonic() + seconds
    while True:
        if stop():
            raise Stopped(f"stop requested during a {seconds:.1f} s wait")
        left = end - time.monotonic()
        if left <= 0:
            return
        time.sleep(min(POLL_SECONDS, left))


def wait_for(acquire: Callable[[float | None], bool]) -> None:
    """Block on `acquire(timeout)` (a semaphore's; None = no limit) in short slices, raising `Stopped` when
    asked to stop."""
    if _current.get() is None:
        acquire(None)
        return
    while not acquire(POLL_SECONDS):
        check()


__all__ = ["Stopped", "check", "requested", "sleep", "stop_on", "wait_for"]

"""The clients' waits end as soon as the run is asked to stop (issue 12: SIGTERM during a 60 s
QuickBooks throttle wait took a minute; Docker kills after 10 s)."""

from __future__ import annotations

import threading
import time

import pytest

from syncsvc import stopping
from syncsvc.quickbooks.errors import Throttled
from syncsvc.quickbooks.retry import RetryPolicy
from syncsvc.ratelimit import InFlightLimiter, SlidingWindowLimiter, Window
from syncsvc.stopping import Stopped


def _set_later(event: threading.Event, seconds: float = 0.1) -> None:
    threading.Timer(seconds, event.set).start()


def test_sleep_outside_a_run_is_a_plain_sleep():
    started = time.monotonic()
    stopping.sleep(0.05)
    assert 0.04 <= time.monotonic() - started < 1


def test_sleep_ends_with_stopped_as_soon_as_the_event_is_set():
    stop = threading.Event()
    _set_later(stop)
    started = time.monotonic()
    with stopping.stop_on(stop), pytest.raises(Stopped):
        stopping.sleep(60)
    assert time.monotonic() - started < 2


def test_a_wait_that_is_not_interrupted_just_returns():
    with stopping.stop_on(threading.Event()):
        stopping.sleep(0.01)


def test_a_stop_given_as_a_callable_is_polled():
    asked = []

    def should_stop() -> bool:
        asked.append(1)
        return len(asked) > 2

    started = time.monotonic()
    with stopping.stop_on(should_stop), pytest.raises(Stopped):
        stopping.sleep(60)
    assert time.monotonic() - started < 2


def test_an_events_is_set_is_waited_on_as_the_event():
    stop = threading.Event()
    with stopping.stop_on(stop.is_set):
        _set_later(stop, 0.05)
        started = time.monotonic()
        with pytest.raises(Stopped):
            stopping.sleep(60)
    assert time.monotonic() - started < 0.09  # woken by the event, not at the next poll


def test_the_stop_belongs_to_the_thread_that_set_it():
    stop = threading.Event()
    stop.set()
    seen = []
    with stopping.stop_on(stop):
        thread = threading.Thread(target=lambda: seen.append(stopping.requested()))
        thread.start()
        thread.join()
        assert stopping.requested()
    assert seen == [False] and not stopping.requested()


def test_the_rate_limiter_wait_is_interruptible():
    limiter = SlidingWindowLimiter([Window(1, 60.0)])
    limiter.acquire()
    stop = threading.Event()
    _set_later(stop)
    started = time.monotonic()
    with stopping.stop_on(stop), pytest.raises(Stopped):
        limiter.acquire()  # the next slot frees in 60 s
    assert time.monotonic() - started < 2


def test_the_in_flight_wait_is_interruptible():
    limiter = InFlightLimiter(1)
    stop = threading.Event()
    with limiter.slot():
        _set_later(stop)
        started = time.monotonic()
        with stopping.stop_on(stop), pytest.raises(Stopped):
            with limiter.slot():
                pass
        assert time.monotonic() - started < 2
    with limiter.slot():  # the slot given up was never taken: the limiter is whole
        pass


def test_the_quickbooks_throttle_wait_is_interruptible():
    policy = RetryPolicy(throttle_wait_seconds=60.0)
    calls = []

    def throttled():
        calls.append(1)
        raise Throttled(3001, "ThrottleExceeded")

    stop = threading.Event()
    _set_later(stop)
    started = time.monotonic()
    with stopping.stop_on(stop), pytest.raises(Stopped):
        for attempt in policy.retrying():
            with attempt:
                throttled()
    assert time.monotonic() - started < 2 and calls == [1]


def test_the_keap_retry_wait_is_interruptible():
    import logging

    from syncsvc.infusionsoft.errors import InfusionsoftThrottled
    from syncsvc.infusionsoft.retrying import RetryPolicy as KeapPolicy
    from syncsvc.infusionsoft.retrying import retrying

    stop = threading.Event()
    _set_later(stop)
    started = time.monotonic()
    error = InfusionsoftThrottled("quota", retry_after=60.0)
    with stopping.stop_on(stop), pytest.raises(Stopped):
        for attempt in retrying(KeapPolicy(), sleep=stopping.sleep, random=lambda: 0.5, label="Keap",
                                operation="orders", log=logging.getLogger("test")):
            with attempt:
                raise error
    assert time.monotonic() - started < 2

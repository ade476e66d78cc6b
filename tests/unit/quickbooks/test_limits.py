"""The client's per-company pacing: POSTs to /batch take a batch slot as well as a request slot."""

from syncsvc.config import settings_from_dict
from syncsvc.quickbooks.limits import limits_for


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


def _limits(clock, **quickbooks):
    qb = settings_from_dict({"quickbooks": quickbooks}).quickbooks
    return limits_for(f"http://127.0.0.1:1/v3/{id(clock)}", "realm", qb, clock=clock, sleep=clock.sleep)


def test_batches_are_paced_at_batch_requests_per_minute_and_count_as_requests():
    clock = FakeClock()
    limits = _limits(clock)  # defaults: 450 requests and 39 batches a minute
    for _ in range(39):
        with limits.slot(batch=True):
            pass
    for _ in range(450 - 39):  # the 39 batches took 39 of the minute's 450 request slots
        with limits.slot():
            pass
    assert clock.now == 0.0
    with limits.slot():
        pass
    assert clock.now == 60.0
    for _ in range(38):
        with limits.slot(batch=True):
            pass
    assert clock.now == 60.0
    with limits.slot(batch=True):  # the 40th batch since t=0: the first is a minute old now
        pass
    assert clock.now == 60.0


def test_other_requests_do_not_wait_for_the_batch_window():
    clock = FakeClock()
    limits = _limits(clock, batch_requests_per_minute=2)
    for _ in range(2):
        with limits.slot(batch=True):
            pass
    for _ in range(100):
        with limits.slot():
            pass
    assert clock.now == 0.0
    with limits.slot(batch=True):
        pass
    assert clock.now == 60.0


def test_the_window_scales_with_rate_window_seconds():
    clock = FakeClock()
    limits = _limits(clock, batch_requests_per_minute=3, rate_window_seconds=2.0)
    for _ in range(7):
        with limits.slot(batch=True):
            pass
    assert clock.now == 4.0

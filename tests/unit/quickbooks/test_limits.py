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


def test_a_slot_counts_from_its_answer_so_a_request_that_reached_quickbooks_late_is_never_one_too_many():
    # QuickBooks counts a request when it arrives, which can be well after the client took its slot
    # (a slow network, a loaded machine). Counted from the answer, which comes after the arrival, the
    # client never has fewer in its window than QuickBooks has in its own.
    clock = FakeClock()
    limits = _limits(clock, batch_requests_per_minute=2)
    with limits.slot(batch=True):  # reaches QuickBooks at some point before its answer at t=5
        with limits.slot(batch=True):  # another thread's, answered at once
            pass
        clock.now = 5.0
    clock.now = 60.0
    with limits.slot(batch=True):  # the second's slot is a minute old
        pass
    assert clock.now == 60.0
    with limits.slot(batch=True):  # the first's is not: QuickBooks may still count it
        pass
    assert clock.now == 65.0


def test_requests_in_flight_hold_their_slots():
    clock = FakeClock()
    limits = _limits(clock, batch_requests_per_minute=2, max_in_flight=10)
    with limits.slot(batch=True):
        clock.now = 100.0  # a minute and more without an answer
        with limits.slot(batch=True):
            pass
        assert clock.now == 100.0
        with limits.slot(batch=True):  # the one still out counts, and the one answered at t=100
            pass
        assert clock.now == 160.0

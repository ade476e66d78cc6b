from syncsvc.ratelimit import InFlightLimiter, SlidingWindowLimiter, Window


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


def test_every_window_is_respected():
    clock = FakeClock()
    limiter = SlidingWindowLimiter([Window(10, 1.0), Window(240, 60.0)], clock=clock, sleep=clock.sleep)
    stamps = []
    for _ in range(300):
        limiter.acquire()
        stamps.append(clock.now)
    for i in range(len(stamps) - 10):
        assert stamps[i + 10] - stamps[i] >= 1.0 - 1e-9
    for i in range(len(stamps) - 240):
        assert stamps[i + 240] - stamps[i] >= 60.0 - 1e-9
    # 300 calls at 240/min cannot finish before the first minute is over
    assert stamps[-1] >= 60.0


def test_try_acquire_refuses_without_taking_a_slot():
    clock = FakeClock()
    limiter = SlidingWindowLimiter([Window(2, 3.0)], clock=clock)
    assert limiter.try_acquire() == 0
    assert limiter.try_acquire() == 0
    wait = limiter.try_acquire()
    assert wait == 3.0
    clock.now = 3.0
    assert limiter.try_acquire() == 0


def test_in_flight_cap():
    cap = InFlightLimiter(2)
    assert cap.try_enter() and cap.try_enter()
    assert not cap.try_enter()
    cap.leave()
    assert cap.try_enter()


def test_acquire_all_takes_every_slot_at_the_same_instant_or_none():
    from syncsvc.ratelimit import acquire_all, try_acquire_all

    clock = FakeClock()
    batches = SlidingWindowLimiter([Window(2, 10.0)], clock=clock, sleep=clock.sleep)
    requests = SlidingWindowLimiter([Window(5, 10.0)], clock=clock, sleep=clock.sleep)
    assert try_acquire_all([batches, requests]) == 0
    assert try_acquire_all([batches, requests]) == 0
    assert try_acquire_all([batches, requests]) == 10.0  # the batch window is full: nothing taken
    assert [requests.try_acquire() for _ in range(4)] == [0, 0, 0, 10.0]  # 2 + 3 = 5: only 3 were free

    clock.now = 4.0
    assert acquire_all([batches, requests], sleep=clock.sleep) == 6.0  # both windows free at t=10
    assert clock.now == 10.0


def test_acquire_all_waits_for_the_fuller_window_and_stamps_both_after_the_wait():
    from syncsvc.ratelimit import acquire_all

    clock = FakeClock()
    batches = SlidingWindowLimiter([Window(3, 10.0)], clock=clock, sleep=clock.sleep)
    requests = SlidingWindowLimiter([Window(1, 1.0)], clock=clock, sleep=clock.sleep)
    stamps = []
    for _ in range(4):
        acquire_all([batches, requests], sleep=clock.sleep)
        stamps.append(clock.now)
    assert stamps == [0.0, 1.0, 2.0, 10.0]


def test_wait_time_peeks_without_taking():
    clock = FakeClock()
    limiter = SlidingWindowLimiter([Window(1, 5.0)], clock=clock)
    assert limiter.wait_time() == 0 and limiter.wait_time() == 0
    assert limiter.try_acquire() == 0
    clock.now = 2.0
    assert limiter.wait_time() == 3.0

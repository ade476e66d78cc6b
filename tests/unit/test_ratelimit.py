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

from syncsvc.quickbooks.errors import ServerFault, Throttled
from syncsvc.quickbooks.retry import RetryPolicy


def policy(rnd=1.0):
    return RetryPolicy(max_attempts=4, throttle_wait_seconds=60.0, backoff_base_seconds=1.0,
                       backoff_max_seconds=8.0, sleep=lambda s: None, random=lambda: rnd)


def test_backoff_doubles_up_to_the_cap_with_jitter_below():
    assert [policy(1.0).backoff(n) for n in range(1, 6)] == [1.0, 2.0, 4.0, 8.0, 8.0]
    assert [policy(0.0).backoff(n) for n in range(1, 4)] == [0.5, 1.0, 2.0]


def test_throttle_waits_what_qbo_asks_and_no_more_than_a_little_jitter():
    asked = Throttled(3001, "ThrottleExceeded", status=429, retry_after=5.0)
    unasked = Throttled(3001, "ThrottleExceeded", status=429)
    # Retry-After when given, else throttle_wait_seconds; jitter adds at most a tenth (and at most
    # backoff_base_seconds), and it does not grow with the attempt as the backoff of 5xx does.
    for attempt in (1, 2, 4, 6):
        assert policy(0.0).wait_after(asked, attempt) == 5.0
        assert policy(1.0).wait_after(asked, attempt) == 5.5
        assert policy(0.0).wait_after(unasked, attempt) == 60.0
        assert policy(1.0).wait_after(unasked, attempt) == 61.0
    assert policy(0.0).wait_after(Throttled(3001, "x", status=429, retry_after=0.0), 3) == 0.0
    assert policy(0.0).wait_after(ServerFault(10000, "x"), 3) == 2.0


def test_a_throttled_call_sleeps_what_was_asked_then_succeeds():
    slept, calls = [], []
    p = RetryPolicy(max_attempts=4, throttle_wait_seconds=60.0, backoff_base_seconds=1.0,
                    backoff_max_seconds=60.0, sleep=slept.append, random=lambda: 0.0)
    answers = [Throttled(3001, "x", status=429, retry_after=7.0), Throttled(3001, "x", status=429), "ok"]

    def call():
        calls.append(1)
        answer = answers[len(calls) - 1]
        if isinstance(answer, Exception):
            raise answer
        return answer

    for attempt in p.retrying():
        with attempt:
            result = call()
    assert result == "ok" and slept == [7.0, 60.0]


def test_retrying_stops_after_max_attempts_and_sleeps_between():
    slept, calls = [], []
    p = RetryPolicy(max_attempts=3, backoff_base_seconds=1.0, sleep=slept.append, random=lambda: 1.0)

    def flaky():
        calls.append(1)
        raise ServerFault(10000, "boom", status=500)

    try:
        for attempt in p.retrying():
            with attempt:
                flaky()
    except ServerFault:
        pass
    assert len(calls) == 3 and slept == [1.0, 2.0]

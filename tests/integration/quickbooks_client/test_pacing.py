"""The client's own pacing never costs a 429: default settings against a sandbox with QBO's real limits
(500 requests and 40 batch requests per window, 10 in flight), the window scaled down to seconds."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from quickbooks.batch import BatchManager

from .builders import customer
from .conftest import connect

WINDOW = 4.0  # seconds standing for QBO's minute, on both sides
THREADS = 4
REQUESTS = 700  # > 450: the request limiter must hold some back for a window
BATCHES = 50  # > 39: so must the batch limiter


@pytest.mark.timeout(120)
def test_default_pacing_meets_qbos_real_limits_without_a_single_429(sqlite_url):
    from syncsvc.sandbox.quickbooks import QuickBooksSandbox

    with QuickBooksSandbox(window_seconds=WINDOW) as sandbox:
        realm = sandbox.create_company(name="Paced Company")
        company = connect(sandbox, realm, sqlite_url, rate_window_seconds=WINDOW)  # default pacing otherwise
        assert (company.settings.requests_per_minute, company.settings.batch_requests_per_minute,
                company.settings.max_in_flight) == (450, 39, 4)
        work = [("batch", n) for n in range(BATCHES)] + [("query", n) for n in range(REQUESTS)]
        work = work[::2] + work[1::2]  # batches and plain requests interleaved

        def run_share(share):
            qb = company.client()  # one client per thread
            for kind, n in share:
                if kind == "batch":
                    BatchManager("create").process_batch([customer(f"Paced {n:03d}-{k}") for k in range(3)], qb=qb)
                else:
                    qb.query("select * from CompanyInfo")

        started = time.monotonic()
        with ThreadPoolExecutor(THREADS) as pool:
            list(pool.map(run_share, [work[k::THREADS] for k in range(THREADS)]))
        elapsed = time.monotonic() - started
        traffic = sandbox.traffic(realm)
        stored = len(sandbox.entities(realm, "Customer"))
    assert traffic["throttled"] == 0, traffic
    assert traffic["batches"] == BATCHES and traffic["requests"] == BATCHES + REQUESTS
    assert stored == 3 * BATCHES
    assert elapsed >= WINDOW  # the limiters held work back for a window: they were what paced the run


@pytest.mark.parametrize("retry_after", [None, 2])
def test_a_429_waits_what_the_answer_asks_and_no_more(sandbox, realm, company, qb, retry_after):
    slept = []
    company.retry_policy.sleep = slept.append
    sandbox.configure(realm, retry_after=retry_after)
    sandbox.inject(realm, "throttle_json", count=2)
    qb.query("select * from CompanyInfo")
    asked = retry_after if retry_after is not None else company.settings.throttle_wait_seconds
    # Retry-After when QBO sends one, else [quickbooks].throttle_wait_seconds; jitter of at most a tenth
    # (capped at backoff_base_seconds), the same on the second throttle as on the first.
    assert len(slept) == 2 and all(asked <= s <= asked + min(asked / 10, company.settings.backoff_base_seconds)
                                   for s in slept), slept

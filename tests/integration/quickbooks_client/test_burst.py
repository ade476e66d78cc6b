"""2,000 writes against a company limited to 500 per window and 10 in flight (window scaled to 3 s)."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from syncsvc.quickbooks import writers

from .builders import customer
from .conftest import connect

WRITES = 2000
THREADS = 8


@pytest.mark.timeout(90)
def test_burst_completes_without_failed_or_duplicated_writes(sqlite_url):
    from syncsvc.sandbox.quickbooks import QuickBooksSandbox

    with QuickBooksSandbox(requests_per_minute=500, window_seconds=3.0, max_in_flight=10) as sandbox:
        realm = sandbox.create_company(name="Busy Company")
        company = connect(sandbox, realm, sqlite_url, requests_per_minute=500, rate_window_seconds=3.0,
                          max_in_flight=10, throttle_wait_seconds=0.2, max_attempts=10)
        names = [f"Burst Customer {n:04d}" for n in range(WRITES)]

        def write_share(share):
            qb = company.client()  # one client per thread
            return [writers.create(qb, customer(name)).Id for name in share]

        started = time.monotonic()
        with ThreadPoolExecutor(THREADS) as pool:
            ids = [i for part in pool.map(write_share, [names[k::THREADS] for k in range(THREADS)]) for i in part]
        elapsed = time.monotonic() - started

        stored = [c["DisplayName"] for c in sandbox.entities(realm, "Customer")]
    assert len(ids) == WRITES and len(set(ids)) == WRITES
    assert sorted(stored) == sorted(names)  # every write landed exactly once
    assert elapsed >= 3 * (WRITES // 500 - 1)  # the limit held: 2,000 writes need at least 3 windows
    assert elapsed < 30

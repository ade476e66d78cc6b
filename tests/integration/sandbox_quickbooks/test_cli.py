"""`python -m syncsvc.sandbox.quickbooks`: a QBO sandbox in its own process, its limits and latency set on the
command line (what a benchmark starts)."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import httpx


def test_the_sandbox_process_serves_with_the_limits_and_latency_it_was_given():
    process = subprocess.Popen(
        [sys.executable, "-m", "syncsvc.sandbox.quickbooks", "--batch-requests-per-minute", "1",
         "--window-seconds", "30", "--latency", "0.2", "--batch-item-latency", "0.05", "--retry-after", "7"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        info = json.loads(process.stdout.readline())
        headers = {"Authorization": f"Bearer {info['tokens']['access_token']}"}
        url = f"{info['api_base_url']}/company/{info['realm']}/batch"
        body = {"BatchItemRequest": [{"bId": "1", "Query": "select * from CompanyInfo"}] * 2}
        started = time.monotonic()
        assert httpx.post(url, json=body, headers=headers).status_code == 200
        assert time.monotonic() - started >= 0.2 + 2 * 0.05
        throttled = httpx.post(url, json=body, headers=headers)
        assert throttled.status_code == 429 and throttled.headers["Retry-After"] == "7"
        assert info["options"]["batch_requests_per_minute"] == 1 and info["options"]["requests_per_minute"] == 500
        assert info["client_id"] and info["client_secret"] and info["discovery_url"].startswith("http://127.0.0.1")
    finally:
        process.stdin.close()  # the sandbox serves until its standard input closes
        process.wait(timeout=10)
    assert process.returncode == 0
    summary = json.loads(process.stdout.readline())
    assert summary["traffic"]["batches"] == 1 and summary["traffic"]["throttled_by"]["batches"] == 1

"""Both sandboxes in the test process, `syncsvc run` as a real subprocess against them."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

from syncsvc.sync.wiring import state_store
from tests.e2e.conftest import BATCHES_PER_MINUTE, World, keap, make_world, qbo  # noqa: F401 (keap, qbo: shared fixtures)

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def world(keap, qbo, tmp_path, monkeypatch) -> World:
    return make_world(keap, qbo, f"sqlite:///{tmp_path / 'state.sqlite3'}", monkeypatch)


class Clock:
    """A time that stands still until a test moves `now`."""

    def __init__(self) -> None:
        self.now = datetime(2025, 3, 1, 12, 0, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_config(world: World, path: Path, *, infusionsoft: dict | None = None, sync: dict | None = None,
                 quickbooks: dict | None = None, **service) -> str:
    sections = {
        "infusionsoft": {**world.infusionsoft_section(), **(infusionsoft or {})},
        "quickbooks": {"api_base_url": world.qbo.api_base_url, "discovery_url": world.qbo.discovery_url,
                       "realm_id": world.realm, "timeout_seconds": 5.0, "throttle_wait_seconds": 0.05,
                       "backoff_base_seconds": 0.01, "backoff_max_seconds": 0.2,
                       "batch_requests_per_minute": BATCHES_PER_MINUTE, **(quickbooks or {})},
        "state": {"database_url": world.database_url},
        "service": {"interval_seconds": 1.0, "lock_ttl_seconds": 3.0, **service},
        "sync": dict(sync or {}),
    }
    path.write_text("".join(
        f"[{name}]\n" + "".join(f"{key} = {_toml_value(value)}\n" for key, value in values.items())
        for name, values in sections.items()))
    return str(path)


class DaemonProcess:
    """`python -m syncsvc -c CONFIG run ...` with its log in a file (a pipe could fill and block it)."""

    def __init__(self, config: str, log_path: Path, *args: str) -> None:
        self.log_path = log_path
        self._log = log_path.open("wb")
        self.proc = subprocess.Popen([sys.executable, "-m", "syncsvc", "-c", config, *args],
                                     cwd=REPO, env=dict(os.environ), stdout=self._log, stderr=subprocess.STDOUT)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_for_log(self, text: str, timeout: float = 15.0) -> None:
        wait_until(lambda: text in self.log() or self.proc.poll() is not None, timeout, f"log line {text!r}")
        assert text in self.log(), self.log()

    def terminate(self, timeout: float = 5.0) -> int:
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        finally:
            self._log.close()

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(5)
        self._log.close()


@pytest.fixture
def daemons(tmp_path):
    started: list[DaemonProcess] = []

    def start(config: str, *args: str) -> DaemonProcess:
        daemon = DaemonProcess(config, tmp_path / f"daemon{len(started) + 1}.log", *args)
        started.append(daemon)
        return daemon

    yield start
    for daemon in started:
        daemon.kill()


def wait_until(predicate, timeout: float, what: str, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def runs(world: World) -> list:
    """Every sync_runs row of the connection, oldest first."""
    state = state_store(world.settings())
    try:
        return list(reversed(state.last_runs(1000)))
    finally:
        state.engine.dispose()

"""`syncsvc run` fails fast when it could never sync, says when a fix needs a restart, and /healthz
tells a connection that cannot sync (paused / error, 503) from one that is starting or ok (issue 12)."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import threading
import time

import httpx
import pytest

from syncsvc.config import ServiceSettings
from syncsvc.service.daemon import Daemon
from syncsvc.store.db import upgrade
from syncsvc.store.tokens import SqlTokenStore, TokenCipher
from syncsvc.tokens import token_set_from_response
from tests.e2e.conftest import PASSPHRASE
from tests.e2e.shop import Shop

from .conftest import REPO, free_port, wait_until, write_config

START_TIMEOUT = 10.0  # "at start": well before a first cycle or an interval could matter


def run_daemon(config: str, env: dict, cwd=REPO) -> tuple[subprocess.CompletedProcess, float]:
    started = time.monotonic()
    try:
        result = subprocess.run([sys.executable, "-m", "syncsvc", "-c", config, "run"], cwd=cwd, env=env,
                                capture_output=True, text=True, timeout=START_TIMEOUT * 3)
    except subprocess.TimeoutExpired:
        pytest.fail("`syncsvc run` kept running: it should have exited 1 at start")
    return result, time.monotonic() - started


def assert_fails_at_start(config: str, env: dict, *names: str) -> str:
    result, took = run_daemon(config, env)
    assert result.returncode == 1, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    [line] = lines
    assert line.startswith("syncsvc: error: "), line
    for name in names:
        assert name in line, (name, line)
    assert took < START_TIMEOUT, f"took {took:.1f} s"
    return line


def _env(**changes) -> dict:
    env = dict(os.environ)
    for key, value in changes.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def _token_store(world, passphrase: str = PASSPHRASE) -> SqlTokenStore:
    return SqlTokenStore(world.database_url, connection="default", provider="quickbooks", account=world.realm,
                         cipher=TokenCipher(passphrase))


def _paid_orders(world, count: int) -> None:
    shop = Shop(world.keap.store)
    jane = shop.contact()
    widget = shop.product(price="12.50")
    for _ in range(count):
        _, invoice_id = shop.order(jane, (widget, "12.50", 1))
        shop.charge(invoice_id, jane)


# -- start failures: a real process, one line, exit 1, at once ---------------------------------------


def test_run_without_the_secret_key_exits_1_at_start(world, tmp_path):
    config = write_config(world, tmp_path / "syncsvc.toml", interval_seconds=300.0)
    assert_fails_at_start(config, _env(SYNCSVC_SECRET_KEY=None), "SYNCSVC_SECRET_KEY")


def test_run_with_tokens_it_cannot_decrypt_exits_1_at_start(world, tmp_path):
    config = write_config(world, tmp_path / "syncsvc.toml", interval_seconds=300.0)
    line = assert_fails_at_start(config, _env(SYNCSVC_SECRET_KEY="not-the-key-they-were-stored-with"),
                                 "SYNCSVC_SECRET_KEY", world.realm)
    assert "not-the-key" not in line


def test_run_with_no_connected_company_exits_1_at_start(world, tmp_path):
    empty = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    upgrade(empty)
    bare = dataclasses.replace(world, database_url=empty, realm="")
    config = write_config(bare, tmp_path / "syncsvc.toml", interval_seconds=300.0)
    assert_fails_at_start(config, _env(), "no QuickBooks company is connected",
                          f"syncsvc -c {tmp_path / 'syncsvc.toml'} connect quickbooks")


def test_run_with_a_realm_that_was_never_connected_exits_1_at_start(world, tmp_path):
    other = dataclasses.replace(world, realm="9999999999")
    config = write_config(other, tmp_path / "syncsvc.toml", interval_seconds=300.0)
    assert_fails_at_start(config, _env(), "9999999999", f"syncsvc -c {config} connect quickbooks")


def test_run_with_a_company_that_needs_reconnecting_exits_1_at_start(world, tmp_path):
    _token_store(world).mark_reconnect("refresh token revoked")
    config = write_config(world, tmp_path / "syncsvc.toml", interval_seconds=300.0)
    assert_fails_at_start(config, _env(), world.realm, f"syncsvc -c {config} connect quickbooks")


def test_run_without_the_infusionsoft_key_exits_1_at_start(world, tmp_path):
    config = write_config(world, tmp_path / "syncsvc.toml", interval_seconds=300.0)
    assert_fails_at_start(config, _env(SYNCSVC_INFUSIONSOFT_API_KEY=None), "SYNCSVC_INFUSIONSOFT_API_KEY")


# -- health while running, through the daemon's own HTTP listener ------------------------------------


class Running:
    """A Daemon in a thread with its health listener; `healthz()` asks it over HTTP."""

    def __init__(self, world, **service) -> None:
        self.port = free_port()
        settings = world.settings()
        settings = dataclasses.replace(settings, service=ServiceSettings(
            **{"interval_seconds": 1.0, "lock_ttl_seconds": 5.0, **service, "health_port": self.port}))
        self.daemon = Daemon(settings)
        self.thread = threading.Thread(target=self.daemon.run, daemon=True)

    def __enter__(self) -> "Running":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.daemon.stop()
        self.thread.join(15)
        assert not self.thread.is_alive()

    def healthz(self) -> httpx.Response:
        return httpx.get(f"http://127.0.0.1:{self.port}/healthz", timeout=5)

    def wait_for(self, status: str, timeout: float = 20.0) -> httpx.Response:
        def seen():
            try:
                answer = self.healthz()
            except httpx.TransportError:
                return None
            return answer if answer.json()["status"] == status else None

        return wait_until(seen, timeout, f"/healthz status {status!r}")


def test_healthz_says_starting_only_until_the_first_cycle_ends(world):
    _paid_orders(world, 4)
    world.qbo.configure(world.realm, latency=0.3)  # the first cycle takes a few seconds
    with Running(world, interval_seconds=60.0) as running:
        starting = running.wait_for("starting", 10)
        assert starting.status_code == 200
        ok = running.wait_for("ok", 30)
        assert ok.status_code == 200 and ok.json()["last_cycle_status"] == "ok"


def test_healthz_is_503_error_when_the_first_cycle_fails(world, monkeypatch):
    closed = f"http://127.0.0.1:{free_port()}/crm"  # nothing listens there
    settings_of = world.settings

    def unreachable_keap(**sync):
        settings = settings_of(**sync)
        return dataclasses.replace(settings, infusionsoft=dataclasses.replace(
            settings.infusionsoft, rest_base_url=closed, max_attempts=1, timeout_seconds=1.0))

    monkeypatch.setattr(world, "settings", unreachable_keap)
    with Running(world, interval_seconds=60.0) as running:
        answer = running.wait_for("error", 20)
        assert answer.status_code == 503
        body = answer.json()
        assert body["last_cycle_status"] == "error" and body["last_error"]


def test_a_pause_while_running_is_503_paused_and_syncing_resumes_after_connect_without_a_restart(world):
    _paid_orders(world, 2)
    with Running(world) as running:
        running.wait_for("ok")
        _token_store(world).mark_reconnect("refresh token revoked")  # QuickBooks asked to reconnect
        paused = running.wait_for("paused")
        assert paused.status_code == 503
        error = paused.json()["last_error"]
        assert "syncsvc connect quickbooks" in error and "no restart" in error, error

        # `syncsvc connect quickbooks` stores new tokens (same key): the next cycle syncs again.
        _token_store(world).save(token_set_from_response(world.qbo.issue_tokens(world.realm)))
        _paid_orders(world, 1)
        resumed = running.wait_for("ok")
        assert resumed.status_code == 200
        wait_until(lambda: len(world.entities("Invoice")) == 3, 15, "the new order in QuickBooks")


def test_tokens_that_stop_decrypting_while_running_pause_and_say_to_restart(world):
    with Running(world) as running:
        running.wait_for("ok")
        # `syncsvc connect` run with another SYNCSVC_SECRET_KEY than the daemon's
        _token_store(world, "another-key").save(token_set_from_response(world.qbo.issue_tokens(world.realm)))
        _paid_orders(world, 2)  # QuickBooks (and so its tokens) is needed again
        paused = running.wait_for("paused")
        assert paused.status_code == 503
        error = paused.json()["last_error"]
        assert "SYNCSVC_SECRET_KEY" in error and "restart" in error, error


def test_a_rejected_infusionsoft_key_while_running_pauses_and_says_to_restart(world, monkeypatch):
    with Running(world) as running:
        running.wait_for("ok")
        monkeypatch.setenv("SYNCSVC_INFUSIONSOFT_API_KEY", "KeapAK-revoked-key-000")
        paused = running.wait_for("paused")
        assert paused.status_code == 503
        error = paused.json()["last_error"]
        assert "SYNCSVC_INFUSIONSOFT_API_KEY" in error and "restart" in error, error
        assert "KeapAK-revoked-key-000" not in error


def test_run_on_a_new_database_says_to_connect_first_without_upgrading_it(world, tmp_path):
    """The first `run` after `syncsvc sandbox`, before `connect`: one line, and the database is not
    upgraded (a log line about that would come before the one that says what to do)."""
    database = tmp_path / "new" / "state.sqlite3"
    fresh = dataclasses.replace(world, database_url=f"sqlite:///{database}")
    config = write_config(fresh, tmp_path / "syncsvc.toml", interval_seconds=300.0)
    assert_fails_at_start(config, _env(), f"QuickBooks company {world.realm} ([quickbooks].realm_id) is not connected",
                          f"syncsvc -c {config} connect quickbooks")
    assert_fails_at_start(config, _env(SYNCSVC_SECRET_KEY=None), "SYNCSVC_SECRET_KEY")

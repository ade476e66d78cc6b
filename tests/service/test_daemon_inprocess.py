"""The daemon in this process: /healthz turning 503, one log line per cycle for a paused connection,
and a database newer than the code."""

from __future__ import annotations

import dataclasses
import logging
import threading

import httpx
from sqlalchemy import text

from syncsvc.cli import main
from syncsvc.config import ServiceSettings
from syncsvc.service.daemon import Daemon
from syncsvc.store.db import make_engine
from syncsvc.store.tokens import SqlTokenStore, TokenCipher
from tests.e2e.conftest import PASSPHRASE
from tests.e2e.shop import Shop

from .conftest import free_port, runs, wait_until, write_config


def _settings(world, **service):
    return dataclasses.replace(world.settings(), service=ServiceSettings(**service))


def _paid_orders(world, count: int) -> None:
    shop = Shop(world.keap.store)
    jane = shop.contact()
    widget = shop.product(price="12.50")
    for _ in range(count):
        _, invoice_id = shop.order(jane, (widget, "12.50", 1))
        shop.charge(invoice_id, jane)


def test_healthz_is_503_once_the_last_success_is_older_than_the_threshold(world):
    _paid_orders(world, 3)
    port = free_port()
    daemon = Daemon(_settings(world, interval_seconds=60.0, health_port=port, healthy_within_seconds=1.0))
    thread = threading.Thread(target=daemon.run, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{port}"
        wait_until(lambda: daemon.health.last_success_at is not None, 15, "the first cycle")
        fresh = httpx.get(f"{url}/healthz", timeout=5)
        assert fresh.status_code == 200 and fresh.json()["status"] == "ok"
        metrics = httpx.get(f"{url}/metrics", timeout=5).text
        assert f"syncsvc_orders_posted_total {len(world.entities('Invoice'))}" in metrics.splitlines()
        assert "syncsvc_orders_posted_total 3" in metrics.splitlines()
        assert 'syncsvc_cycles_total{status="ok"} 1' in metrics.splitlines()

        stale = wait_until(lambda: (r := httpx.get(f"{url}/healthz", timeout=5)).status_code == 503 and r, 5,
                           "healthz to turn 503")
        body = stale.json()
        assert body["status"] == "stale" and body["last_success"] == fresh.json()["last_success"]
        assert httpx.get(f"{url}/nothing-here", timeout=5).status_code == 404
    finally:
        daemon.stop()
        thread.join(10)
    assert not thread.is_alive()


def _error_lines(caplog):
    return [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_a_company_that_needs_reconnecting_pauses_with_one_line_per_cycle(world, tmp_path, caplog, capsys):
    _paid_orders(world, 3)
    SqlTokenStore(world.database_url, connection="default", provider="quickbooks", account=world.realm,
                  cipher=TokenCipher(PASSPHRASE)).mark_reconnect("refresh token revoked")
    daemon = Daemon(_settings(world))
    caplog.set_level(logging.INFO)

    for cycle in (1, 2):
        caplog.clear()
        assert daemon.run_one_cycle() == "paused"
        [line] = _error_lines(caplog)
        assert "paused" in line.getMessage() and "syncsvc connect quickbooks" in line.getMessage()
        assert line.exc_info is None
    assert daemon.metrics.value("syncsvc_cycles_total", "paused") == 2
    assert daemon.health.report()[1]["last_error"].startswith("connection default paused")
    assert world.entities("Invoice") == []

    capsys.readouterr()  # only what the command prints from here on
    assert main(["-c", write_config(world, tmp_path / "c.toml"), "sync"]) == 1
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(err) == 1 and err[0].startswith("syncsvc: error:") and "syncsvc connect quickbooks" in err[0], err


def test_a_rejected_infusionsoft_key_pauses_with_one_line_per_cycle(world, tmp_path, monkeypatch, caplog, capsys):
    _paid_orders(world, 3)
    monkeypatch.setenv("SYNCSVC_INFUSIONSOFT_API_KEY", "KeapAK-revoked-key-000")
    daemon = Daemon(_settings(world))
    caplog.set_level(logging.INFO)
    for cycle in (1, 2):
        caplog.clear()
        assert daemon.run_one_cycle() == "paused"
        [line] = _error_lines(caplog)
        assert "paused" in line.getMessage() and "Infusionsoft" in line.getMessage() and line.exc_info is None
        assert "KeapAK-revoked-key-000" not in line.getMessage()

    capsys.readouterr()  # only what the command prints from here on
    assert main(["-c", write_config(world, tmp_path / "c.toml"), "sync"]) == 1
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(err) == 1 and err[0].startswith("syncsvc: error:") and "Infusionsoft" in err[0], err


def test_run_refuses_a_database_upgraded_by_newer_code(world, tmp_path, capsys):
    engine = make_engine(world.database_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0099'"))
    engine.dispose()

    assert main(["-c", write_config(world, tmp_path / "c.toml"), "run"]) == 1
    err = capsys.readouterr().err
    assert "schema revision 0099" in err and "newer syncsvc" in err and "Traceback" not in err
    engine = make_engine(world.database_url)
    with engine.connect() as conn:  # left alone
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0099"
    engine.dispose()


def test_a_cycle_that_overruns_its_interval_is_followed_by_exactly_one_more_never_a_parallel_one(world, caplog):
    _paid_orders(world, 4)
    world.qbo.configure(world.realm, latency=0.25)  # each cycle now takes several seconds; the interval is 1 s
    caplog.set_level(logging.INFO)
    daemon = Daemon(_settings(world, interval_seconds=1.0))
    thread = threading.Thread(target=daemon.run, daemon=True)
    thread.start()
    try:
        wait_until(lambda: len([r for r in runs(world) if r.finished_at]) >= 2, 60, "two finished cycles")
    finally:
        daemon.stop()
        thread.join(30)
    assert not thread.is_alive()
    messages = [r.getMessage() for r in caplog.records]
    assert any("still running at its next start time" in m for m in messages)
    assert any("running the cycle that came due during the last one" in m for m in messages)
    finished = [r for r in runs(world) if r.finished_at]
    for earlier, later in zip(finished, finished[1:]):
        assert later.started_at >= earlier.finished_at  # one at a time
    assert len(world.entities("Invoice")) == 4 and len(world.entities("Payment")) == 4

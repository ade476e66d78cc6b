"""`syncsvc sync` beside a running daemon: it never syncs the connection at the same time as the daemon;
`--orders` leaves the orders in the state database and the daemon re-syncs them within seconds."""

from __future__ import annotations

import json
import logging
import threading
from datetime import datetime, timedelta, timezone

from syncsvc.cli import main
from syncsvc.config import load_settings
from syncsvc.service.daemon import Daemon
from syncsvc.service.locking import ConnectionLease
from syncsvc.store.db import make_engine
from tests.e2e.shop import Shop

from .conftest import wait_until, write_config

DAEMON = "daemon@bookkeeping-host:4242:a1b2c3"
# A start date after every order: the regular cycle leaves them alone, so only a re-sync posts one.
LATER = {"start_date": (datetime.now(timezone.utc) + timedelta(days=2)).date().isoformat()}


def _paid_order(world) -> int:
    shop = Shop(world.keap.store)
    jane = shop.contact()
    order_id, invoice_id = shop.order(jane, (shop.product(price="30.00"), "30.00", 1))
    shop.charge(invoice_id, jane)
    return order_id


def _lease(world, holder=DAEMON) -> ConnectionLease:
    return ConnectionLease(make_engine(world.database_url), "default", 60, holder=holder)


def _doc_numbers(world) -> list[str]:
    return sorted(i["DocNumber"] for i in world.entities("Invoice"))


def test_a_re_sync_asked_for_while_a_daemon_holds_the_connection_is_queued_and_served_by_it(
        world, tmp_path, capsys, caplog):
    order_id = _paid_order(world)
    config = write_config(world, tmp_path / "syncsvc.toml", sync=LATER)
    assert _lease(world).try_acquire()

    assert main(["-c", config, "sync", "--orders", str(order_id)]) == 0
    out = capsys.readouterr().out
    assert f"orders {order_id} queued" in out and DAEMON in out
    assert _doc_numbers(world) == []  # nothing synced beside the daemon

    assert main(["-c", config, "status", "--json"]) == 0
    [queued] = json.loads(capsys.readouterr().out)["queued_resyncs"]
    assert queued["order_id"] == order_id
    assert main(["-c", config, "status"]) == 0
    assert f"order {order_id} (asked" in capsys.readouterr().out

    caplog.set_level(logging.INFO)
    assert Daemon(load_settings(config)).run_one_cycle() == "ok"
    assert _doc_numbers(world) == [str(order_id)]
    assert len(world.payments_for(world.invoice(str(order_id)))) == 1
    assert any("queued re-sync" in r.getMessage() for r in caplog.records)
    assert main(["-c", config, "status", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["queued_resyncs"] == []


def test_a_plain_sync_refuses_to_run_beside_the_daemon_and_names_it(world, tmp_path, capsys):
    _paid_order(world)
    config = write_config(world, tmp_path / "syncsvc.toml")
    assert _lease(world).try_acquire()

    assert main(["-c", config, "sync"]) == 1
    err = capsys.readouterr().err
    assert f"connection default is being synced by {DAEMON}" in err and "syncsvc sync --orders" in err
    assert _doc_numbers(world) == []


def test_a_re_sync_beside_another_sync_by_hand_is_refused_not_queued(world, tmp_path, capsys):
    order_id = _paid_order(world)
    config = write_config(world, tmp_path / "syncsvc.toml")
    by_hand = "sync@laptop:77:d4e5f6"
    assert _lease(world, holder=by_hand).try_acquire()

    assert main(["-c", config, "sync", "--orders", str(order_id)]) == 1
    err = capsys.readouterr().err
    assert by_hand in err and "must finish first" in err
    assert main(["-c", config, "status", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["queued_resyncs"] == []  # nobody would serve it
    assert _doc_numbers(world) == []


def test_a_sync_by_hand_holds_the_connection_only_while_it_runs(world, tmp_path, capsys):
    order_id = _paid_order(world)
    config = write_config(world, tmp_path / "syncsvc.toml")
    assert main(["-c", config, "sync"]) == 0
    assert _doc_numbers(world) == [str(order_id)]
    lease = _lease(world, holder="someone-else")
    assert lease.current() is None
    assert lease.try_acquire()  # a daemon starting now gets the connection at once


def test_the_running_daemon_re_syncs_queued_orders_within_seconds_not_at_its_next_interval(
        world, tmp_path, capsys):
    order_id = _paid_order(world)
    config = write_config(world, tmp_path / "syncsvc.toml", sync=LATER, interval_seconds=3600.0)
    daemon = Daemon(load_settings(config))
    thread = threading.Thread(target=daemon.run, daemon=True)
    thread.start()
    try:
        wait_until(lambda: daemon.health.last_success_at is not None, 15, "the daemon's first cycle")
        assert main(["-c", config, "sync", "--orders", str(order_id)]) == 0
        assert "queued" in capsys.readouterr().out
        wait_until(lambda: _doc_numbers(world) == [str(order_id)], 20, "the queued order in QuickBooks")
    finally:
        daemon.stop()
        thread.join(10)
    assert not thread.is_alive()

"""The lease as a fencing token, on SQLite and PostgreSQL: a holder that was paused past its TTL and
taken over is refused before its next QuickBooks write; a holder that is merely late renews and is told
to read QuickBooks afresh."""

from __future__ import annotations

from datetime import timedelta

import pytest

from syncsvc.service.locking import ConnectionLease, LeaseFence
from syncsvc.store.state import LeaseLost, StateStore


def ensure_lease(engine, lease) -> bool:
    with StateStore(engine, "shop", LeaseFence(lease)).unit() as uow:
        return uow.ensure_lease()


def test_each_new_holder_gets_a_new_generation_and_a_renewal_keeps_it(engine, clock):
    first = ConnectionLease(engine, "shop", 30, holder="first", clock=clock)
    second = ConnectionLease(engine, "shop", 30, holder="second", clock=clock)
    assert first.try_acquire() and first.try_acquire() and first.renew()
    generation = first.generation
    assert first.current().generation == generation
    clock.now += timedelta(seconds=31)
    assert second.try_acquire() and second.generation == generation + 1
    assert not first.renew()


def test_a_holder_paused_past_its_ttl_is_refused_before_writing_once_taken_over(engine, clock):
    paused = ConnectionLease(engine, "shop", 30, holder="sync@host-a:101:aaaaaa", clock=clock)
    taker = ConnectionLease(engine, "shop", 30, holder="daemon@host-b:202:bbbbbb", clock=clock)
    assert paused.try_acquire()
    assert ensure_lease(engine, paused) is False  # held and fresh: write away

    clock.now += timedelta(seconds=45)  # frozen, nobody renewing
    assert taker.try_acquire()
    with pytest.raises(LeaseLost) as lost:
        ensure_lease(engine, paused)
    message = str(lost.value)
    assert "no longer holds the lease" in message and "daemon@host-b:202:bbbbbb took it over" in message
    assert ensure_lease(engine, taker) is False

    taker.release()  # gone again: the paused one still may not write
    with pytest.raises(LeaseLost, match="taken over and released"):
        ensure_lease(engine, paused)


def test_a_late_holder_nobody_took_over_from_renews_and_reads_quickbooks_afresh(engine, clock):
    late = ConnectionLease(engine, "shop", 30, holder="late", clock=clock)
    assert late.try_acquire()
    clock.now += timedelta(seconds=25)  # less than a third of the TTL left: the keeper fell behind
    assert ensure_lease(engine, late) is True
    assert late.current().expires_at == clock.now + timedelta(seconds=30)
    clock.now += timedelta(seconds=60)  # lapsed, but still nobody else's
    assert ensure_lease(engine, late) is True
    assert ensure_lease(engine, late) is False


def test_a_lease_taken_from_under_a_holder_with_the_same_name_is_still_lost(engine, clock):
    mine = ConnectionLease(engine, "shop", 30, holder="same-name", clock=clock)
    assert mine.try_acquire()
    with engine.begin() as conn:  # another tenure since (taken over, released, taken again)
        conn.exec_driver_sql("UPDATE connection_locks SET generation = generation + 2")
    with pytest.raises(LeaseLost):
        ensure_lease(engine, mine)


def test_a_daemon_paused_past_its_lease_stops_without_posting_what_the_new_holder_posted(world, tmp_path, monkeypatch,
                                                                                          caplog):
    import dataclasses
    import logging
    import threading
    import time

    from syncsvc.cli import main
    from syncsvc.config import ServiceSettings
    from syncsvc.service import locking
    from syncsvc.service.daemon import Daemon
    from syncsvc.sync import executor
    from tests.e2e.shop import Shop

    from .conftest import write_config

    shop = Shop(world.keap.store)
    jane = shop.contact()
    order_id, invoice_id = shop.order(jane, (shop.product(price="100.00"), "100.00", 1))
    shop.charge(invoice_id, jane, "40.00")
    world.qbo.configure(world.realm, requestid_replay=False)
    monkeypatch.setattr(locking.LeaseKeeper, "_run", lambda self: None)  # nobody renews: a frozen holder
    paused, resume = threading.Event(), threading.Event()
    steps = executor.PlanExecutor.steps  # an order's execution starts here

    def freeze_first_write(self, plan, *args, **kwargs):
        if threading.current_thread().name != "MainThread" and not paused.is_set():
            paused.set()
            resume.wait(30)
        return steps(self, plan, *args, **kwargs)

    monkeypatch.setattr(executor.PlanExecutor, "steps", freeze_first_write)
    daemon = Daemon(dataclasses.replace(world.settings(), service=ServiceSettings(
        interval_seconds=60.0, lock_ttl_seconds=1.0)))
    caplog.set_level(logging.INFO)
    exit_code = []
    runner = threading.Thread(target=lambda: exit_code.append(daemon.run()))
    runner.start()
    try:
        assert paused.wait(30)
        time.sleep(1.3)  # past the daemon's TTL
        config = write_config(world, tmp_path / "hand.toml", lock_ttl_seconds=1.0)
        assert main(["-c", config, "sync"]) == 0  # a sync by hand takes the connection over and posts
    finally:
        resume.set()
        runner.join(30)

    assert exit_code == [1]
    assert any("no longer holds the lease" in r.getMessage() for r in caplog.records)
    [invoice] = [i for i in world.entities("Invoice") if i["DocNumber"] == str(order_id)]
    [posted] = world.payments_for(invoice)
    assert posted["TotalAmt"] == 40 and len(world.entities("Customer")) == 1

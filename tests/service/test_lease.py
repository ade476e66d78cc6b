"""The connection lease on SQLite and PostgreSQL: one holder, expiry after a killed holder, renewal, release."""

from __future__ import annotations

import threading
from datetime import timedelta

from syncsvc.service.locking import ConnectionLease, LeaseKeeper


def test_only_one_holder_until_release(engine, clock):
    first = ConnectionLease(engine, "shop", 30, holder="a", clock=clock)
    second = ConnectionLease(engine, "shop", 30, holder="b", clock=clock)
    other_connection = ConnectionLease(engine, "other-shop", 30, holder="b", clock=clock)
    assert first.try_acquire() and not second.try_acquire() and other_connection.try_acquire()
    assert first.try_acquire()  # taking it again is a renewal, not a conflict
    assert second.current().holder == "a"
    first.release()
    assert second.try_acquire() and not first.try_acquire()


def test_a_holder_that_stopped_renewing_loses_the_lease_after_its_ttl(engine, clock):
    killed = ConnectionLease(engine, "shop", 30, holder="killed", clock=clock)
    waiting = ConnectionLease(engine, "shop", 30, holder="waiting", clock=clock)
    assert killed.try_acquire()
    clock.now += timedelta(seconds=29)
    assert not waiting.try_acquire()
    assert killed.renew()  # a renewal pushes the expiry out again
    clock.now += timedelta(seconds=29)
    assert not waiting.try_acquire()
    clock.now += timedelta(seconds=2)
    assert waiting.try_acquire()
    assert not killed.renew()  # the old holder learns it lost the lease
    assert waiting.current().expires_at == clock.now + timedelta(seconds=30)


def test_contenders_racing_for_a_free_lease_get_exactly_one_winner(engine):
    leases = [ConnectionLease(engine, "race", 30, holder=f"h{i}") for i in range(6)]
    start = threading.Barrier(len(leases))
    won = []

    def contend(lease):
        start.wait()
        if lease.try_acquire():
            won.append(lease.holder)

    threads = [threading.Thread(target=contend, args=(lease,)) for lease in leases]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert len(won) == 1 and leases[0].current().holder == won[0]


def test_the_keeper_reports_a_lease_taken_away(engine):
    lease = ConnectionLease(engine, "shop", 1.5, holder="me")
    assert lease.try_acquire()
    lost = threading.Event()
    keeper = LeaseKeeper(lease, lost.set).start()
    try:
        assert not lost.wait(0.8)  # renewals keep it
        with engine.begin() as conn:
            conn.exec_driver_sql("UPDATE connection_locks SET holder = 'thief'")
        assert lost.wait(3)
    finally:
        keeper.stop()

"""One daemon at a time per connection: a lease row in the state database.

The `connection_locks` row names its holder and an expiry. Taking it is one
atomic statement (an UPDATE that only matches an expired row or our own, else
an INSERT that the primary key lets only one process win), so it works the
same on SQLite and PostgreSQL. The holder renews it every third of the TTL; a
killed daemon stops renewing and its lease lapses after at most one TTL, or at
once for a contender on the same host, which sees that the holder's pid is gone.
Times come from this machine's clock in UTC, so hosts sharing a PostgreSQL
database need their clocks in sync to well within the TTL.

A process can lose the lease without knowing: paused (SIGSTOP, a long GC, a
frozen VM) past the TTL while another takes it over. So the lease is a fencing
token too: each acquisition by a new holder bumps the row's `generation`, and
before each QuickBooks write `LeaseFence` checks, in the order's own state
transaction, that the row still names this holder and generation (renewing it
there when the keeper has fallen behind). A process that lost it raises
LeaseLost before writing, and its run stops.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Callable, Iterator

from sqlalchemy import case, delete, insert, or_, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from syncsvc.errors import SyncsvcError
from syncsvc.store.db import stored_utc
from syncsvc.store.lock_models import ConnectionLock
from syncsvc.store.state import LeaseLost

log = logging.getLogger(__name__)
LOCKS = ConnectionLock.__table__


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


DAEMON, SYNC_BY_HAND = "daemon", "sync"


def holder_name(role: str = DAEMON) -> str:
    """`daemon@host:pid:tag` or `sync@host:pid:tag`: who holds a lease, and whether it serves queued re-syncs."""
    return f"{role}@{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


def holder_process_gone(holder: str) -> bool:
    """True only for a holder named on this host (`role@host:pid:tag`) whose pid no longer runs (or is a
    zombie waiting to be reaped). Another host's holder, this process, or a name that does not parse:
    False, so its lease is respected until it lapses."""
    _, at, rest = holder.partition("@")
    parts = rest.rsplit(":", 2) if at else []
    if len(parts) != 3 or parts[0] != socket.gethostname() or not parts[1].isdigit():
        return False
    pid = int(parts[1])
    if pid <= 1 or pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # alive, as another user
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            return stat.read().rpartition(")")[2].split()[0] in ("Z", "X")  # killed, not yet reaped
    except (OSError, IndexError):
        return False


@dataclass(frozen=True)
class LeaseInfo:
    holder: str
    acquired_at: datetime
    expires_at: datetime
    generation: int = 0

    def describe(self) -> str:
        return f"{self.holder} (lease until {self.expires_at:%H:%M:%S} UTC)"

    @property
    def is_daemon(self) -> bool:
        return self.holder.startswith(f"{DAEMON}@")


class LockHeld(SyncsvcError):
    """Another process holds this connection's lease."""

    def __init__(self, connection: str, holder: LeaseInfo | None, doing: str) -> None:
        who = holder.describe() if holder else "another process"
        super().__init__(f"connection {connection} is being synced by {who}; {doing}")
        self.connection = connection
        self.holder = holder


class ConnectionLease:
    def __init__(self, engine: Engine, connection: str, ttl_seconds: float, holder: str | None = None,
                 clock: Callable[[], datetime] = _utcnow) -> None:
        self.engine = engine
        self.connection = connection
        self.ttl = timedelta(seconds=ttl_seconds)
        self.holder = holder or holder_name()
        self._clock = clock
        self.generation: int | None = None  # the row's generation since we took it

    def try_acquire(self) -> bool:
        """Take the lease if it is free, lapsed or already ours; False when another holder has it."""
        now = self._clock()
        values = {"holder": self.holder, "acquired_at": now, "expires_at": now + self.ttl}
        with self.engine.begin() as conn:
            taken = conn.execute(update(LOCKS).where(
                LOCKS.c.connection == self.connection,
                or_(LOCKS.c.expires_at < now, LOCKS.c.holder == self.holder),
            ).values(**values, generation=case((LOCKS.c.holder == self.holder, LOCKS.c.generation),
                                               else_=LOCKS.c.generation + 1))).rowcount
        if taken:
            return self._taken()
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(LOCKS).values(connection=self.connection, generation=1, **values))
        except IntegrityError:
            # Someone else holds it (or took it a moment ago), unless that process is dead.
            return self._take_over_dead_holder(values)
        return self._taken()

    def _taken(self) -> bool:
        current = self.current()
        if current is None or current.holder != self.holder:
            return False  # taken from us again at once
        self.generation = current.generation
        return True

    def _take_over_dead_holder(self, values: dict) -> bool:
        """Take the lease from a holder on this host whose process is gone (killed -9, crashed): a
        restart need not wait out its TTL. Atomic: only the row naming that very holder is taken."""
        current = self.current()
        if current is None or current.holder == self.holder or not holder_process_gone(current.holder):
            return False
        with self.engine.begin() as conn:
            taken = conn.execute(update(LOCKS).where(
                LOCKS.c.connection == self.connection, LOCKS.c.holder == current.holder,
            ).values(**values, generation=LOCKS.c.generation + 1)).rowcount
        if taken:
            log.warning("connection %s: took over the lock of %s, whose process is gone", self.connection,
                        current.holder)
        return bool(taken) and self._taken()

    def renew(self) -> bool:
        """Push the expiry out; False when the lease is no longer ours."""
        with self.engine.begin() as conn:
            return bool(conn.execute(update(LOCKS).where(*self._ours()).values(
                expires_at=self._clock() + self.ttl)).rowcount)

    def _ours(self) -> tuple:
        """The row as long as it is still our tenure: our holder name and, once known, our generation."""
        conditions = (LOCKS.c.connection == self.connection, LOCKS.c.holder == self.holder)
        if self.generation is not None:
            conditions += (LOCKS.c.generation == self.generation,)
        return conditions

    def release(self) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(LOCKS).where(LOCKS.c.connection == self.connection, LOCKS.c.holder == self.holder))

    def current(self) -> LeaseInfo | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(LOCKS).where(LOCKS.c.connection == self.connection)).first()
        if row is None:
            return None
        return LeaseInfo(row.holder, stored_utc(row.acquired_at), stored_utc(row.expires_at), row.generation)


class LeaseFence:
    """Checks, before each QuickBooks write and inside the order's state transaction, that `lease` is
    still this process's. When the keeper has fallen behind (less than a third of the TTL left, or
    lapsed) it renews the lease there, atomically with the check, and reports the doubt: the process
    may have been paused, so what QuickBooks holds is read afresh before posting."""

    def __init__(self, lease: ConnectionLease) -> None:
        self.lease = lease
        self.margin = lease.ttl / 3

    def verify(self, session: Session) -> bool:
        lease = self.lease
        now = lease._clock()
        row = session.execute(select(LOCKS).where(LOCKS.c.connection == lease.connection)).first()
        if row is None or row.holder != lease.holder or row.generation != lease.generation:
            raise LeaseLost(lost_lease_message(lease, row))
        if stored_utc(row.expires_at) - now >= self.margin:
            return False
        renewed = session.execute(update(LOCKS).where(*lease._ours()).values(expires_at=now + lease.ttl)).rowcount
        if not renewed:
            raise LeaseLost(lost_lease_message(lease, None))
        log.warning("connection %s: the lock was about to lapse or had lapsed (was this process paused?); "
                    "renewed it, and QuickBooks is read again before posting", lease.connection)
        return True


def lost_lease_message(lease: ConnectionLease, row) -> str:
    if row is None:
        since = "it lapsed and was taken over and released since"
    elif row.holder != lease.holder:
        since = f"{row.holder} took it over at {stored_utc(row.acquired_at):%H:%M:%S} UTC after it lapsed"
    else:
        since = "it lapsed and was taken over since"
    return (f"connection {lease.connection}: this process ({lease.holder}) no longer holds the lease: {since} "
            f"(this process had stopped renewing it: paused, or the database out of reach). It wrote nothing "
            f"more to QuickBooks and stops; the next run picks up what is left")


class LeaseKeeper:
    """Renews a held lease in a background thread; calls `on_lost` once if it is taken away."""

    def __init__(self, lease: ConnectionLease, on_lost: Callable[[], None]) -> None:
        self.lease = lease
        self.on_lost = on_lost
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="lease-keeper", daemon=True)

    def start(self) -> "LeaseKeeper":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        interval = self.lease.ttl.total_seconds() / 3
        while not self._stop.wait(interval):
            try:
                still_ours = self.lease.renew()
            except SQLAlchemyError as exc:  # the database may come back before the lease lapses
                log.warning("could not renew the lock on connection %s: %s", self.lease.connection,
                            type(exc).__name__)
                continue
            if not still_ours:
                self.on_lost()
                return


@contextmanager
def exclusive(lease: ConnectionLease, doing: str) -> Iterator[threading.Event]:
    """Hold `lease` for the block (renewed meanwhile) or raise LockHeld at once, `doing` saying what was
    refused. Yields an event that is set if the lease is taken away, for the block to stop on."""
    if not lease.try_acquire():
        raise LockHeld(lease.connection, lease.current(), doing)
    lost = threading.Event()
    keeper = LeaseKeeper(lease, lost.set).start()
    try:
        yield lost
    finally:
        keeper.stop()
        lease.release()

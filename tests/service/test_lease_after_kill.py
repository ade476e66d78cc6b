"""After kill -9, a restart on the same host takes the lease at once: the holder's process is gone,
so there is nothing to wait for (issue 10). A live holder, or one on another host, is still waited for."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import pytest

from syncsvc.service.locking import ConnectionLease, holder_name

HOLD = """
import sys, time
from syncsvc.service.locking import ConnectionLease
from syncsvc.store.db import make_engine
lease = ConnectionLease(make_engine(sys.argv[1]), "shop", 300)
assert lease.try_acquire()
print(lease.holder, flush=True)
time.sleep(120)
"""


@pytest.fixture
def holder(database_url):
    """A real process holding the connection's lease (TTL 5 minutes)."""
    process = subprocess.Popen([sys.executable, "-c", HOLD, database_url], stdout=subprocess.PIPE, text=True,
                               cwd=os.getcwd())
    name = process.stdout.readline().strip()
    assert name.startswith("daemon@"), name
    yield process, name
    if process.poll() is None:
        process.kill()
        process.wait()


def test_a_holder_killed_with_sigkill_is_taken_over_at_once(engine, holder):
    process, name = holder
    restart = ConnectionLease(engine, "shop", 300)
    assert not restart.try_acquire()  # alive: its lease is respected
    assert restart.current().holder == name

    os.kill(process.pid, signal.SIGKILL)
    process.wait(10)
    started = time.monotonic()
    assert restart.try_acquire()
    assert time.monotonic() - started < 5  # not the 300 s TTL
    assert restart.current().holder == restart.holder
    assert not ConnectionLease(engine, "shop", 300).try_acquire()  # and it is ours now, alive


def test_a_killed_holder_not_yet_reaped_is_taken_over_too(engine, holder):
    process, _ = holder
    os.kill(process.pid, signal.SIGKILL)
    time.sleep(0.5)  # a zombie until its parent waits for it
    assert ConnectionLease(engine, "shop", 300).try_acquire()
    process.wait(10)


def test_a_holder_on_another_host_is_waited_for_whatever_its_pid(engine):
    gone = 2 ** 22 + 12345  # no such pid here
    other = f"daemon@not-{socket.gethostname()}:{gone}:abcdef"
    assert ConnectionLease(engine, "shop", 300, holder=other).try_acquire()
    assert not ConnectionLease(engine, "shop", 300).try_acquire()


def test_a_holder_in_this_process_is_not_taken_over(engine):
    first = ConnectionLease(engine, "shop", 300, holder=holder_name())
    assert first.try_acquire()
    assert not ConnectionLease(engine, "shop", 300, holder=holder_name()).try_acquire()

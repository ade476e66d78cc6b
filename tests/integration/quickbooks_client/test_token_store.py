"""SqlTokenStore on SQLite and PostgreSQL: encrypted at rest, one refresh at a time across processes."""

from __future__ import annotations

import multiprocessing
import time
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, event, text

from syncsvc.store.db import upgrade
from syncsvc.store.tokens import SqlTokenStore, TokenCipher
from syncsvc.tokens import ReconnectRequired, TokenSet, utcnow

PASSPHRASE = "test passphrase"


def make_store(url, account="4620816365", cipher=None):
    return SqlTokenStore(url, connection="default", provider="quickbooks", account=account,
                         cipher=cipher or TokenCipher(PASSPHRASE))


def tokens(n: int, ttl: float = 3600) -> TokenSet:
    return TokenSet(f"ACCESS-PLAINTEXT-{n}", f"REFRESH-PLAINTEXT-{n}", utcnow() + timedelta(seconds=ttl),
                    utcnow() + timedelta(days=100))


@pytest.fixture
def db(database_url):
    upgrade(database_url)
    return database_url


def test_round_trip_and_database_holds_no_plaintext(db):
    store = make_store(db)
    assert store.load() is None
    store.save(tokens(1))
    store.save(tokens(2))
    loaded = store.load()
    assert (loaded.access_token, loaded.refresh_token) == ("ACCESS-PLAINTEXT-2", "REFRESH-PLAINTEXT-2")
    assert loaded.access_expires_at.tzinfo is not None
    engine = create_engine(db)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT * FROM oauth_tokens")).all()
    engine.dispose()
    assert len(rows) == 1
    assert "PLAINTEXT" not in repr(rows)
    if db.startswith("sqlite"):
        raw = open(db.removeprefix("sqlite:///"), "rb").read()
        wal = open(db.removeprefix("sqlite:///") + "-wal", "rb").read() if __import__("os").path.exists(
            db.removeprefix("sqlite:///") + "-wal") else b""
        assert b"PLAINTEXT" not in raw + wal


def test_accounts_are_separate_and_listed(db):
    make_store(db, "111").save(tokens(1))
    make_store(db, "222").save(tokens(2))
    assert SqlTokenStore.accounts(db, connection="default", provider="quickbooks") == ["111", "222"]
    assert make_store(db, "111").load().refresh_token == "REFRESH-PLAINTEXT-1"
    other_provider = SqlTokenStore(db, connection="default", provider="infusionsoft", account="111",
                                   cipher=TokenCipher(PASSPHRASE))
    assert other_provider.load() is None


def test_reconnect_mark_is_cleared_by_saving_new_tokens(db):
    store = make_store(db)
    store.save(tokens(1))
    store.mark_reconnect("QuickBooks company 4620816365 needs reconnecting")
    assert "needs reconnecting" in store.reconnect_reason()
    store.save(tokens(2))
    assert store.reconnect_reason() is None


def test_refresh_without_tokens_asks_for_a_connection(db):
    with pytest.raises(ReconnectRequired):
        make_store(db).refresh_under_lock(lambda t: True, lambda t: tokens(9))


def test_failed_refresh_changes_nothing(db):
    store = make_store(db)
    store.save(tokens(1, ttl=0))

    def refresh(_current):
        raise RuntimeError("token endpoint down")

    with pytest.raises(RuntimeError):
        store.refresh_under_lock(lambda t: True, refresh)
    assert store.load().refresh_token == "REFRESH-PLAINTEXT-1"


def test_sqlite_refresh_really_takes_a_write_lock(tmp_path):
    url = f"sqlite:///{tmp_path / 'lock.sqlite3'}"
    upgrade(url)
    store = make_store(url)
    store.save(tokens(1, ttl=0))
    statements = []
    listener = lambda conn, cursor, statement, *rest: statements.append(statement)  # noqa: E731
    event.listen(store.engine, "before_cursor_execute", listener)
    try:
        store.refresh_under_lock(lambda t: True, lambda t: tokens(2))
    finally:
        event.remove(store.engine, "before_cursor_execute", listener)
    assert statements[0] == "BEGIN IMMEDIATE"
    assert statements[1].startswith("SELECT")


def _refresh_in_process(url, started, log_path):
    store = make_store(url)
    started.wait()

    def refresh(current):
        with open(log_path, "a") as fh:
            fh.write(current.refresh_token + "\n")
        time.sleep(0.3)  # hold the lock long enough for the other process to queue behind it
        n = int(current.refresh_token.rsplit("-", 1)[1]) + 1
        return tokens(n)

    result = store.refresh_under_lock(lambda t: not t.access_valid_for(timedelta(seconds=60)), refresh)
    return result.refresh_token


def test_two_processes_refresh_once(db, tmp_path):
    make_store(db).save(tokens(1, ttl=0))  # expired: both processes want to refresh
    log_path = tmp_path / "refreshes.log"
    ctx = multiprocessing.get_context("spawn")
    with ctx.Manager() as manager:
        started = manager.Event()
        with ctx.Pool(2) as pool:
            results = [pool.apply_async(_refresh_in_process, (db, started, str(log_path))) for _ in range(2)]
            time.sleep(0.5)
            started.set()
            seen = [r.get(timeout=60) for r in results]
    assert log_path.read_text().splitlines() == ["REFRESH-PLAINTEXT-1"]  # refreshed once
    assert seen == ["REFRESH-PLAINTEXT-2", "REFRESH-PLAINTEXT-2"]  # the second re-read after the lock
    assert make_store(db).load().refresh_token == "REFRESH-PLAINTEXT-2"

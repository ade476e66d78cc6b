"""SQLite commits: the sync's records do not wait for the disk (a record lost to a power cut is found again
in QuickBooks and adopted); tokens do (a lost refresh-token rotation would need a new `connect`)."""

from sqlalchemy import text

from syncsvc.store.db import make_engine

NORMAL, FULL = 1, 2


def _synchronous(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("PRAGMA synchronous")).scalar()


def test_the_syncs_records_commit_without_waiting_for_the_disk_and_tokens_wait(tmp_path):
    url = f"sqlite:///{tmp_path / 'state.sqlite3'}"
    assert _synchronous(make_engine(url, durable=False)) == NORMAL
    assert _synchronous(make_engine(url)) == FULL
    with make_engine(url).connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"

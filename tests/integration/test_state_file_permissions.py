"""The SQLite state database holds QuickBooks and Keap tokens (encrypted) and the books' history:
its file and the directories syncsvc creates for it are the owner's only (issue 10)."""

from __future__ import annotations

import os
import stat

import pytest
from sqlalchemy import text

from syncsvc.store.db import make_engine, upgrade


@pytest.fixture
def open_umask():
    """The most permissive umask: the modes must not depend on the caller's."""
    previous = os.umask(0)
    yield
    os.umask(previous)


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_upgrade_creates_the_file_0600_and_its_directories_0700(tmp_path, open_umask):
    path = tmp_path / "var" / "lib" / "syncsvc" / "state.sqlite3"
    upgrade(f"sqlite:///{path}")
    assert mode(path) == 0o600
    for folder in (tmp_path / "var", tmp_path / "var" / "lib", tmp_path / "var" / "lib" / "syncsvc"):
        assert mode(folder) == 0o700, folder
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO watermarks VALUES ('c', 'n', 'v', '2025-01-01')"))
        for companion in ("-wal", "-shm"):  # SQLite's write-ahead log carries the same rows
            assert mode(f"{path}{companion}") == 0o600, companion
    engine.dispose()


def test_make_engine_alone_creates_the_file_0600(tmp_path, open_umask):
    path = tmp_path / "fresh" / "state.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    engine.dispose()
    assert mode(path) == 0o600 and mode(path.parent) == 0o700


def test_an_existing_directory_is_left_as_it_is(tmp_path, open_umask):
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    os.chmod(shared, 0o755)
    upgrade(f"sqlite:///{shared / 'state.sqlite3'}")
    assert mode(shared) == 0o755 and mode(shared / "state.sqlite3") == 0o600

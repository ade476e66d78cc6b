"""Engines and schema upgrades for the state database (SQLite file or PostgreSQL URL)."""

from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url


def _migrations_dir() -> Path:
    """The Alembic scripts: $SYNCSVC_MIGRATIONS_DIR when set (a non-editable install has no
    migrations/ of its own), else `migrations/` beside the package, as in a source checkout or an
    editable install (the Docker image installs /app editable for this reason)."""
    override = os.environ.get("SYNCSVC_MIGRATIONS_DIR")
    return Path(override) if override else Path(__file__).resolve().parents[2] / "migrations"


MIGRATIONS_DIR = _migrations_dir()


def _private_sqlite_file(database: str | None) -> None:
    """Create the SQLite file (0600) and any missing directory above it (0700), whatever the umask: it
    holds the encrypted tokens and the books' history. Existing files and directories are left alone.
    SQLite gives its -wal and -shm files the database file's mode."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    missing = []
    folder = path.parent
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=0o700)
        except FileExistsError:  # another process made it meanwhile
            continue
        os.chmod(folder, 0o700)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    os.close(fd)
    os.chmod(path, 0o600)  # an empty file is an empty SQLite database


def make_engine(database_url: str, **kwargs) -> Engine:
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        _private_sqlite_file(url.database)
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def alembic_config(database_url: str):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return cfg


def upgrade(database_url: str, revision: str = "head") -> None:
    """Bring the schema to `revision` (creating the database file if needed)."""
    from alembic import command

    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        _private_sqlite_file(url.database)
    command.upgrade(alembic_config(database_url), revision)


def stored_utc(moment: datetime) -> datetime:
    """A timestamp read back from a DateTime(timezone=True) column, always aware: SQLite drops the offset
    of the UTC times we write, PostgreSQL keeps it."""
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)

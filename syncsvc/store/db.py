"""Engines and schema upgrades for the state database (SQLite file or PostgreSQL URL)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError

from syncsvc.errors import StateDatabaseError

URL_EXAMPLES = "e.g. sqlite:///state/syncsvc.sqlite3 or postgresql+psycopg://user@host:5432/syncsvc"


def redacted(database_url: str | URL) -> str:
    """The URL as it may be shown: the password replaced by ***."""
    try:
        return make_url(database_url).render_as_string(hide_password=True)
    except ArgumentError:
        return str(database_url)  # not a URL at all, so there is no password part to find


def parse_url(database_url: str | URL) -> URL:
    """The URL, or a StateDatabaseError naming it (password hidden) and the form it should take."""
    try:
        return make_url(database_url)
    except ArgumentError:
        raise StateDatabaseError(
            f"[state].database_url = {redacted(database_url)!r} is not a database URL ({URL_EXAMPLES})"
        ) from None


def _first_line(exc: BaseException) -> str:
    cause = getattr(exc, "orig", None) or exc
    lines = [line.strip() for line in str(cause).splitlines() if line.strip()]
    return lines[0] if lines else type(cause).__name__


@contextmanager
def database_errors(database_url: str | URL) -> Iterator[None]:
    """Turn "cannot reach / open / create the state database" into one StateDatabaseError line that
    names the URL (password hidden) and the cause; anything else passes through unchanged."""
    try:
        yield
    except StateDatabaseError:
        raise
    except ArgumentError as exc:  # includes NoSuchModuleError: an unknown dialect or driver
        raise StateDatabaseError(
            f"[state].database_url = {redacted(database_url)!r} cannot be used: {_first_line(exc)} ({URL_EXAMPLES})"
        ) from None
    except DBAPIError as exc:
        if exc.statement is not None and not isinstance(exc, OperationalError) and not exc.connection_invalidated:
            raise  # a statement was refused by a reachable database: a bug to see in full, not a setting to fix
        raise StateDatabaseError(
            f"cannot open the state database {redacted(database_url)} ([state].database_url): {_scrub(exc, database_url)}"
        ) from None
    except ModuleNotFoundError as exc:  # e.g. postgresql:// picks psycopg2, which is not installed
        raise StateDatabaseError(
            f"[state].database_url = {redacted(database_url)!r} needs the Python module {exc.name}, which is not "
            f"installed ({URL_EXAMPLES})"
        ) from None


def _scrub(exc: BaseException, database_url) -> str:
    text = _first_line(exc)
    try:
        password = make_url(database_url).password
    except ArgumentError:
        password = None
    return text.replace(str(password), "***") if password else text


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
    made = []
    try:
        for folder in reversed(missing):
            try:
                folder.mkdir(mode=0o700)
            except FileExistsError:  # another process made it meanwhile
                continue
            made.append(folder)
            os.chmod(folder, 0o700)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return
        os.close(fd)
        os.chmod(path, 0o600)  # an empty file is an empty SQLite database
    except OSError as exc:
        for folder in reversed(made):  # leave nothing behind for a run that cannot start
            try:
                folder.rmdir()
            except OSError:
                pass
        raise StateDatabaseError(
            f"cannot create the state database file {path} ([state].database_url): "
            f"{exc.strerror or exc} ({exc.filename or path})"
        ) from None


def make_engine(database_url: str, *, durable: bool = True, **kwargs) -> Engine:
    """An engine for the state database. On SQLite, `durable=False` commits without waiting for the disk
    (WAL with synchronous=NORMAL): a commit survives a crash of the process, and only a power loss or
    kernel crash can lose the last ones. The sync's records accept that (per-write commits cost an fsync
    each otherwise): a lost record of a QuickBooks write is found again by its DocNumber or PaymentRefNum
    and adopted, never posted twice. Tokens keep `durable=True`: a lost refresh-token rotation cannot be
    recovered without connecting again."""
    url = parse_url(database_url)
    with database_errors(database_url):
        return _make_engine(url, durable, **kwargs)


def _make_engine(url: URL, durable: bool = True, **kwargs) -> Engine:
    if url.get_backend_name() == "sqlite":
        _private_sqlite_file(url.database)
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=FULL" if durable else "PRAGMA synchronous=NORMAL")
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

    url = parse_url(database_url)
    with database_errors(database_url):
        if url.get_backend_name() == "sqlite":
            _private_sqlite_file(url.database)
        command.upgrade(alembic_config(database_url), revision)


def stored_utc(moment: datetime) -> datetime:
    """A timestamp read back from a DateTime(timezone=True) column, always aware: SQLite drops the offset
    of the UTC times we write, PostgreSQL keeps it."""
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)

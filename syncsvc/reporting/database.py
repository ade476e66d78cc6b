"""The state database opened to be read, never created or upgraded: `syncsvc status` says what it
found, in one line, when there is nothing it can read."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine

from syncsvc import __version__
from syncsvc.errors import StateDatabaseError
from syncsvc.store.db import alembic_config, database_errors, make_engine, parse_url, redacted


def open_for_reading(database_url: str, config: str = "<defaults>") -> Engine:
    """An engine on the existing state database whose schema is this syncsvc's; else a StateDatabaseError
    naming the database (password hidden), what is wrong and the command that puts it right. A SQLite file
    that does not exist is not created, and a schema that is not up to date is not upgraded."""
    url = parse_url(database_url)
    shown = redacted(database_url)
    where = f"[state].database_url = {shown!r}" + (f" in {config}" if config and not config.startswith("<") else "")
    if url.get_backend_name() == "sqlite":
        path = url.database or ""
        if not path or path == ":memory:":
            raise StateDatabaseError(f"{where} names no database file, so there is no state to show")
        if not path.startswith("file:"):
            if not Path(path).exists():
                raise StateDatabaseError(
                    f"the state database {path} does not exist ({where}); `syncsvc status` only reads "
                    f"it and creates nothing: check the path, or run `syncsvc db upgrade` (or start the daemon) "
                    f"to create it")
            if not Path(path).is_file():
                raise StateDatabaseError(f"the state database {path} is not a file ({where})")
        with database_errors(database_url):
            engine = create_engine(url, connect_args={"timeout": 30})  # no WAL switch: reading changes nothing

        @event.listens_for(engine, "connect")
        def _busy_timeout(dbapi_conn, _record):
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()
    else:
        engine = make_engine(database_url)
    try:
        check_schema(engine, database_url)
    except BaseException:
        engine.dispose()
        raise
    return engine


def check_schema(engine: Engine, database_url: str) -> None:
    """Raise unless the database is at this code's schema revision (head)."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory.from_config(alembic_config(database_url))
    known = {script.revision for script in scripts.walk_revisions()}
    head = scripts.get_current_head()
    with database_errors(database_url), engine.connect() as conn:
        current = set(MigrationContext.configure(conn).get_current_heads())
    shown = redacted(database_url)
    if not current:
        raise StateDatabaseError(
            f"the state database {shown} has no syncsvc schema yet: run `syncsvc db upgrade` (or start "
            f"the daemon) first; `syncsvc status` only reads it")
    unknown = sorted(current - known)
    if unknown:
        raise StateDatabaseError(
            f"the state database {shown} is at schema revision {', '.join(unknown)}, which syncsvc {__version__} "
            f"does not know: a newer syncsvc upgraded it; run `syncsvc status` of that version")
    if current != {head}:
        raise StateDatabaseError(
            f"the state database {shown} is at schema revision {', '.join(sorted(current))}, older than "
            f"this syncsvc's {head}: run `syncsvc db upgrade` (the daemon does it when it starts); `syncsvc status` "
            f"only reads it")

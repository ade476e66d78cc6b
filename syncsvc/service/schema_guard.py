"""Bring the state database to this code's schema, or refuse when a newer syncsvc has moved it on."""

from __future__ import annotations

import logging

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import make_url

from syncsvc import __version__
from syncsvc.errors import SyncsvcError
from syncsvc.store.db import alembic_config, database_errors, make_engine, upgrade

log = logging.getLogger(__name__)


class DatabaseTooNew(SyncsvcError):
    """The database carries a schema revision this code has no migration for."""


def ensure_schema(database_url: str) -> None:
    scripts = ScriptDirectory.from_config(alembic_config(database_url))
    known = {script.revision for script in scripts.walk_revisions()}
    engine = make_engine(database_url)
    try:
        with database_errors(database_url), engine.connect() as conn:
            current = set(MigrationContext.configure(conn).get_current_heads())
    finally:
        engine.dispose()
    unknown = sorted(current - known)
    if unknown:
        where = make_url(database_url).render_as_string(hide_password=True)
        raise DatabaseTooNew(
            f"the state database {where} is at schema revision {', '.join(unknown)}, which syncsvc "
            f"{__version__} does not know: a newer syncsvc upgraded it. Run that newer version (or restore "
            f"a backup taken before the upgrade); this one will not touch it"
        )
    head = scripts.get_current_head()
    if current != {head}:
        upgrade(database_url)
        log.info("state database upgraded from schema %s to %s", ", ".join(sorted(current)) or "(empty)", head)

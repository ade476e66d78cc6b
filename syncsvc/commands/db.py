"""`syncsvc db upgrade|current`: manage the state database schema."""

from __future__ import annotations


def register(subparsers) -> None:
    parser = subparsers.add_parser("db", help="state database schema")
    actions = parser.add_subparsers(dest="db_action", metavar="ACTION", required=True)
    up = actions.add_parser("upgrade", help="apply every migration ([state].database_url)")
    up.set_defaults(handler=upgrade)
    cur = actions.add_parser("current", help="print the schema revision of the state database")
    cur.set_defaults(handler=current)


def upgrade(args) -> int:
    from syncsvc.config import load_settings
    from syncsvc.store import db

    settings = load_settings(args.config)
    db.upgrade(settings.state.database_url)
    print(f"State database is at revision {current_revision(settings.state.database_url)}.")
    return 0


def current(args) -> int:
    from syncsvc.config import load_settings

    settings = load_settings(args.config)
    print(current_revision(settings.state.database_url) or "empty (run `syncsvc db upgrade`)")
    return 0


def current_revision(database_url: str) -> str | None:
    from alembic.runtime.migration import MigrationContext

    from syncsvc.store.db import database_errors, make_engine

    engine = make_engine(database_url)
    try:
        with database_errors(database_url), engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()

"""Alembic environment: the URL comes from the caller, the environment, or the config file."""

import os

from alembic import context

from syncsvc.store.db import make_engine
from syncsvc.store.models import Base

import syncsvc.store.schema  # noqa: F401  (registers every table on Base.metadata)

config = context.config


def database_url() -> str:
    url = config.get_main_option("sqlalchemy.url")
    if url:
        return url
    if os.environ.get("SYNCSVC_DATABASE_URL"):
        return os.environ["SYNCSVC_DATABASE_URL"]
    from syncsvc.config import load_settings

    return load_settings().state.database_url


def run_migrations_online() -> None:
    engine = make_engine(database_url())
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    context.configure(url=database_url(), target_metadata=Base.metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    run_migrations_online()

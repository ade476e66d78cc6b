"""Fixtures shared by every test: state databases (SQLite and PostgreSQL)."""

from __future__ import annotations

import os
import uuid

import pytest

POSTGRES_URL = os.environ.get("SYNCSVC_TEST_POSTGRES_URL")
# CI sets this; a developer machine without PostgreSQL skips those cases loudly.
REQUIRE_POSTGRES = os.environ.get("CI") == "true"


def _fresh_postgres_database(base_url: str):
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(base_url).set(database=name)

    def drop():
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url.render_as_string(hide_password=False), drop


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    """An empty state database: the same test runs once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'state.sqlite3'}"
        return
    if not POSTGRES_URL:
        if REQUIRE_POSTGRES:
            pytest.fail("SYNCSVC_TEST_POSTGRES_URL is not set in CI")
        pytest.skip("SYNCSVC_TEST_POSTGRES_URL not set (bash .ci/run starts a PostgreSQL)")
    url, drop = _fresh_postgres_database(POSTGRES_URL)
    yield url
    drop()


@pytest.fixture
def engine(database_url):
    """An engine on `database_url` with every migration applied."""
    from syncsvc.store.db import make_engine, upgrade

    upgrade(database_url)
    engine = make_engine(database_url)
    yield engine
    engine.dispose()

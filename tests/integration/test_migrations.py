"""The Alembic migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

import subprocess
import sys
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

import syncsvc.store.schema  # noqa: F401
from syncsvc.store.db import make_engine, upgrade
from syncsvc.store.models import Base

REPO = Path(__file__).resolve().parents[2]


def test_upgrade_head_matches_models(database_url):
    upgrade(database_url)
    engine = make_engine(database_url)
    with engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        tables = set(inspect(conn).get_table_names())
    engine.dispose()
    assert diffs == [], f"models and migrations disagree: {diffs}"
    assert {"watermarks", "synced_documents", "synced_payments", "sync_issues", "sync_runs"} <= tables


def test_upgrade_is_repeatable(database_url):
    upgrade(database_url)
    upgrade(database_url)  # a second upgrade on an up-to-date database changes nothing and does not fail


def test_alembic_cli_from_repo_root(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    result = subprocess.run(
        [sys.executable, "-m", "alembic", "upgrade", "head"],
        cwd=REPO,
        env={"SYNCSVC_DATABASE_URL": url, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    engine = make_engine(url)
    assert "synced_payments" in inspect(engine).get_table_names()
    engine.dispose()

"""Imports every model module so Base.metadata holds all tables (for Alembic)."""

from syncsvc.store import models  # noqa: F401

"""Imports every model module so Base.metadata holds all tables (for Alembic)."""

from syncsvc.store import models, sync_models  # noqa: F401
from syncsvc.store import token_models  # noqa: F401,E402
from syncsvc.store import lock_models  # noqa: F401,E402
from syncsvc.store import queue_models  # noqa: F401,E402
from syncsvc.store import request_models  # noqa: F401,E402

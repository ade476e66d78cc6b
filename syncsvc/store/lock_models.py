"""The lease that lets one daemon at a time sync a connection (see syncsvc/service/locking.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from syncsvc.store.models import Base


class ConnectionLock(Base):
    __tablename__ = "connection_locks"

    connection: Mapped[str] = mapped_column(String(100), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))  # host, pid and a random tag of the holding daemon
    acquired_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # Renewed while the holder runs; once past, any daemon may take the lease (the holder died).
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # Bumped each time the lease passes to a holder that did not hold it: with the holder, the fencing
    # token a process checks before each QuickBooks write (syncsvc/service/locking.py, LeaseFence).
    generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

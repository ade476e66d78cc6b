"""Re-sync requests that `syncsvc sync --orders` leaves for the daemon holding the connection."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from syncsvc.store.models import Base


class ResyncRequest(Base):
    """An order to re-sync at the daemon's next cycle. One row per order: asking again refreshes it."""

    __tablename__ = "resync_requests"

    connection: Mapped[str] = mapped_column(String(100), primary_key=True)
    order_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    requested_by: Mapped[str] = mapped_column(String(200))  # host:pid of the `syncsvc sync --orders` that asked

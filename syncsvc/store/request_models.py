"""Requestids QuickBooks refused: never sent again (see syncsvc/quickbooks/requestids.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from syncsvc.store.models import Base


class RefusedRequest(Base):
    """A write QuickBooks answered with a refusal under this requestid. QuickBooks replays the first
    answer to a requestid, so the next attempt of the same write must carry another one."""

    __tablename__ = "refused_requests"

    connection: Mapped[str] = mapped_column(String(100), primary_key=True)
    request_id: Mapped[str] = mapped_column(String(50), primary_key=True)
    what: Mapped[str] = mapped_column(String(300))  # entity and natural key, e.g. "Payment 8921731533"
    reason: Mapped[str] = mapped_column(Text)
    refused_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

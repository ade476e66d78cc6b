"""The table of OAuth tokens, one row per (connection, provider, account). Token columns hold ciphertext only."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from syncsvc.store.models import Base


class OAuthToken(Base):
    __tablename__ = "oauth_tokens"
    __table_args__ = (UniqueConstraint("connection_name", "provider", "account", name="uq_oauth_tokens_account"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    connection_name: Mapped[str] = mapped_column(String(100))
    provider: Mapped[str] = mapped_column(String(40))  # "quickbooks", "infusionsoft"
    account: Mapped[str] = mapped_column(String(100))  # QBO realm id, Keap app name, ...
    access_token_encrypted: Mapped[str] = mapped_column(Text)
    refresh_token_encrypted: Mapped[str] = mapped_column(Text)
    access_expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    refresh_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # Set when the refresh token was refused: syncing this account stops until a person reconnects it.
    reconnect_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    # Counts token responses saved; lets a reader tell that another process rotated the tokens.
    generation: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

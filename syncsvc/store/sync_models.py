"""What the sync has done, per connection: watermarks, posted documents and payments,
customer and item links, open issues, and one row per run.

Every table carries `connection` so several connections can share one database.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, DateTime, Index, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from syncsvc.store.models import Base

MONEY = Numeric(14, 2)


class Watermark(Base):
    __tablename__ = "watermarks"

    connection: Mapped[str] = mapped_column(String(100), primary_key=True)
    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SyncedDocument(Base):
    """An Infusionsoft order posted to QuickBooks as an invoice or a sales receipt."""

    __tablename__ = "synced_documents"
    __table_args__ = (UniqueConstraint("connection", "order_id", name="uq_synced_documents_order"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    connection: Mapped[str] = mapped_column(String(100), index=True)
    order_id: Mapped[int] = mapped_column(Integer)
    invoice_id: Mapped[int] = mapped_column(Integer)
    qbo_type: Mapped[str] = mapped_column(String(20))
    qbo_id: Mapped[str] = mapped_column(String(40))
    doc_number: Mapped[str] = mapped_column(String(21))
    total: Mapped[Decimal] = mapped_column(MONEY)
    content_hash: Mapped[str] = mapped_column(String(64))
    synced_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SyncedPayment(Base):
    """An Infusionsoft payment posted to QuickBooks; `qbo_ref` is the PaymentRefNum as posted."""

    __tablename__ = "synced_payments"
    __table_args__ = (
        UniqueConstraint("connection", "payment_id", name="uq_synced_payments_payment"),
        UniqueConstraint("connection", "qbo_ref", name="uq_synced_payments_qbo_ref"),
        # An order's recorded payments are read for every order synced: without this, each read scans
        # every payment of the connection, and a 100,000-order backfill slows as it goes.
        Index("ix_synced_payments_order", "connection", "order_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    connection: Mapped[str] = mapped_column(String(100), index=True)
    payment_id: Mapped[int] = mapped_column(Integer)
    order_id: Mapped[int] = mapped_column(Integer)
    invoice_id: Mapped[int] = mapped_column(Integer)
    ref_num: Mapped[str] = mapped_column(String(255))
    qbo_ref: Mapped[str] = mapped_column(String(21))
    qbo_id: Mapped[str] = mapped_column(String(40))
    amount: Mapped[Decimal] = mapped_column(MONEY)
    synced_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CustomerLink(Base):
    """Infusionsoft contact -> QuickBooks customer, with the rule that made the link."""

    __tablename__ = "customer_links"

    connection: Mapped[str] = mapped_column(String(100), primary_key=True)
    contact_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    qbo_customer_id: Mapped[str] = mapped_column(String(40))
    rule: Mapped[str] = mapped_column(String(20))
    linked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ItemLink(Base):
    """Infusionsoft product (by id, 0 for order items without one) -> QuickBooks item."""

    __tablename__ = "item_links"

    connection: Mapped[str] = mapped_column(String(100), primary_key=True)
    product_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    qbo_item_id: Mapped[str] = mapped_column(String(40))
    rule: Mapped[str] = mapped_column(String(20))
    linked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SyncIssue(Base):
    """An order or payment that could not be posted (error, held) or was deliberately skipped."""

    __tablename__ = "sync_issues"
    __table_args__ = (UniqueConstraint("connection", "subject", "subject_id", name="uq_sync_issues_subject"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    connection: Mapped[str] = mapped_column(String(100), index=True)
    subject: Mapped[str] = mapped_column(String(20))  # "order" | "payment"
    subject_id: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))  # "error" | "held" | "skipped" | "warning"
    reason: Mapped[str] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    first_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class SyncRun(Base):
    __tablename__ = "sync_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    connection: Mapped[str] = mapped_column(String(100), index=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    status: Mapped[str] = mapped_column(String(20))  # "running" | "ok" | "failed" | "paused"
    counts: Mapped[dict] = mapped_column(JSON, default=dict)
    message: Mapped[str] = mapped_column(Text, default="")


class SyncedRefund(Base):
    """An Infusionsoft refund booked in QuickBooks as a RefundReceipt or a CreditMemo (`qbo_type`);
    `applied_qbo_id` is the zero-amount payment that applied a credit memo to its invoice."""

    __tablename__ = "synced_refunds"
    __table_args__ = (
        UniqueConstraint("connection", "refund_payment_id", name="uq_synced_refunds_refund"),
        Index("ix_synced_refunds_order", "connection", "order_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    connection: Mapped[str] = mapped_column(String(100))
    refund_payment_id: Mapped[int] = mapped_column(Integer)
    refunded_payment_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    order_id: Mapped[int] = mapped_column(Integer)
    invoice_id: Mapped[int] = mapped_column(Integer)
    qbo_type: Mapped[str] = mapped_column(String(20))
    qbo_id: Mapped[str] = mapped_column(String(40))
    doc_number: Mapped[str] = mapped_column(String(21))
    applied_qbo_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    amount: Mapped[Decimal] = mapped_column(MONEY)
    synced_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

"""sync state: watermarks, posted documents and payments, links, issues, runs

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

MONEY = sa.Numeric(14, 2)
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "watermarks",
        sa.Column("connection", sa.String(100), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("value", sa.String(100), nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("connection", "name", name="pk_watermarks"),
    )
    op.create_table(
        "synced_documents",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("connection", sa.String(100), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("qbo_type", sa.String(20), nullable=False),
        sa.Column("qbo_id", sa.String(40), nullable=False),
        sa.Column("doc_number", sa.String(21), nullable=False),
        sa.Column("total", MONEY, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("synced_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_synced_documents"),
        sa.UniqueConstraint("connection", "order_id", name="uq_synced_documents_order"),
    )
    op.create_index("ix_synced_documents_connection", "synced_documents", ["connection"])
    op.create_table(
        "synced_payments",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("connection", sa.String(100), nullable=False),
        sa.Column("payment_id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("ref_num", sa.String(255), nullable=False),
        sa.Column("qbo_ref", sa.String(21), nullable=False),
        sa.Column("qbo_id", sa.String(40), nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("synced_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_synced_payments"),
        sa.UniqueConstraint("connection", "payment_id", name="uq_synced_payments_payment"),
        sa.UniqueConstraint("connection", "qbo_ref", name="uq_synced_payments_qbo_ref"),
    )
    op.create_index("ix_synced_payments_connection", "synced_payments", ["connection"])
    op.create_table(
        "customer_links",
        sa.Column("connection", sa.String(100), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("qbo_customer_id", sa.String(40), nullable=False),
        sa.Column("rule", sa.String(20), nullable=False),
        sa.Column("linked_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("connection", "contact_id", name="pk_customer_links"),
    )
    op.create_table(
        "item_links",
        sa.Column("connection", sa.String(100), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("qbo_item_id", sa.String(40), nullable=False),
        sa.Column("rule", sa.String(20), nullable=False),
        sa.Column("linked_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("connection", "product_id", name="pk_item_links"),
    )
    op.create_table(
        "sync_issues",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("connection", sa.String(100), nullable=False),
        sa.Column("subject", sa.String(20), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("first_seen", TS, nullable=False),
        sa.Column("last_seen", TS, nullable=False),
        sa.Column("resolved_at", TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_sync_issues"),
        sa.UniqueConstraint("connection", "subject", "subject_id", name="uq_sync_issues_subject"),
    )
    op.create_index("ix_sync_issues_connection", "sync_issues", ["connection"])
    op.create_table(
        "sync_runs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("connection", sa.String(100), nullable=False),
        sa.Column("started_at", TS, nullable=False),
        sa.Column("finished_at", TS, nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_sync_runs"),
    )
    op.create_index("ix_sync_runs_connection", "sync_runs", ["connection"])


def downgrade() -> None:
    for table in ("sync_runs", "sync_issues", "item_links", "customer_links", "synced_payments", "synced_documents", "watermarks"):
        op.drop_table(table)

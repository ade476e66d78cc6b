"""synced refunds: each Keap refund booked as a RefundReceipt or a CreditMemo, never twice

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "synced_refunds",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("connection", sa.String(100), nullable=False),
        sa.Column("refund_payment_id", sa.Integer(), nullable=False),
        sa.Column("refunded_payment_id", sa.Integer(), nullable=True),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("qbo_type", sa.String(20), nullable=False),
        sa.Column("qbo_id", sa.String(40), nullable=False),
        sa.Column("doc_number", sa.String(21), nullable=False),
        sa.Column("applied_qbo_id", sa.String(40), nullable=True),
        sa.Column("amount", sa.Numeric(14, 2), nullable=False),
        sa.Column("synced_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_synced_refunds"),
        sa.UniqueConstraint("connection", "refund_payment_id", name="uq_synced_refunds_refund"),
    )
    op.create_index("ix_synced_refunds_order", "synced_refunds", ["connection", "order_id"])


def downgrade() -> None:
    op.drop_index("ix_synced_refunds_order", table_name="synced_refunds")
    op.drop_table("synced_refunds")

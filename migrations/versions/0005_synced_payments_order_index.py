"""index synced payments by order: the per-order read no longer scans the connection's payments

Revision ID: 0005
Revises: 0004
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_synced_payments_order", "synced_payments", ["connection", "order_id"])


def downgrade() -> None:
    op.drop_index("ix_synced_payments_order", table_name="synced_payments")

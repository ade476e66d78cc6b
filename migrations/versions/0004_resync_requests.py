"""resync requests: orders `syncsvc sync --orders` queued for the running daemon

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "resync_requests",
        sa.Column("connection", sa.String(100), nullable=False),
        sa.Column("order_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("requested_by", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("connection", "order_id", name="pk_resync_requests"),
    )


def downgrade() -> None:
    op.drop_table("resync_requests")

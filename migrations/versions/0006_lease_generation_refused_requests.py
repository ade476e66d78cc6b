"""lease generation (the fencing token checked before each QuickBooks write) and refused requestids

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("connection_locks") as batch:
        batch.add_column(sa.Column("generation", sa.Integer(), nullable=False, server_default="0"))
    op.create_table(
        "refused_requests",
        sa.Column("connection", sa.String(100), nullable=False),
        sa.Column("request_id", sa.String(50), nullable=False),
        sa.Column("what", sa.String(300), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("refused_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("connection", "request_id", name="pk_refused_requests"),
    )


def downgrade() -> None:
    op.drop_table("refused_requests")
    with op.batch_alter_table("connection_locks") as batch:
        batch.drop_column("generation")

"""oauth tokens: encrypted access/refresh tokens per (connection, provider, account)

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "oauth_tokens",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("connection_name", sa.String(100), nullable=False),
        sa.Column("provider", sa.String(40), nullable=False),
        sa.Column("account", sa.String(100), nullable=False),
        sa.Column("access_token_encrypted", sa.Text, nullable=False),
        sa.Column("refresh_token_encrypted", sa.Text, nullable=False),
        sa.Column("access_expires_at", TS, nullable=False),
        sa.Column("refresh_expires_at", TS, nullable=True),
        sa.Column("reconnect_reason", sa.Text, nullable=True),
        sa.Column("generation", sa.Integer, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_oauth_tokens"),
        sa.UniqueConstraint("connection_name", "provider", "account", name="uq_oauth_tokens_account"),
    )


def downgrade() -> None:
    op.drop_table("oauth_tokens")

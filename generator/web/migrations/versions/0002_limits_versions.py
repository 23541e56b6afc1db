"""Sign-in attempts counted in the database (one row per account and address, updated
atomically), and a version of each customer row for optimistic concurrency.

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "login_attempts",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("count", sa.Integer, nullable=False),
        sa.Column("since", sa.DateTime, nullable=False),
    )
    with op.batch_alter_table("customers") as batch:
        batch.add_column(sa.Column("version", sa.Integer, nullable=False, server_default="1"))


def downgrade() -> None:
    with op.batch_alter_table("customers") as batch:
        batch.drop_column("version")
    op.drop_table("login_attempts")

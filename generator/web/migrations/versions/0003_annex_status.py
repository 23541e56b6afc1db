"""Annex status: preview, issued, sent, signed by the customer, countersigned (web/status.py);
who moved it last and when, and the signed PDF legal uploaded; a user's name and title as the
provider's signatory (filled in on new customers).

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("annexes") as table:
        table.add_column(sa.Column("status", sa.String(16), nullable=False, server_default="issued"))
        table.add_column(sa.Column("status_at", sa.DateTime, nullable=True))
        table.add_column(sa.Column("status_by", sa.String(64), nullable=True))
        table.add_column(sa.Column("signed_file", sa.JSON, nullable=True))
        table.create_index("ix_annexes_status", ["status"])
    with op.batch_alter_table("users") as table:
        table.add_column(sa.Column("signatory_name", sa.String(255), nullable=True))
        table.add_column(sa.Column("signatory_title", sa.String(255), nullable=True))
    # annexes recorded as signed before statuses existed were signed by both parties
    op.execute("UPDATE annexes SET status = 'countersigned' WHERE signed")


def downgrade() -> None:
    with op.batch_alter_table("users") as table:
        table.drop_column("signatory_title")
        table.drop_column("signatory_name")
    with op.batch_alter_table("annexes") as table:
        table.drop_index("ix_annexes_status")
        for column in ("signed_file", "status_by", "status_at", "status"):
            table.drop_column(column)

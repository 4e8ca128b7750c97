"""silences: silences and maintenance windows created over the API and CLI

Revision ID: silences_0001
Revises:
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "silences_0001"
down_revision = None
branch_labels = ("silences",)
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "suppressions",
        sa.Column("id", sa.Integer, nullable=False, autoincrement=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("name", sa.String(256), nullable=False),
        sa.Column("comment", sa.Text, nullable=False),
        sa.Column("services", sa.JSON, nullable=False),
        sa.Column("matchers", sa.JSON, nullable=False),
        sa.Column("starts_at", TS, nullable=False),
        sa.Column("ends_at", TS, nullable=False),
        sa.Column("created_by", sa.String(256), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("expired_by", sa.String(256), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_suppressions"),
    )
    op.create_index("ix_suppressions_kind", "suppressions", ["kind"])
    op.create_index("ix_suppressions_ends_at", "suppressions", ["ends_at"])


def downgrade() -> None:
    op.drop_table("suppressions")

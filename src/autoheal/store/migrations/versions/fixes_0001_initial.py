"""fixes: preventive fixes and the decisions on them

Revision ID: fixes_0001
Revises:
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "fixes_0001"
down_revision = None
branch_labels = ("fixes",)
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "fixes",
        sa.Column("id", sa.Integer, nullable=False, autoincrement=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("service", sa.String(256), nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("target", sa.String(512), nullable=False),
        sa.Column("shape", sa.String(512), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("source_ref", sa.String(128), nullable=False),
        sa.Column("incident_id", sa.String(128), nullable=True),
        sa.Column("files", sa.JSON, nullable=False),
        sa.Column("figures", sa.JSON, nullable=False),
        sa.Column("checks", sa.JSON, nullable=False),
        sa.Column("rule_file", sa.String(512), nullable=True),
        sa.Column("test_file", sa.String(512), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("resolved_at", TS, nullable=True),
        sa.Column("decided_at", TS, nullable=True),
        sa.Column("decided_by", sa.String(256), nullable=True),
        sa.Column("reason", sa.Text, nullable=True),
        sa.Column("merged_at", TS, nullable=True),
        sa.Column("history", sa.JSON, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_fixes"),
    )
    op.create_index("ix_fixes_status", "fixes", ["status"])
    op.create_index("ix_fixes_service_kind", "fixes", ["service", "kind"])
    op.create_index("ix_fixes_source_ref", "fixes", ["source_ref"])


def downgrade() -> None:
    op.drop_table("fixes")

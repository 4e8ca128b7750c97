"""jobs: each job's identity (kind and payload digest), so a waiting job answers for an identical one

Revision ID: jobs_0002
Revises: jobs_0001
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "jobs_0002"
down_revision = "jobs_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("jobs", sa.Column("identity", sa.String(64), nullable=True))
    op.create_index("ix_jobs_identity_status", "jobs", ["identity", "status"])


def downgrade() -> None:
    op.drop_index("ix_jobs_identity_status", table_name="jobs")
    op.drop_column("jobs", "identity")

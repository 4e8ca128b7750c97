"""alerts: an index on the fingerprint alone

Triage reads an alert's transitions by fingerprint (flapping, recurrence); the unique
(source, fingerprint) index cannot serve a lookup without the source, so every triage scanned the
whole transitions table.

Revision ID: alerts_0002
Revises: alerts_0001
Create Date: 2026-11-26
"""

from alembic import op

revision = "alerts_0002"
down_revision = "alerts_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_alerts_fingerprint", "alerts", ["fingerprint"])


def downgrade() -> None:
    op.drop_index("ix_alerts_fingerprint", table_name="alerts")

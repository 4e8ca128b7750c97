"""alerts: an index on the fingerprint alone, and a covering index for the group roll-up

Triage reads an alert's transitions by fingerprint (flapping, recurrence); the unique
(source, fingerprint) index cannot serve a lookup without the source, so every triage scanned the
whole transitions table. Each committed batch rolls its groups up (firing count, worst severity)
with one aggregate over the groups' alerts: (group_id, status, severity) answers it from the index
alone (it replaces the index on group_id).

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
    op.create_index("ix_alerts_group_status_severity", "alerts", ["group_id", "status", "severity"])
    op.drop_index("ix_alerts_group_id", table_name="alerts")


def downgrade() -> None:
    op.create_index("ix_alerts_group_id", "alerts", ["group_id"])
    op.drop_index("ix_alerts_group_status_severity", table_name="alerts")
    op.drop_index("ix_alerts_fingerprint", table_name="alerts")

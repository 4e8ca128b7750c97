"""incidents: the page outbox and each incident's Slack channel

Revision ID: incidents_0002
Revises: incidents_0001
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "incidents_0002"
down_revision = "incidents_0001"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "incident_pages",
        sa.Column("id", sa.Integer, nullable=False, autoincrement=True),
        sa.Column("incident_id", sa.Integer, nullable=False),
        sa.Column("provider", sa.String(16), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("dedup_key", sa.String(128), nullable=False),
        sa.Column("target", sa.String(256), nullable=True),
        sa.Column("level", sa.Integer, nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("next_attempt_at", TS, nullable=False),
        sa.Column("sent_at", TS, nullable=True),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_incident_pages"),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name="fk_incident_pages_incident_id_incidents"
        ),
    )
    op.create_index("ix_incident_pages_incident_id", "incident_pages", ["incident_id"])
    op.create_index(
        "ix_incident_pages_status_next_attempt_at", "incident_pages", ["status", "next_attempt_at"]
    )
    op.create_table(
        "incident_slack",
        sa.Column("incident_id", sa.Integer, nullable=False),
        sa.Column("channel_id", sa.String(32), nullable=False),
        sa.Column("channel_name", sa.String(80), nullable=False),
        sa.Column("message_ts", sa.String(32), nullable=True),
        sa.PrimaryKeyConstraint("incident_id", name="pk_incident_slack"),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name="fk_incident_slack_incident_id_incidents"
        ),
        sa.UniqueConstraint("channel_id", name="uq_incident_slack_channel_id"),
    )


def downgrade() -> None:
    op.drop_table("incident_slack")
    op.drop_table("incident_pages")

"""alert pipeline: payloads, groups, alerts, transitions, API tokens

Revision ID: alerts_0001
Revises:
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "alerts_0001"
down_revision = None
branch_labels = ("alerts",)
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "payloads",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("received_at", TS, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("alert_count", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_payloads"),
        sa.UniqueConstraint("digest", name="uq_payloads_digest"),
    )
    op.create_table(
        "alert_groups",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("key", sa.String(512), nullable=False),
        sa.Column("labels", sa.JSON, nullable=False),
        sa.Column("service", sa.String(256), nullable=True),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("first_seen", TS, nullable=False),
        sa.Column("last_seen", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_alert_groups"),
        sa.UniqueConstraint("key", name="uq_alert_groups_key"),
    )
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("fingerprint", sa.String(128), nullable=False),
        sa.Column("name", sa.String(512), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("service", sa.String(256), nullable=True),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("labels", sa.JSON, nullable=False),
        sa.Column("annotations", sa.JSON, nullable=False),
        sa.Column("starts_at", TS, nullable=False),
        sa.Column("ends_at", TS, nullable=True),
        sa.Column("generator_url", sa.Text, nullable=True),
        sa.Column("first_seen", TS, nullable=False),
        sa.Column("last_seen", TS, nullable=False),
        sa.Column("resolved_at", TS, nullable=True),
        sa.Column("expired", sa.Boolean, nullable=False),
        sa.Column("flapping", sa.Boolean, nullable=False),
        sa.Column("transitions", sa.Integer, nullable=False),
        sa.Column("deliveries", sa.Integer, nullable=False),
        sa.Column("group_id", sa.Integer, nullable=True),
        sa.Column("payload_id", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_alerts"),
        sa.UniqueConstraint("source", "fingerprint", name="uq_alerts_source_fingerprint"),
        sa.ForeignKeyConstraint(["group_id"], ["alert_groups.id"], name="fk_alerts_group_id_alert_groups"),
        sa.ForeignKeyConstraint(["payload_id"], ["payloads.id"], name="fk_alerts_payload_id_payloads"),
    )
    op.create_index("ix_alerts_status_last_seen", "alerts", ["status", "last_seen"])
    op.create_index("ix_alerts_group_id", "alerts", ["group_id"])
    op.create_index("ix_alerts_payload_id", "alerts", ["payload_id"])
    op.create_table(
        "alert_transitions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("alert_id", sa.Integer, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("payload_id", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_alert_transitions"),
        sa.ForeignKeyConstraint(["alert_id"], ["alerts.id"], name="fk_alert_transitions_alert_id_alerts"),
        sa.ForeignKeyConstraint(
            ["payload_id"], ["payloads.id"], name="fk_alert_transitions_payload_id_payloads"
        ),
    )
    op.create_index("ix_alert_transitions_alert_id", "alert_transitions", ["alert_id"])
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("revoked", sa.Boolean, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_api_tokens"),
        sa.UniqueConstraint("token_hash", name="uq_api_tokens_token_hash"),
    )


def downgrade() -> None:
    for table in ("api_tokens", "alert_transitions", "alerts", "alert_groups", "payloads"):
        op.drop_table(table)

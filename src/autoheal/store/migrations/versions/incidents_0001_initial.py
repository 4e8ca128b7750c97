"""incidents: incidents, their alert groups, roles and timeline

Revision ID: incidents_0001
Revises:
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "incidents_0001"
down_revision = None
branch_labels = ("incidents",)
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "incidents",
        sa.Column("id", sa.Integer, nullable=False, autoincrement=True),
        sa.Column("title", sa.String(512), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("severity", sa.String(8), nullable=False),
        sa.Column("service", sa.String(256), nullable=True),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("cause", sa.Text, nullable=True),
        sa.Column("opened_at", TS, nullable=False),
        sa.Column("opened_by", sa.String(256), nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("acknowledged_at", TS, nullable=True),
        sa.Column("acknowledged_by", sa.String(256), nullable=True),
        sa.Column("mitigated_at", TS, nullable=True),
        sa.Column("resolved_at", TS, nullable=True),
        sa.Column("resolved_by", sa.String(256), nullable=True),
        sa.Column("investigation_id", sa.String(64), nullable=True),
        sa.Column("last_seq", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_incidents"),
    )
    op.create_index("ix_incidents_status_opened_at", "incidents", ["status", "opened_at"])
    op.create_index("ix_incidents_service", "incidents", ["service"])
    op.create_table(
        "incident_groups",
        sa.Column("id", sa.Integer, nullable=False, autoincrement=True),
        sa.Column("incident_id", sa.Integer, nullable=False),
        sa.Column("group_key", sa.String(512), nullable=False),
        sa.Column("joined_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_incident_groups"),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name="fk_incident_groups_incident_id_incidents"
        ),
        sa.UniqueConstraint("incident_id", "group_key", name="uq_incident_groups_incident_group"),
    )
    op.create_index("ix_incident_groups_incident_id", "incident_groups", ["incident_id"])
    op.create_index("ix_incident_groups_group_key", "incident_groups", ["group_key"])
    op.create_table(
        "incident_roles",
        sa.Column("id", sa.Integer, nullable=False, autoincrement=True),
        sa.Column("incident_id", sa.Integer, nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("person", sa.String(256), nullable=False),
        sa.Column("assigned_at", TS, nullable=False),
        sa.Column("assigned_by", sa.String(256), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_incident_roles"),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name="fk_incident_roles_incident_id_incidents"
        ),
        sa.UniqueConstraint("incident_id", "role", "person", name="uq_incident_roles_incident_role_person"),
    )
    op.create_index("ix_incident_roles_incident_id", "incident_roles", ["incident_id"])
    op.create_table(
        "incident_events",
        sa.Column("id", sa.Integer, nullable=False, autoincrement=True),
        sa.Column("incident_id", sa.Integer, nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("actor", sa.String(256), nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(48), nullable=False),
        sa.Column("data", sa.JSON, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_incident_events"),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name="fk_incident_events_incident_id_incidents"
        ),
        sa.UniqueConstraint("incident_id", "seq", name="uq_incident_events_incident_seq"),
    )
    op.create_index("ix_incident_events_incident_id", "incident_events", ["incident_id"])
    op.create_index("ix_incident_events_kind", "incident_events", ["kind"])


def downgrade() -> None:
    for table in ("incident_events", "incident_roles", "incident_groups", "incidents"):
        op.drop_table(table)

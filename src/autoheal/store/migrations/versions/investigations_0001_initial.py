"""triage verdicts, investigations and their event streams

Revision ID: investigations_0001
Revises:
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "investigations_0001"
down_revision = None
branch_labels = ("investigations",)
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "triage_verdicts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("group_key", sa.String(512), nullable=False),
        sa.Column("service", sa.String(256), nullable=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("explanation", sa.Text, nullable=False),
        sa.Column("reasons", sa.JSON, nullable=False),
        sa.Column("signals", sa.JSON, nullable=False),
        sa.Column("related", sa.String(256), nullable=True),
        sa.Column("assessed_at", TS, nullable=False),
        sa.Column("duration_ms", sa.Float, nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("reference", sa.String(256), nullable=True),
        sa.Column("investigation_id", sa.String(64), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_triage_verdicts"),
    )
    op.create_index("ix_triage_verdicts_group_key", "triage_verdicts", ["group_key"])
    op.create_index("ix_triage_verdicts_service_assessed_at", "triage_verdicts", ["service", "assessed_at"])
    op.create_table(
        "triage_verdict_fingerprints",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("verdict_id", sa.Integer, nullable=False),
        sa.Column("fingerprint", sa.String(128), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_triage_verdict_fingerprints"),
        sa.ForeignKeyConstraint(
            ["verdict_id"],
            ["triage_verdicts.id"],
            name="fk_triage_verdict_fingerprints_verdict_id_triage_verdicts",
        ),
    )
    op.create_index(
        "ix_triage_verdict_fingerprints_verdict_id", "triage_verdict_fingerprints", ["verdict_id"]
    )
    op.create_index(
        "ix_triage_verdict_fingerprints_fingerprint", "triage_verdict_fingerprints", ["fingerprint"]
    )
    op.create_table(
        "investigations",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("subject", sa.String(512), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("started_at", TS, nullable=False),
        sa.Column("finished_at", TS, nullable=True),
        sa.Column("alert_fingerprints", sa.JSON, nullable=False),
        sa.Column("top_service", sa.String(256), nullable=True),
        sa.Column("report", sa.JSON, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_investigations"),
    )
    op.create_table(
        "investigation_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("investigation_id", sa.String(64), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_investigation_events"),
        sa.ForeignKeyConstraint(
            ["investigation_id"],
            ["investigations.id"],
            name="fk_investigation_events_investigation_id_investigations",
        ),
    )
    op.create_index(
        "ix_investigation_events_investigation_id_seq", "investigation_events", ["investigation_id", "seq"]
    )


def downgrade() -> None:
    for table in ("investigation_events", "investigations", "triage_verdict_fingerprints", "triage_verdicts"):
        op.drop_table(table)

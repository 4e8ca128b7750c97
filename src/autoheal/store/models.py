"""Tables of the alert pipeline (Alembic branch ``alerts``) and the registry of every area's tables.

Other areas declare their tables in their own modules on ``autoheal.store.schema.metadata``; they
are imported at the bottom of this module so that Alembic and ``create_all`` see them all.
"""

from __future__ import annotations

import importlib
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from autoheal.store.schema import Base


class Payload(Base):
    """A raw webhook body exactly as received (kept beside the normalised alerts)."""

    __tablename__ = "payloads"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(64))
    digest: Mapped[str] = mapped_column(String(64), unique=True)  # sha256(source + body)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    body: Mapped[str] = mapped_column(Text)
    alert_count: Mapped[int] = mapped_column(Integer, default=0)


class AlertGroupRow(Base):
    __tablename__ = "alert_groups"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(512), unique=True)
    labels: Mapped[dict[str, Any]] = mapped_column(JSON)
    service: Mapped[str | None] = mapped_column(String(256), nullable=True)
    severity: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    first_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AlertRow(Base):
    __tablename__ = "alerts"
    __table_args__ = (
        UniqueConstraint("source", "fingerprint", name="uq_alerts_source_fingerprint"),
        Index("ix_alerts_status_last_seen", "status", "last_seen"),
        # triage reads transitions by fingerprint alone (the unique index leads with the source)
        Index("ix_alerts_fingerprint", "fingerprint"),
        # a group's roll-up (firing count, worst severity) reads the index alone, not the rows
        Index("ix_alerts_group_status_severity", "group_id", "status", "severity"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(64))
    fingerprint: Mapped[str] = mapped_column(String(128))
    name: Mapped[str] = mapped_column(String(512))
    status: Mapped[str] = mapped_column(String(16))
    service: Mapped[str | None] = mapped_column(String(256), nullable=True)
    severity: Mapped[str] = mapped_column(String(16))
    labels: Mapped[dict[str, Any]] = mapped_column(JSON)
    annotations: Mapped[dict[str, Any]] = mapped_column(JSON)
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    generator_url: Mapped[str | None] = mapped_column(Text, nullable=True)
    first_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    expired: Mapped[bool] = mapped_column(Boolean, default=False)
    flapping: Mapped[bool] = mapped_column(Boolean, default=False)
    transitions: Mapped[int] = mapped_column(Integer, default=0)
    deliveries: Mapped[int] = mapped_column(Integer, default=1)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("alert_groups.id"), nullable=True)
    payload_id: Mapped[int] = mapped_column(ForeignKey("payloads.id"), index=True)


class TransitionRow(Base):
    """Every firing <-> resolved change of an alert (for flapping detection and timelines)."""

    __tablename__ = "alert_transitions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    payload_id: Mapped[int] = mapped_column(ForeignKey("payloads.id"))

    alert: Mapped[AlertRow] = relationship()


class ApiTokenRow(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(128))
    role: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


# Every other area's table module, imported so that Alembic's env and tests see all tables.
# Add yours here (the import must not have side effects beyond declaring tables).
AREA_TABLE_MODULES: list[str] = [
    "autoheal.audit.store",
    "autoheal.console.store",
    "autoheal.governance.store",
    "autoheal.graph.store",
    "autoheal.incidents.store",
    "autoheal.jobs.store",
    "autoheal.jobs.scheduled",
    "autoheal.reasoning.store",
    "autoheal.store.silences",
    "autoheal.fixes.store",
]

for _module in AREA_TABLE_MODULES:
    importlib.import_module(_module)

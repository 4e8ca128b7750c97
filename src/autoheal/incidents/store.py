"""Tables of incidents (Alembic branch ``incidents``) and the row <-> domain conversions.

* ``incidents`` — one row per incident (status, severity, who acknowledged, when resolved);
* ``incident_groups`` — the alert groups (by group key) an incident covers; alerts that join a
  group later join its open incident;
* ``incident_roles`` — commander, scribe, responders;
* ``incident_events`` — the timeline, append-only: ``id`` is a global cursor, ``seq`` orders the
  events of one incident.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from autoheal.clock import utc
from autoheal.incidents.model import Incident, IncidentSeverity, Status, TimelineEvent
from autoheal.store.schema import Base


class IncidentRow(Base):
    __tablename__ = "incidents"
    __table_args__ = (Index("ix_incidents_status_opened_at", "status", "opened_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    title: Mapped[str] = mapped_column(String(512))
    status: Mapped[str] = mapped_column(String(16))
    severity: Mapped[str] = mapped_column(String(8))
    service: Mapped[str | None] = mapped_column(String(256), nullable=True, index=True)
    summary: Mapped[str] = mapped_column(Text, default="")
    cause: Mapped[str | None] = mapped_column(Text, nullable=True)
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    opened_by: Mapped[str] = mapped_column(String(256))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    acknowledged_by: Mapped[str | None] = mapped_column(String(256), nullable=True)
    mitigated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    resolved_by: Mapped[str | None] = mapped_column(String(256), nullable=True)
    investigation_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    last_seq: Mapped[int] = mapped_column(Integer, default=0)


class IncidentGroupRow(Base):
    __tablename__ = "incident_groups"
    __table_args__ = (UniqueConstraint("incident_id", "group_key", name="uq_incident_groups_incident_group"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    group_key: Mapped[str] = mapped_column(String(512), index=True)
    joined_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class IncidentRoleRow(Base):
    __tablename__ = "incident_roles"
    __table_args__ = (
        UniqueConstraint("incident_id", "role", "person", name="uq_incident_roles_incident_role_person"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    person: Mapped[str] = mapped_column(String(256))
    assigned_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    assigned_by: Mapped[str] = mapped_column(String(256))


class IncidentEventRow(Base):
    __tablename__ = "incident_events"
    __table_args__ = (
        UniqueConstraint("incident_id", "seq", name="uq_incident_events_incident_seq"),
        Index("ix_incident_events_kind", "kind"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(256))
    source: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(48))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)


def event_from_row(row: IncidentEventRow) -> TimelineEvent:
    return TimelineEvent(
        id=row.id,
        incident_id=row.incident_id,
        seq=row.seq,
        at=utc(row.at),
        actor=row.actor,
        source=row.source,
        kind=row.kind,
        data=dict(row.data or {}),
    )


def _utc_or_none(d: datetime | None) -> datetime | None:
    return utc(d) if d is not None else None


def incident_from_row(
    row: IncidentRow, groups: list[IncidentGroupRow], roles: list[IncidentRoleRow]
) -> Incident:
    by_role: dict[str, list[str]] = {}
    for r in sorted(roles, key=lambda r: r.id):
        by_role.setdefault(r.role, []).append(r.person)
    return Incident(
        id=row.id,
        title=row.title,
        status=Status(row.status),
        severity=IncidentSeverity(row.severity),
        service=row.service,
        opened_at=utc(row.opened_at),
        updated_at=utc(row.updated_at),
        opened_by=row.opened_by,
        summary=row.summary or "",
        group_keys=[g.group_key for g in sorted(groups, key=lambda g: g.id)],
        investigation_id=row.investigation_id,
        acknowledged_at=_utc_or_none(row.acknowledged_at),
        acknowledged_by=row.acknowledged_by,
        mitigated_at=_utc_or_none(row.mitigated_at),
        resolved_at=_utc_or_none(row.resolved_at),
        resolved_by=row.resolved_by,
        roles=by_role,
        cause=row.cause,
    )


class PageRow(Base):
    """The page outbox: one row per message to a paging provider or person. A page is written in
    the transaction that decides it and delivered (with retries) afterwards, so nothing is lost
    when the provider is down; ``dedup_key`` makes a re-delivery harmless."""

    __tablename__ = "incident_pages"
    __table_args__ = (Index("ix_incident_pages_status_next_attempt_at", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    provider: Mapped[str] = mapped_column(String(16))  # pagerduty | opsgenie | builtin
    action: Mapped[str] = mapped_column(String(16))  # trigger | acknowledge | resolve
    dedup_key: Mapped[str] = mapped_column(String(128))
    target: Mapped[str | None] = mapped_column(String(256), nullable=True)  # builtin: the person
    level: Mapped[int] = mapped_column(Integer, default=0)  # builtin: escalation level (0-based)
    summary: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))  # waiting | pending | sent | cancelled
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)


class SlackChannelRow(Base):
    __tablename__ = "incident_slack"

    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), primary_key=True)
    channel_id: Mapped[str] = mapped_column(String(32), unique=True)
    channel_name: Mapped[str] = mapped_column(String(80))
    message_ts: Mapped[str | None] = mapped_column(String(32), nullable=True)

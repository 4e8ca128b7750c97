"""Read side of the alert tables, and stale-alert expiry."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, Row, func, select, update
from sqlalchemy.orm import Session

from autoheal.clock import utc
from autoheal.domain.alerts import Alert, AlertStatus, Severity
from autoheal.errors import NotFoundError
from autoheal.store.models import AlertGroupRow, AlertRow, Payload, TransitionRow


def alert_from_row(row: AlertRow | Row[Any]) -> Alert:
    """An ``Alert`` from an ORM row or a row of the columns it reads (by name)."""
    return Alert(
        source=row.source,
        fingerprint=row.fingerprint,
        status=AlertStatus(row.status),
        name=row.name,
        starts_at=utc(row.starts_at),
        labels=row.labels,
        annotations=row.annotations,
        service=row.service,
        severity=Severity(row.severity),
        ends_at=utc(row.ends_at) if row.ends_at else None,
        generator_url=row.generator_url,
    )


def _iso(value: datetime | None) -> str | None:
    return utc(value).isoformat() if value else None


def alert_to_dict(row: AlertRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "source": row.source,
        "fingerprint": row.fingerprint,
        "name": row.name,
        "status": row.status,
        "service": row.service,
        "severity": row.severity,
        "labels": row.labels,
        "annotations": row.annotations,
        "starts_at": _iso(row.starts_at),
        "ends_at": _iso(row.ends_at),
        "generator_url": row.generator_url,
        "first_seen": _iso(row.first_seen),
        "last_seen": _iso(row.last_seen),
        "resolved_at": _iso(row.resolved_at),
        "expired": row.expired,
        "flapping": row.flapping,
        "transitions": row.transitions,
        "deliveries": row.deliveries,
        "group_id": row.group_id,
        "payload_id": row.payload_id,
    }


def group_to_dict(row: AlertGroupRow, alert_count: int | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": row.id,
        "key": row.key,
        "labels": row.labels,
        "service": row.service,
        "severity": row.severity,
        "status": row.status,
        "first_seen": _iso(row.first_seen),
        "last_seen": _iso(row.last_seen),
    }
    if alert_count is not None:
        out["alert_count"] = alert_count
    return out


GROUP_LIMIT = 10_000  # the newest alerts of a group that are read at once


@dataclass(frozen=True, slots=True)
class AlertFilter:
    status: str | None = None
    service: str | None = None
    source: str | None = None
    group_id: int | None = None
    limit: int = 100
    offset: int = 0


class AlertRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def list_alerts(self, f: AlertFilter) -> list[AlertRow]:
        q = select(AlertRow).order_by(AlertRow.last_seen.desc(), AlertRow.id.desc())
        if f.status:
            q = q.where(AlertRow.status == f.status)
        if f.service:
            q = q.where(AlertRow.service == f.service)
        if f.source:
            q = q.where(AlertRow.source == f.source)
        if f.group_id is not None:
            q = q.where(AlertRow.group_id == f.group_id)
        return list(self.session.scalars(q.limit(f.limit).offset(f.offset)))

    def get_alert(self, alert_id: int) -> AlertRow:
        row = self.session.get(AlertRow, alert_id)
        if row is None:
            raise NotFoundError(f"no alert with id {alert_id}")
        return row

    def payload(self, payload_id: int) -> Payload | None:
        return self.session.get(Payload, payload_id)

    def transitions(self, alert_id: int) -> list[TransitionRow]:
        q = select(TransitionRow).where(TransitionRow.alert_id == alert_id).order_by(TransitionRow.id)
        return list(self.session.scalars(q))

    def list_groups(
        self, status: str | None = None, limit: int = 100, offset: int = 0
    ) -> list[tuple[AlertGroupRow, int]]:
        counts = select(AlertRow.group_id, func.count().label("n")).group_by(AlertRow.group_id).subquery()
        q = (
            select(AlertGroupRow, func.coalesce(counts.c.n, 0))
            .outerjoin(counts, counts.c.group_id == AlertGroupRow.id)
            .order_by(AlertGroupRow.last_seen.desc(), AlertGroupRow.id.desc())
        )
        if status:
            q = q.where(AlertGroupRow.status == status)
        return [(g, int(n)) for g, n in self.session.execute(q.limit(limit).offset(offset))]

    def get_group(self, group_id: int) -> AlertGroupRow:
        row = self.session.get(AlertGroupRow, group_id)
        if row is None:
            raise NotFoundError(f"no alert group with id {group_id}")
        return row

    def group_alerts(self, group_id: int) -> Sequence[AlertRow]:
        return self.list_alerts(AlertFilter(group_id=group_id, limit=GROUP_LIMIT))

    def active_group_alerts(self, group_id: int, seen_since: datetime) -> list[Alert]:
        """The group's alerts that still matter to triage — firing, or seen at ``seen_since`` or
        later — newest first, at most ``GROUP_LIMIT``, as domain objects. Reads the columns an
        ``Alert`` needs (no ORM rows): triage reads a storm's whole group on every run."""
        columns = (
            AlertRow.source,
            AlertRow.fingerprint,
            AlertRow.status,
            AlertRow.name,
            AlertRow.starts_at,
            AlertRow.labels,
            AlertRow.annotations,
            AlertRow.service,
            AlertRow.severity,
            AlertRow.ends_at,
            AlertRow.generator_url,
        )
        q = (
            select(*columns)
            .where(
                AlertRow.group_id == group_id,
                (AlertRow.status == AlertStatus.FIRING.value) | (AlertRow.last_seen >= seen_since),
            )
            .order_by(AlertRow.last_seen.desc(), AlertRow.id.desc())
            .limit(GROUP_LIMIT)
        )
        return [alert_from_row(row) for row in self.session.execute(q)]


def expire_stale(session: Session, now: datetime, stale_after_seconds: float) -> int:
    """Close firing alerts that were not re-sent within ``stale_after_seconds`` or whose own
    ``ends_at`` has passed (Alertmanager's resolve_timeout semantics). Returns how many."""
    cutoff = now - timedelta(seconds=stale_after_seconds)
    stale = AlertRow.status == AlertStatus.FIRING.value
    stmt = (
        update(AlertRow)
        .where(
            stale
            & ((AlertRow.last_seen < cutoff) | (AlertRow.ends_at.is_not(None) & (AlertRow.ends_at < now)))
        )
        .values(status=AlertStatus.RESOLVED.value, expired=True, resolved_at=now)
        .execution_options(synchronize_session=False)
    )
    result = cast(CursorResult[Any], session.execute(stmt))
    if result.rowcount:
        session.execute(
            update(AlertGroupRow)
            .where(
                AlertGroupRow.status == AlertStatus.FIRING.value,
                ~select(AlertRow.id)
                .where(AlertRow.group_id == AlertGroupRow.id, AlertRow.status == AlertStatus.FIRING.value)
                .exists(),
            )
            .values(status=AlertStatus.RESOLVED.value)
            .execution_options(synchronize_session=False)
        )
    session.commit()
    return int(result.rowcount or 0)

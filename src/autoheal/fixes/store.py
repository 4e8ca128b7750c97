"""The ``fixes`` table (Alembic branch ``fixes``) and its repository: every offered fix with its
files, checks and figures, its status (proposed -> accepted | rejected, accepted -> merged) and
the history of decisions, who made them and why. What was rejected is what the generation
learns from (:func:`rejected_shapes`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Index, Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from autoheal.clock import utc
from autoheal.errors import InputError, NotFoundError
from autoheal.fixes.model import TRANSITIONS, Fix, FixKind, FixStatus
from autoheal.store.schema import Base


class FixRow(Base):
    __tablename__ = "fixes"
    __table_args__ = (
        Index("ix_fixes_status", "status"),
        Index("ix_fixes_service_kind", "service", "kind"),
        Index("ix_fixes_source_ref", "source_ref"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(32))
    service: Mapped[str] = mapped_column(String(256))
    title: Mapped[str] = mapped_column(Text)
    summary: Mapped[str] = mapped_column(Text)
    target: Mapped[str] = mapped_column(String(512))
    shape: Mapped[str] = mapped_column(String(512))
    status: Mapped[str] = mapped_column(String(16))
    source_ref: Mapped[str] = mapped_column(String(128))  # the investigation it came from
    incident_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    files: Mapped[dict[str, str]] = mapped_column(JSON)
    figures: Mapped[dict[str, Any]] = mapped_column(JSON)
    checks: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    rule_file: Mapped[str | None] = mapped_column(String(512), nullable=True)
    test_file: Mapped[str | None] = mapped_column(String(512), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    decided_by: Mapped[str | None] = mapped_column(String(256), nullable=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    merged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    history: Mapped[list[dict[str, Any]]] = mapped_column(JSON)


def save_fix(
    session: Session,
    fix: Fix,
    *,
    source_ref: str,
    at: datetime,
    incident_id: str | None = None,
    resolved_at: datetime | None = None,
) -> FixRow:
    row = FixRow(
        kind=fix.kind.value,
        service=fix.service,
        title=fix.title,
        summary=fix.summary,
        target=fix.target,
        shape=fix.shape,
        status=FixStatus.PROPOSED.value,
        source_ref=source_ref,
        incident_id=incident_id,
        files=dict(fix.files),
        figures=dict(fix.figures),
        checks=[c.to_dict() for c in fix.checks],
        rule_file=fix.rule_file,
        test_file=fix.test_file,
        created_at=at,
        resolved_at=resolved_at,
        history=[
            {"status": FixStatus.PROPOSED.value, "at": at.isoformat(), "by": "autoheal", "reason": None}
        ],
    )
    session.add(row)
    session.flush()
    return row


def get_fix(session: Session, fix_id: int) -> FixRow:
    row = session.get(FixRow, fix_id)
    if row is None:
        raise NotFoundError(f"no fix {fix_id} (autoheal fixes list shows them)", fix_id=fix_id)
    return row


def list_fixes(
    session: Session,
    *,
    status: str | None = None,
    service: str | None = None,
    kind: str | None = None,
    source_ref: str | None = None,
    limit: int = 100,
) -> list[FixRow]:
    if status is not None and status not in {s.value for s in FixStatus}:
        raise InputError(f"unknown status {status!r}; use one of {', '.join(s.value for s in FixStatus)}")
    if kind is not None and kind not in {k.value for k in FixKind}:
        raise InputError(f"unknown fix kind {kind!r}; use one of {', '.join(k.value for k in FixKind)}")
    query = select(FixRow).order_by(FixRow.id.desc()).limit(limit)
    if status:
        query = query.where(FixRow.status == status)
    if service:
        query = query.where(FixRow.service == service)
    if kind:
        query = query.where(FixRow.kind == kind)
    if source_ref:
        query = query.where(FixRow.source_ref == source_ref)
    return list(session.scalars(query))


def decide(
    session: Session, fix_id: int, status: FixStatus, *, by: str, at: datetime, reason: str | None = None
) -> FixRow:
    """Move a fix along :data:`~autoheal.fixes.model.TRANSITIONS`; a rejection needs a reason
    (it is what the next generation learns from)."""
    row = get_fix(session, fix_id)
    current = FixStatus(row.status)
    if status not in TRANSITIONS[current]:
        allowed = ", ".join(s.value for s in TRANSITIONS[current]) or "nothing (it is final)"
        raise InputError(f"fix {fix_id} is {current.value}: it can become {allowed}, not {status.value}")
    if status is FixStatus.REJECTED and not (reason and reason.strip()):
        raise InputError("a rejection needs a reason (--reason): it is kept and learned from")
    row.status = status.value
    if status is FixStatus.MERGED:
        row.merged_at = at
    else:
        row.decided_at, row.decided_by, row.reason = at, by, reason
    row.history = [*row.history, {"status": status.value, "at": at.isoformat(), "by": by, "reason": reason}]
    return row


def rejected_shapes(session: Session, services: Sequence[str]) -> dict[str, str]:
    """``{shape: reason}`` of every rejected fix for ``services``: a fix of the same shape (kind,
    service, target, the parameters that matter) is not proposed again."""
    if not services:
        return {}
    rows = session.execute(
        select(FixRow.shape, FixRow.reason).where(
            FixRow.status == FixStatus.REJECTED.value, FixRow.service.in_(list(services))
        )
    )
    return {shape: reason or "" for shape, reason in rows}


def open_shapes(session: Session, services: Sequence[str]) -> dict[str, int]:
    """``{shape: fix id}`` of fixes for ``services`` still proposed, accepted or merged: the same
    fix is not offered twice (a recurrence finds its earlier proposal)."""
    if not services:
        return {}
    rows = session.execute(
        select(FixRow.shape, FixRow.id).where(
            FixRow.status != FixStatus.REJECTED.value, FixRow.service.in_(list(services))
        )
    )
    return {shape: fix_id for shape, fix_id in rows}


def fix_to_dict(row: FixRow, *, files: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": row.id,
        "kind": row.kind,
        "service": row.service,
        "title": row.title,
        "summary": row.summary,
        "target": row.target,
        "shape": row.shape,
        "status": row.status,
        "source_ref": row.source_ref,
        "incident_id": row.incident_id,
        "figures": row.figures,
        "checks": row.checks,
        "rule_file": row.rule_file,
        "test_file": row.test_file,
        "created_at": utc(row.created_at).isoformat(),
        "resolved_at": utc(row.resolved_at).isoformat() if row.resolved_at else None,
        "decided_at": utc(row.decided_at).isoformat() if row.decided_at else None,
        "decided_by": row.decided_by,
        "reason": row.reason,
        "merged_at": utc(row.merged_at).isoformat() if row.merged_at else None,
        "history": row.history,
    }
    if files:
        out["files"] = row.files
    return out


def record_delivery(
    session: Session, fix_id: int, *, by: str, at: datetime, delivery: dict[str, Any]
) -> FixRow:
    """Append a delivery (a pull request opened) to the fix's history; its status is unchanged."""
    row = get_fix(session, fix_id)
    row.history = [*row.history, {"delivered": delivery, "at": at.isoformat(), "by": by}]
    return row


def rejected_kinds(session: Session, services: Sequence[str]) -> dict[tuple[str, str], list[str]]:
    """``{(kind, service): [reasons]}``: the rejections of each kind of fix for each service since
    the last fix of that kind for it that a human accepted (or merged), oldest first."""
    if not services:
        return {}
    rows = session.execute(
        select(FixRow.kind, FixRow.service, FixRow.status, FixRow.decided_at, FixRow.reason)
        .where(FixRow.service.in_(list(services)), FixRow.decided_at.is_not(None))
        .order_by(FixRow.decided_at, FixRow.id)
    )
    out: dict[tuple[str, str], list[str]] = {}
    for kind, service, status, _at, reason in rows:
        key = (kind, service)
        if status == FixStatus.REJECTED.value:
            out.setdefault(key, []).append(reason or "")
        else:  # accepted or merged: the kind is wanted for the service again
            out.pop(key, None)
    return out

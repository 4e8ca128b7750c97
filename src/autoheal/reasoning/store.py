"""Tables of triage and investigations (Alembic branch ``investigations``) and their repository.

* ``triage_verdicts`` — one row per assessment of an alert group (verdict, score, reasons, the
  signals with their evidence), plus ``outcome`` once someone says whether it was actionable;
  ``triage_verdict_fingerprints`` indexes verdicts by alert fingerprint for the history lookups.
* ``investigations`` and ``investigation_events`` — the event stream of every investigation,
  exactly as streamed (``seq`` orders it), and the final report.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Index, Integer, String, Text, func, insert, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from autoheal.clock import utc
from autoheal.domain.investigation import InvestigationEvent
from autoheal.errors import NotFoundError
from autoheal.reasoning.triage.model import Lean, Outcome, PastVerdict, TriageKind, TriageVerdict
from autoheal.store.schema import Base


class TriageVerdictRow(Base):
    __tablename__ = "triage_verdicts"
    __table_args__ = (Index("ix_triage_verdicts_service_assessed_at", "service", "assessed_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    group_key: Mapped[str] = mapped_column(String(512), index=True)
    service: Mapped[str | None] = mapped_column(String(256), nullable=True)
    kind: Mapped[str] = mapped_column(String(16))
    score: Mapped[float] = mapped_column(Float)
    explanation: Mapped[str] = mapped_column(Text)
    reasons: Mapped[list[str]] = mapped_column(JSON)
    signals: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    related: Mapped[str | None] = mapped_column(String(256), nullable=True)
    assessed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    duration_ms: Mapped[float] = mapped_column(Float)
    outcome: Mapped[str] = mapped_column(String(16), default=Outcome.UNKNOWN.value)
    reference: Mapped[str | None] = mapped_column(String(256), nullable=True)
    investigation_id: Mapped[str | None] = mapped_column(String(64), nullable=True)


class TriageVerdictFingerprintRow(Base):
    __tablename__ = "triage_verdict_fingerprints"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    verdict_id: Mapped[int] = mapped_column(ForeignKey("triage_verdicts.id"), index=True)
    fingerprint: Mapped[str] = mapped_column(String(128), index=True)


class InvestigationRow(Base):
    __tablename__ = "investigations"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    subject: Mapped[str] = mapped_column(String(512))
    status: Mapped[str] = mapped_column(String(16))  # running | finished | failed
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    alert_fingerprints: Mapped[list[str]] = mapped_column(JSON)
    top_service: Mapped[str | None] = mapped_column(String(256), nullable=True)
    report: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


class InvestigationEventRow(Base):
    __tablename__ = "investigation_events"
    __table_args__ = (Index("ix_investigation_events_investigation_id_seq", "investigation_id", "seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    investigation_id: Mapped[str] = mapped_column(ForeignKey("investigations.id"))
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)


# --- repository -------------------------------------------------------------------------------
def save_verdict(session: Session, verdict: TriageVerdict, *, investigation_id: str | None = None) -> int:
    row = TriageVerdictRow(
        group_key=verdict.group_key,
        service=verdict.service,
        kind=verdict.kind.value,
        score=verdict.score,
        explanation=verdict.explanation,
        reasons=list(verdict.reasons),
        signals=[s.to_dict() for s in verdict.signals],
        related=verdict.related,
        assessed_at=verdict.assessed_at,
        duration_ms=verdict.duration_ms,
        outcome=Outcome.UNKNOWN.value,
        investigation_id=investigation_id,
    )
    session.add(row)
    session.flush()
    # one statement for every fingerprint (a storm group has thousands; one ORM object each cost
    # more than the triage itself)
    fingerprints = [{"verdict_id": row.id, "fingerprint": fp} for fp in dict.fromkeys(verdict.fingerprints)]
    if fingerprints:
        session.execute(insert(TriageVerdictFingerprintRow), fingerprints)
    return row.id


def set_outcome(session: Session, verdict_id: int, outcome: Outcome, reference: str | None = None) -> None:
    """Record what an alert turned out to be (actionable, not actionable, a known issue)."""
    row = get_verdict(session, verdict_id)
    row.outcome = outcome.value
    row.reference = reference


def get_verdict(session: Session, verdict_id: int) -> TriageVerdictRow:
    row = session.get(TriageVerdictRow, verdict_id)
    if row is None:
        raise NotFoundError(f"no triage verdict {verdict_id}", verdict_id=verdict_id)
    return row


def recent_verdicts(
    session: Session,
    service: str | None = None,
    kind: str | None = None,
    limit: int = 50,
    *,
    offset: int = 0,
    outcome: str | None = None,
) -> list[TriageVerdictRow]:
    query = select(TriageVerdictRow).order_by(TriageVerdictRow.id.desc()).limit(limit).offset(offset)
    if service:
        query = query.where(TriageVerdictRow.service == service)
    if kind:
        query = query.where(TriageVerdictRow.kind == kind)
    if outcome:
        query = query.where(TriageVerdictRow.outcome == outcome)
    return list(session.scalars(query))


def verdict_to_dict(row: TriageVerdictRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "group_key": row.group_key,
        "service": row.service,
        "kind": row.kind,
        "score": row.score,
        "explanation": row.explanation,
        "reasons": row.reasons,
        "signals": row.signals,
        "related": row.related,
        "assessed_at": utc(row.assessed_at).isoformat(),
        "outcome": row.outcome,
        "reference": row.reference,
        "investigation_id": row.investigation_id,
    }


T = TypeVar("T")

# values per IN (...) list (fingerprints, verdict ids): far below every database's limit on bound parameters
IN_CHUNK = 500


def chunks(items: Iterable[T], size: int | None = None) -> list[list[T]]:
    """``items`` in slices of at most ``size`` (default ``IN_CHUNK``; one query each), without
    duplicates."""
    size = size or IN_CHUNK
    unique = list(dict.fromkeys(items))
    return [unique[i : i + size] for i in range(0, len(unique), size)]


def past_verdicts(
    session: Session, fingerprints: Sequence[str], since: datetime, *, each_once: bool = False
) -> list[PastVerdict]:
    """The verdicts covering any of ``fingerprints`` since ``since``, oldest first: one per
    (fingerprint, verdict) pair, or with ``each_once`` each verdict once, carrying the smallest of
    ``fingerprints`` it covers (a verdict on a storm group covers thousands: the pairs of every
    past verdict of such a group are what made its triage slow). The pairs are read first and
    each verdict row once."""
    pairs: list[tuple[str, int]] = []
    pair = TriageVerdictFingerprintRow
    for chunk in chunks(fingerprints):
        if each_once:
            columns = select(func.min(pair.fingerprint), pair.verdict_id)
        else:
            columns = select(pair.fingerprint, pair.verdict_id)
        query = columns.join(TriageVerdictRow, pair.verdict_id == TriageVerdictRow.id).where(
            pair.fingerprint.in_(chunk), TriageVerdictRow.assessed_at >= since
        )
        if each_once:
            query = query.group_by(pair.verdict_id)
        pairs += [(fp, vid) for fp, vid in session.execute(query)]
    if each_once:  # a verdict found in several chunks: its smallest fingerprint
        first: dict[int, str] = {}
        for fp, vid in pairs:
            first[vid] = min(fp, first.get(vid, fp))
        pairs = [(fp, vid) for vid, fp in first.items()]
    rows = {
        r.id: (TriageKind(r.kind), utc(r.assessed_at), Outcome(r.outcome), r.reference, vetoes_of(r.signals))
        for ids in chunks(vid for _, vid in pairs)
        for r in session.scalars(select(TriageVerdictRow).where(TriageVerdictRow.id.in_(ids)))
    }
    found = [PastVerdict(fp, *rows[vid], verdict_id=vid) for fp, vid in pairs]
    return sorted(found, key=lambda v: (v.at, v.fingerprint))


def vetoes_of(signals: Sequence[Mapping[str, Any]] | None) -> tuple[str, ...]:
    """The names of a stored verdict's signals that vetoed noise (leaning signal)."""
    return tuple(str(s.get("name")) for s in signals or () if s.get("lean") == Lean.SIGNAL.value)


def open_investigation(
    session: Session, group_key: str, fingerprints: Sequence[str], since: datetime
) -> str | None:
    """The investigation that still answers for a group: the one its latest linked verdict points
    at, if it was queued or began at ``since`` or later and has not failed, and, once it began,
    its alerts include every one of ``fingerprints`` (a new alert in the group is new evidence; a
    queued one reads the group's alerts when it starts, so it covers them all). ``None``:
    investigate anew (none yet, it failed, it is older, or the group gained alerts after it
    began). A worker killed mid-run leaves its investigation ``running``: it stops answering once
    it is older than ``since``."""
    verdict = session.scalars(
        select(TriageVerdictRow)
        .where(TriageVerdictRow.group_key == group_key, TriageVerdictRow.investigation_id.is_not(None))
        .order_by(TriageVerdictRow.id.desc())
        .limit(1)
    ).first()
    if verdict is None or verdict.investigation_id is None:
        return None
    row = session.get(InvestigationRow, verdict.investigation_id)
    if row is None:  # queued: its job has not started yet, and will read every alert of the group
        return verdict.investigation_id if utc(verdict.assessed_at) >= since else None
    if row.status == "failed":
        return None
    if utc(row.started_at) < since or not set(fingerprints) <= set(row.alert_fingerprints):
        return None
    return verdict.investigation_id


def start_investigation(
    session: Session, investigation_id: str, subject: str, fingerprints: Sequence[str], at: datetime
) -> None:
    session.add(
        InvestigationRow(
            id=investigation_id,
            subject=subject,
            status="running",
            started_at=at,
            alert_fingerprints=list(fingerprints),
        )
    )
    session.flush()  # events reference it (no ORM relationship orders the inserts)


def append_event(session: Session, investigation_id: str, seq: int, event: InvestigationEvent) -> None:
    session.add(
        InvestigationEventRow(
            investigation_id=investigation_id,
            seq=seq,
            kind=event.kind,
            at=event.at,
            payload=dict(event.payload),
        )
    )
    if event.kind == "report":
        row = session.get(InvestigationRow, investigation_id)
        if row is not None:
            report = dict(event.payload.get("report", {}))
            row.report = report
            row.status = "finished"
            row.finished_at = event.at
            causes = report.get("causes") or []
            row.top_service = causes[0]["hypothesis"]["service"] if causes else None


FAILED_EVENT = "failed"
MAX_REASON = 500


def fail_investigation(
    session: Session, investigation_id: str, at: datetime, reason: str | None = None, seq: int | None = None
) -> None:
    """Mark a running investigation failed; ``reason`` (why, at most ``MAX_REASON`` characters) is
    stored as a last ``failed`` event of its stream, which :func:`failure_reason` reads back."""
    row = session.get(InvestigationRow, investigation_id)
    if row is not None and row.status == "running":
        row.status = "failed"
        row.finished_at = at
        if reason:
            if seq is None:
                last = session.scalar(
                    select(func.max(InvestigationEventRow.seq)).where(
                        InvestigationEventRow.investigation_id == investigation_id
                    )
                )
                seq = -1 if last is None else int(last)
                seq += 1
            session.add(
                InvestigationEventRow(
                    investigation_id=investigation_id,
                    seq=seq,
                    kind=FAILED_EVENT,
                    at=at,
                    payload={"error": reason[:MAX_REASON]},
                )
            )


def failure_reason(session: Session, investigation_id: str) -> str | None:
    """Why a failed investigation failed (its ``failed`` event), or None."""
    payload = session.scalar(
        select(InvestigationEventRow.payload)
        .where(
            InvestigationEventRow.investigation_id == investigation_id,
            InvestigationEventRow.kind == FAILED_EVENT,
        )
        .order_by(InvestigationEventRow.seq.desc())
        .limit(1)
    )
    return str(payload.get("error")) if isinstance(payload, dict) and payload.get("error") else None


def get_investigation(session: Session, investigation_id: str) -> InvestigationRow:
    row = session.get(InvestigationRow, investigation_id)
    if row is None:
        raise NotFoundError(f"no investigation {investigation_id!r}", investigation_id=investigation_id)
    return row


def events(session: Session, investigation_id: str, after: int = -1) -> list[dict[str, Any]]:
    rows = session.execute(
        select(InvestigationEventRow)
        .where(InvestigationEventRow.investigation_id == investigation_id, InvestigationEventRow.seq > after)
        .order_by(InvestigationEventRow.seq)
    ).scalars()
    return [{"seq": r.seq, "kind": r.kind, "at": utc(r.at).isoformat(), "payload": r.payload} for r in rows]

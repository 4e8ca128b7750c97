""":class:`AlertHistory` on the database: alert transitions (alert pipeline tables, read only) and
triage verdicts (this area's tables). Open incidents are not consulted yet: recent *signal*
verdicts on the same service stand for them until the incidents area offers a lookup."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker

from autoheal.clock import utc
from autoheal.domain.alerts import AlertStatus
from autoheal.reasoning import store
from autoheal.reasoning.triage.model import (
    Lean,
    Outcome,
    PastVerdict,
    RecentSignal,
    Transition,
    TriageKind,
)
from autoheal.store.models import AlertGroupRow, AlertRow, TransitionRow


class SqlAlertHistory:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def transitions(self, fingerprint: str, since: datetime) -> list[Transition]:
        with self.sessions() as session:
            rows = session.execute(
                select(TransitionRow.status, TransitionRow.at)
                .join(AlertRow, AlertRow.id == TransitionRow.alert_id)
                .where(AlertRow.fingerprint == fingerprint, TransitionRow.at >= since)
                .order_by(TransitionRow.at)
            ).all()
        return [Transition(fingerprint, status, utc(at)) for status, at in rows]

    def past_verdicts(self, fingerprint: str, since: datetime) -> list[PastVerdict]:
        """``store.past_verdicts`` with the vetoes each verdict had (its signals leaning signal)."""
        with self.sessions() as session:
            rows = session.execute(
                select(store.TriageVerdictRow)
                .join(
                    store.TriageVerdictFingerprintRow,
                    store.TriageVerdictFingerprintRow.verdict_id == store.TriageVerdictRow.id,
                )
                .where(
                    store.TriageVerdictFingerprintRow.fingerprint == fingerprint,
                    store.TriageVerdictRow.assessed_at >= since,
                )
                .order_by(store.TriageVerdictRow.assessed_at)
            ).scalars()
            return [
                PastVerdict(
                    fingerprint,
                    TriageKind(r.kind),
                    utc(r.assessed_at),
                    Outcome(r.outcome),
                    r.reference,
                    vetoes_of(r.signals),
                )
                for r in rows
            ]

    def recent_signals(self, service: str, since: datetime) -> list[RecentSignal]:
        """Signal verdicts on ``service`` since ``since``, and those of its groups still firing
        (an open incident stays open however long ago it was triaged)."""
        with self.sessions() as session:
            firing = set(
                session.scalars(
                    select(AlertGroupRow.key).where(AlertGroupRow.status == AlertStatus.FIRING.value)
                )
            )
            rows = session.execute(
                select(store.TriageVerdictRow)
                .where(
                    store.TriageVerdictRow.service == service,
                    store.TriageVerdictRow.kind == TriageKind.SIGNAL.value,
                    or_(
                        store.TriageVerdictRow.assessed_at >= since,
                        store.TriageVerdictRow.group_key.in_(firing),
                    ),
                )
                .order_by(store.TriageVerdictRow.assessed_at.desc())
            ).scalars()
            return [
                RecentSignal(
                    r.group_key,
                    service,
                    utc(r.assessed_at),
                    r.investigation_id or f"triage-verdict-{r.id}",
                    firing=r.group_key in firing,
                )
                for r in rows
            ]


def vetoes_of(signals: Sequence[Mapping[str, Any]] | None) -> tuple[str, ...]:
    """The names of a stored verdict's signals that vetoed noise."""
    return tuple(str(s.get("name")) for s in signals or () if s.get("lean") == Lean.SIGNAL.value)

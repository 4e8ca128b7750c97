""":class:`AlertHistory` on the database: alert transitions (alert pipeline tables, read only) and
triage verdicts (this area's tables). Open incidents are not consulted yet: recent *signal*
verdicts on the same service stand for them until the incidents area offers a lookup."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker

from autoheal.clock import utc
from autoheal.domain.alerts import AlertStatus
from autoheal.reasoning import store
from autoheal.reasoning.triage.model import (
    PastVerdict,
    RecentSignal,
    Transition,
    TriageKind,
)
from autoheal.store.models import AlertGroupRow, AlertRow, TransitionRow


class SqlAlertHistory:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def transitions(self, fingerprints: Sequence[str], since: datetime) -> list[Transition]:
        found: list[Transition] = []
        with self.sessions() as session:
            for chunk in store.chunks(fingerprints):
                rows = session.execute(
                    select(AlertRow.fingerprint, TransitionRow.status, TransitionRow.at)
                    .join(AlertRow, AlertRow.id == TransitionRow.alert_id)
                    .where(AlertRow.fingerprint.in_(chunk), TransitionRow.at >= since)
                ).all()
                found += [Transition(fp, status, utc(at)) for fp, status, at in rows]
        return sorted(found, key=lambda t: t.at)

    def past_verdicts(
        self, fingerprints: Sequence[str], since: datetime, *, each_once: bool = False
    ) -> list[PastVerdict]:
        with self.sessions() as session:
            return store.past_verdicts(session, fingerprints, since, each_once=each_once)

    def recent_signals(self, service: str, since: datetime) -> list[RecentSignal]:
        """Signal verdicts on ``service`` since ``since``, and those of its groups still firing
        (an open incident stays open however long ago it was triaged)."""
        firing = (AlertGroupRow.status == AlertStatus.FIRING.value).label("firing")
        with self.sessions() as session:
            rows = session.execute(
                select(store.TriageVerdictRow, firing)
                .outerjoin(AlertGroupRow, AlertGroupRow.key == store.TriageVerdictRow.group_key)
                .where(
                    store.TriageVerdictRow.service == service,
                    store.TriageVerdictRow.kind == TriageKind.SIGNAL.value,
                    or_(
                        store.TriageVerdictRow.assessed_at >= since,
                        AlertGroupRow.status == AlertStatus.FIRING.value,
                    ),
                )
                .order_by(store.TriageVerdictRow.assessed_at.desc())
            ).all()
            return [
                RecentSignal(
                    r.group_key,
                    service,
                    utc(r.assessed_at),
                    r.investigation_id or f"triage-verdict-{r.id}",
                    firing=bool(is_firing),
                )
                for r, is_firing in rows
            ]

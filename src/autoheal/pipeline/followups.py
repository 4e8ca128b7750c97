"""What runs after an alert is committed, as jobs: ``triage`` (every changed group) and
``investigate`` (groups triage called a signal). Each handler loads what it needs from the store,
calls the reasoning library, and records the outcome; the job queue decides where it runs."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from autoheal.clock import Clock, utc
from autoheal.domain.alerts import Alert, AlertGroup, AlertStatus, Severity
from autoheal.domain.investigation import InvestigationEvent
from autoheal.jobs import Job, JobQueue
from autoheal.reasoning import store as reasoning_store
from autoheal.reasoning.engine import Investigator
from autoheal.reasoning.subjects import load_subject
from autoheal.reasoning.triage.sql_history import SqlAlertHistory
from autoheal.reasoning.triage.triager import Triage
from autoheal.store.alerts import AlertRepository, alert_from_row
from autoheal.store.models import AlertRow

log = logging.getLogger(__name__)


def load_group(
    session: Session, group_id: int, active_seconds: float, clock: Clock
) -> tuple[AlertGroup, list[Alert]]:
    """The group and its alerts that still matter: firing ones, and those seen recently."""
    repo = AlertRepository(session)
    row = repo.get_group(group_id)
    since = clock.now() - timedelta(seconds=active_seconds)
    rows: Sequence[AlertRow] = [
        r
        for r in repo.group_alerts(group_id)
        if r.status == AlertStatus.FIRING.value or utc(r.last_seen) >= since
    ]
    alerts = [alert_from_row(r) for r in rows]
    group = AlertGroup(
        key=row.key,
        labels=row.labels,
        fingerprints=tuple(a.fingerprint for a in alerts),
        status=AlertStatus(row.status),
        service=row.service,
        severity=Severity(row.severity),
    )
    return group, alerts


def record_investigation(
    investigator: Investigator,
    sessions: sessionmaker[Session],
    clock: Clock,
    subject: str,
    alerts: Sequence[Alert],
    investigation_id: str | None = None,
) -> Iterator[InvestigationEvent]:
    """Run an investigation and store every event as it streams (the CLI, API and jobs share it).
    The engine itself puts its reasoning steps in the audit trail (through the gateway)."""
    investigation_id = investigation_id or f"inv-{uuid.uuid4().hex[:12]}"
    with sessions() as session:
        reasoning_store.start_investigation(
            session, investigation_id, subject, [a.fingerprint for a in alerts], clock.now()
        )
        session.commit()
    seq = 0
    try:
        for event in investigator.run(subject, alerts, investigation_id=investigation_id):
            with sessions() as session:
                reasoning_store.append_event(session, investigation_id, seq, event)
                session.commit()
            seq += 1
            yield event
    except BaseException:
        with sessions() as session:
            reasoning_store.fail_investigation(session, investigation_id, clock.now())
            session.commit()
        raise


@dataclass
class FollowUps:
    sessions: sessionmaker[Session]
    clock: Clock
    jobs: JobQueue
    triage: Triage
    investigator: Investigator
    active_seconds: float = 3600.0
    # a group's investigation answers its re-fires this long (unless new alerts join the group)
    reinvestigate_after_seconds: float = 1800.0
    on_event: Callable[[str, InvestigationEvent], None] | None = None
    # incidents (autoheal.incidents.escalation.Escalation): the opening rules and the timeline
    escalation: Any | None = None

    def register(self) -> None:
        self.jobs.register("triage", self.run_triage)
        self.jobs.register("investigate", self.run_investigation)

    def run_triage(self, job: Job) -> None:
        group_id = int(job.payload["group_id"])
        with self.sessions() as session:
            group, alerts = load_group(session, group_id, self.active_seconds, self.clock)
        if not alerts:
            return
        try:
            verdict = self.triage.assess(group, alerts, SqlAlertHistory(self.sessions))
        except Exception as exc:
            if self.escalation is not None:  # errs on the side of paging, then fails the job as before
                self.escalation.triage_failed(group, alerts, f"{type(exc).__name__}: {exc}")
            raise
        with self.sessions() as session:
            investigation_id: str | None = None
            reused = False
            if verdict.needs_investigation and group.status is AlertStatus.FIRING:
                since = self.clock.now() - timedelta(seconds=self.reinvestigate_after_seconds)
                found = reasoning_store.open_investigation(session, group.key, group.fingerprints, since)
                reused = found is not None
                investigation_id = found or f"inv-{uuid.uuid4().hex[:12]}"
            verdict_id = reasoning_store.save_verdict(session, verdict, investigation_id=investigation_id)
            if investigation_id is not None and not reused:
                # the verdict and its investigation job commit together (durable queue)
                self.jobs.enqueue(
                    session,
                    "investigate",
                    {"group_id": group_id, "verdict_id": verdict_id, "investigation_id": investigation_id},
                )
            session.commit()
        log.info(
            "triaged",
            extra={
                "group": group.key,
                "verdict": verdict.kind.value,
                "explanation": verdict.explanation,
                **({"investigation": investigation_id, "reused": reused} if investigation_id else {}),
            },
        )
        if self.escalation is not None:
            self.escalation.after_triage(
                group,
                alerts,
                verdict,
                verdict_id=verdict_id,
                investigation_id=investigation_id,
            )

    def _started(self, investigation_id: str) -> bool:
        with self.sessions() as session:
            return session.get(reasoning_store.InvestigationRow, investigation_id) is not None

    def run_investigation(self, job: Job) -> None:
        group_id = int(job.payload["group_id"])
        with self.sessions() as session:
            subject, alerts = load_subject(session, f"group:{group_id}")
        investigation_id = job.payload.get("investigation_id")
        verdict_id = job.payload.get("verdict_id")
        if investigation_id is None or self._started(investigation_id):
            # a job queued before triage chose the id, or a retry after a failed attempt
            investigation_id = f"inv-{uuid.uuid4().hex[:12]}"
        if verdict_id is not None:
            with self.sessions() as session:
                row = session.get(reasoning_store.TriageVerdictRow, int(verdict_id))
                # triage already linked the id it chose; a retry links the new one
                if row is not None and row.investigation_id != investigation_id:
                    row.investigation_id = investigation_id
                    session.commit()
        report: Any = None
        for event in record_investigation(
            self.investigator, self.sessions, self.clock, subject, alerts, investigation_id
        ):
            if self.on_event is not None:
                self.on_event(investigation_id, event)
            if event.kind == "report":
                report = event.payload.get("report")
        if self.escalation is not None and isinstance(report, dict):
            self.escalation.after_investigation(subject, investigation_id, report)

"""What runs after an alert is committed, as jobs: ``triage`` (every changed group) and
``investigate`` (groups triage called a signal). Each handler loads what it needs from the store,
calls the reasoning library, and records the outcome; the job queue decides where it runs."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from autoheal.clock import Clock, utc
from autoheal.domain.alerts import Alert, AlertGroup, AlertStatus, Severity
from autoheal.domain.investigation import InvestigationEvent
from autoheal.jobs import Job, JobQueue
from autoheal.jobs.scheduled import Scheduler
from autoheal.reasoning import store as reasoning_store
from autoheal.reasoning.engine import Investigator
from autoheal.reasoning.subjects import load_subject
from autoheal.reasoning.triage.sql_history import SqlAlertHistory
from autoheal.reasoning.triage.triager import Triage
from autoheal.store.alerts import AlertRepository

log = logging.getLogger(__name__)


def load_group(
    session: Session, group_id: int, active_seconds: float, clock: Clock
) -> tuple[AlertGroup, list[Alert]]:
    """The group and its alerts that still matter: firing ones, and those seen recently."""
    repo = AlertRepository(session)
    row = repo.get_group(group_id)
    alerts = repo.active_group_alerts(group_id, clock.now() - timedelta(seconds=active_seconds))
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
    prior: Sequence[Mapping[str, Any]] = (),
) -> Iterator[InvestigationEvent]:
    """Run an investigation and store every event as it streams (the CLI, API and jobs share it).
    The engine itself puts its reasoning steps in the audit trail (through the gateway).
    ``prior``: similar past incidents from the context graph (checked first, never findings)."""
    investigation_id = investigation_id or f"inv-{uuid.uuid4().hex[:12]}"
    with sessions() as session:
        reasoning_store.start_investigation(
            session, investigation_id, subject, [a.fingerprint for a in alerts], clock.now()
        )
        session.commit()
    seq = 0
    try:
        for event in investigator.run(subject, alerts, investigation_id=investigation_id, prior=prior):
            with sessions() as session:
                reasoning_store.append_event(session, investigation_id, seq, event)
                session.commit()
            seq += 1
            yield event
    except BaseException as exc:
        reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        with sessions() as session:
            reasoning_store.fail_investigation(session, investigation_id, clock.now(), reason, seq)
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
    investigate: bool = True  # False: triage only (pipeline.investigate)
    on_event: Callable[[str, InvestigationEvent], None] | None = None
    # the context graph: similar past incidents become the investigation's priors
    recall: Callable[[Sequence[Alert]], list[dict[str, Any]]] | None = None
    # incidents (autoheal.incidents.escalation.Escalation): the opening rules and the timeline
    escalation: Any | None = None
    # pipeline.hold_seconds: a signal is investigated once its group has fired this long
    hold_seconds: float = 0.0
    scheduler: Scheduler | None = None  # holds need it; without one, investigations start at once

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
            if self.investigate and verdict.needs_investigation and group.status is AlertStatus.FIRING:
                since = self.clock.now() - timedelta(seconds=self.reinvestigate_after_seconds)
                found = reasoning_store.open_investigation(session, group.key, group.fingerprints, since)
                reused = found is not None
                investigation_id = found or f"inv-{uuid.uuid4().hex[:12]}"
            verdict_id = reasoning_store.save_verdict(session, verdict, investigation_id=investigation_id)
            held_until = self._held_until(alerts) if investigation_id is not None and not reused else None
            if investigation_id is not None and not reused:
                payload: dict[str, Any] = {
                    "group_id": group_id,
                    "verdict_id": verdict_id,
                    "investigation_id": investigation_id,
                }
                # the verdict and its investigation job commit together (durable queue, or the
                # scheduled_jobs row of a held one)
                if held_until is not None and self.scheduler is not None:
                    payload["held_until"] = held_until.isoformat()
                    self.scheduler.schedule(session, "investigate", payload, held_until)
                else:
                    self.jobs.enqueue(session, "investigate", payload)
            session.commit()
        log.info(
            "triaged",
            extra={
                "group": group.key,
                "verdict": verdict.kind.value,
                "explanation": verdict.explanation,
                **({"investigation": investigation_id, "reused": reused} if investigation_id else {}),
                **({"held_until": held_until.isoformat()} if held_until else {}),
            },
        )
        if self.escalation is not None:
            self.escalation.after_triage(
                group,
                alerts,
                verdict,
                verdict_id=verdict_id,
                investigation_id=investigation_id,
                report_expected_at=held_until,
            )

    def _held_until(self, alerts: Sequence[Alert]) -> datetime | None:
        """When a group that fired only now may be investigated (``pipeline.hold_seconds`` after
        its earliest firing alert's ``startsAt``), or None: at once. The hold is what tells a
        transient episode from a fault: telemetry a minute into a short error spike and a minute
        into an outage look alike, and a report written then would blame whatever moved."""
        if self.hold_seconds <= 0 or self.scheduler is None:
            return None
        firing = [utc(a.starts_at) for a in alerts if a.status is AlertStatus.FIRING]
        if not firing:
            return None
        due = min(firing) + timedelta(seconds=self.hold_seconds)
        return due if due > self.clock.now() else None

    def _hold_over(self, job: Job, group_id: int, verdict_id: Any) -> bool:
        """A held investigation runs if its group is still firing and its current episode has
        lasted the hold. A group that resolved during the hold was transient: nothing is run, and
        its verdict no longer points at an investigation that will never exist (the triage of the
        resolution says what the episode was). A group that resolved and fired again is held anew
        from the new episode's start."""
        with self.sessions() as session:
            group, alerts = load_group(session, group_id, self.active_seconds, self.clock)
            due = self._held_until(alerts) if group.status is AlertStatus.FIRING else None
            if group.status is AlertStatus.FIRING and due is not None and self.scheduler is not None:
                self.scheduler.schedule(
                    session, "investigate", {**job.payload, "held_until": due.isoformat()}, due
                )
                session.commit()
                log.info("held investigation held again: the group fired anew", extra={"group": group.key})
                return False
            if group.status is AlertStatus.FIRING:
                return True
            if verdict_id is not None:
                verdict = session.get(reasoning_store.TriageVerdictRow, int(verdict_id))
                if verdict is not None:
                    verdict.investigation_id = None
                    session.commit()
        log.info(
            "held investigation not run: the group resolved during the hold",
            extra={"group": group.key, "hold_seconds": self.hold_seconds},
        )
        return False

    def _latest_attempt(self, verdict_id: Any) -> str | None:
        """The investigation the verdict links to now (a retry relinks it to its own attempt)."""
        if verdict_id is None:
            return None
        with self.sessions() as session:
            row = session.get(reasoning_store.TriageVerdictRow, int(verdict_id))
            return row.investigation_id if row is not None else None

    def _previous_attempt(self, investigation_id: str) -> dict[str, Any] | None:
        """What an earlier run of this job left under ``investigation_id``: None if it never
        started; its report if it finished (the worker died after writing it: the report is not
        written again); ``{}`` if it failed or was cut off. A ``running`` row here was cut off
        (kill -9 of its worker: the job engine hands a job on only once its worker is gone) and is
        marked failed, so it is not shown as running for ever."""
        with self.sessions() as session:
            row = session.get(reasoning_store.InvestigationRow, investigation_id)
            if row is None:
                return None
            if row.status == "finished" and isinstance(row.report, dict):
                return dict(row.report)
            if row.status == "running":
                reasoning_store.fail_investigation(
                    session,
                    investigation_id,
                    self.clock.now(),
                    "its worker stopped before it finished (killed or crashed); the job ran again",
                )
                session.commit()
            return {}

    def run_investigation(self, job: Job) -> None:
        group_id = int(job.payload["group_id"])
        investigation_id = job.payload.get("investigation_id")
        verdict_id = job.payload.get("verdict_id")
        if job.payload.get("held_until") and not self._hold_over(job, group_id, verdict_id):
            return
        with self.sessions() as session:
            subject, alerts = load_subject(session, f"group:{group_id}")
        investigation_id = self._latest_attempt(verdict_id) or investigation_id
        previous = self._previous_attempt(investigation_id) if investigation_id is not None else None
        if previous:  # the report exists: only what follows it runs again (idempotent)
            if self.escalation is not None:
                self.escalation.after_investigation(subject, str(investigation_id), previous)
            return
        if investigation_id is None or previous is not None:
            # a job queued before triage chose the id, or a retry after a failed or cut-off attempt
            investigation_id = f"inv-{uuid.uuid4().hex[:12]}"
        if verdict_id is not None:
            with self.sessions() as session:
                row = session.get(reasoning_store.TriageVerdictRow, int(verdict_id))
                # triage already linked the id it chose; a retry links the new one
                if row is not None and row.investigation_id != investigation_id:
                    row.investigation_id = investigation_id
                    session.commit()
        prior = self.recall(alerts) if self.recall is not None else []
        report: Any = None
        for event in record_investigation(
            self.investigator, self.sessions, self.clock, subject, alerts, investigation_id, prior
        ):
            if self.on_event is not None:
                self.on_event(investigation_id, event)
            if event.kind == "report":
                report = event.payload.get("report")
        if self.escalation is not None and isinstance(report, dict):
            self.escalation.after_investigation(subject, investigation_id, report)

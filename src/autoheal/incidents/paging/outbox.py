"""Paging: decide who is paged for an incident, keep every page in a durable outbox
(``incident_pages``), deliver it with retries, escalate the built-in on-call, and put every page
sent / acknowledged / escalated / failed on the incident's timeline.

    page(incident)          trigger rows in the outbox (``waiting`` until the investigation's root
                            cause is known, at most ``report_wait``; else ``pending``)
    release(incident, text) the root cause arrived: waiting rows get it and become due now
    tick()                  deliver due rows; retry 429/5xx/network failures with doubling backoff
                            (``paging.retry``); escalate unacknowledged built-in pages
    acknowledged / resolved incidents send ``acknowledge`` / ``resolve`` with the same dedup key

The time is the injected clock's; ``tick`` is called after each decision and by the server's
background ticker (``IncidentsRuntime.start_ticker``, an ``autoheal.ticker.Ticker``), never by sleeping in a test.

In **shadow mode** (``pipeline.mode: shadow``) every decision is taken and written to the outbox
as in live mode, but a due row is never handed to a pager: it becomes ``shadow`` and the incident's
timeline (and so the audit trail, as ``incident.would_page``) records the page that would have been
sent — provider, action, dedup key, target, summary.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from autoheal.clock import Clock, utc
from autoheal.incidents.config import PagingConfig
from autoheal.incidents.model import EventKind, Incident, IncidentSeverity, Source, TimelineEvent
from autoheal.incidents.paging.base import Delivery, PageMessage, Pager
from autoheal.incidents.paging.oncall import OnCall, OnCallDirectory
from autoheal.incidents.service import IncidentService
from autoheal.incidents.store import PageRow

log = logging.getLogger(__name__)

WAITING, PENDING, SENDING, SENT, FAILED, CANCELLED, SHADOW = (
    "waiting",
    "pending",
    "sending",
    "sent",
    "failed",
    "cancelled",
    "shadow",  # shadow mode: recorded as would_page, never sent
)
CLAIM_SECONDS = 60  # default of incidents.paging.claim_seconds: a row claimed by a process that died
# is due again after this


def dedup_key(incident_id: int) -> str:
    return f"autoheal-INC-{incident_id}"


class PagingService:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Clock,
        incidents: IncidentService,
        config: PagingConfig,
        directory: OnCallDirectory,
        pagers: dict[str, Pager],
        *,
        link: Callable[[int], str | None] = lambda _id: None,
        report_wait_seconds: float = 120.0,
        shadow: bool = False,
    ) -> None:
        self.sessions, self.clock, self.incidents, self.config = sessions, clock, incidents, config
        self.directory = directory
        self.pagers = pagers
        self._link = link
        self._report_wait = timedelta(seconds=report_wait_seconds)
        self._tick_lock = threading.Lock()
        self.shadow = shadow

    @property
    def provider(self) -> str:
        return self.config.provider

    def attach(self) -> None:
        """Follow the incidents: an acknowledgement or resolution is sent to the provider; an
        incident opened by hand is paged."""
        self.incidents.subscribe(
            self._on_event, kinds=[EventKind.ACKNOWLEDGED, EventKind.RESOLVED, EventKind.REOPENED]
        )
        self.incidents.subscribe(self._on_opened, kinds=[EventKind.OPENED])

    def _on_opened(self, event: TimelineEvent, incident: Incident) -> None:
        """An incident opened by hand (CLI, API, Slack) is paged like any other; the pipeline's
        own incidents are paged by the escalation, which may wait for the root cause."""
        if event.source != Source.PIPELINE:
            self.page(incident, f"{incident.title} (opened by {event.actor})")

    # --- deciding ---------------------------------------------------------------------------
    def should_page(self, incident: Incident) -> bool:
        return (
            self.provider != "none"
            and incident.severity.rank <= IncidentSeverity(self.config.min_severity).rank
            and incident.status.is_open
        )

    def page(
        self,
        incident: Incident,
        summary: str,
        *,
        wait_for_report: bool = False,
        report_expected_at: datetime | None = None,
    ) -> int:
        """Write the incident's trigger page(s); exactly once per incident (a second call adds
        nothing). A page waiting for the report waits ``report_wait`` from now, or from
        ``report_expected_at`` when the investigation is held until then. Returns the number of
        rows written."""
        if not self.should_page(incident):
            return 0
        now = self.clock.now()
        status = WAITING if wait_for_report else PENDING
        due = max(now, report_expected_at or now) + self._report_wait if wait_for_report else now
        with self.sessions() as session:
            exists = session.scalars(
                select(PageRow.id).where(PageRow.incident_id == incident.id, PageRow.action == "trigger")
            ).first()
            if exists is not None:
                return 0
            targets: list[str | None] = [None]
            if self.provider == "builtin":
                targets = [o.person for o in self._level_targets(incident, 0)]
                if not targets:
                    self._note_unpageable(incident, "nobody is on call for it (incidents.oncall)")
                    return 0
            for target in targets:
                session.add(self._row(incident, "trigger", summary, status, due, target=target, level=0))
            session.commit()
        self.tick()
        return len(targets)

    def release(self, incident_id: int, summary: str) -> None:
        """The root cause is known: waiting pages carry it and are due now."""
        with self.sessions() as session:
            session.execute(
                update(PageRow)
                .where(PageRow.incident_id == incident_id, PageRow.status == WAITING)
                .values(status=PENDING, summary=summary[:2000], next_attempt_at=self.clock.now())
            )
            session.commit()
        self.tick()

    def escalate(self, incident: Incident, *, actor: str, source: str) -> str:
        """A responder asks for more help. Built-in on-call: page the next level now. With
        PagerDuty / Opsgenie the provider escalates by its own policy; Autoheal re-sends the
        trigger one severity step higher (same dedup key). Returns what was done."""
        if self.provider == "builtin":
            level = self._current_level(incident.id)
            done = self._page_level(
                incident, level + 1, actor=actor, source=source, reason="escalated by hand"
            )
            self.tick()
            return done
        if self.provider == "none":
            return "no paging provider is configured"
        with self.sessions() as session:
            session.add(
                self._row(incident, "trigger", f"ESCALATED: {incident.title}", PENDING, self.clock.now())
            )
            session.commit()
        self.tick()
        return f"trigger re-sent to {self.provider} for {incident.ref}"

    # --- delivering -------------------------------------------------------------------------
    def tick(self) -> int:
        """Deliver what is due and escalate what waited too long; returns pages delivered."""
        with self._tick_lock:
            delivered = 0
            for row_id in self._due():
                if self._deliver(row_id):
                    delivered += 1
            self._escalate_due()
            return delivered

    def _due(self) -> list[int]:
        now = self.clock.now()
        with self.sessions() as session:
            return list(
                session.scalars(
                    select(PageRow.id)
                    .where(
                        or_(PageRow.status == PENDING, PageRow.status == SENDING, PageRow.status == WAITING),
                        PageRow.next_attempt_at <= now,
                    )
                    .order_by(PageRow.id)
                    .limit(100)
                )
            )

    def _deliver(self, row_id: int) -> bool:
        now = self.clock.now()
        with self.sessions() as session:
            claimed = session.execute(
                update(PageRow)
                .where(
                    PageRow.id == row_id,
                    PageRow.status.in_([PENDING, SENDING, WAITING]),
                    PageRow.next_attempt_at <= now,
                )
                .values(status=SENDING, next_attempt_at=now + timedelta(seconds=self.config.claim_seconds))
            )
            session.commit()
            if getattr(claimed, "rowcount", 1) != 1:
                return False  # another process has it
            row = session.get(PageRow, row_id)
            assert row is not None
            incident = self.incidents.get(row.incident_id)
            if self.shadow:
                row.status, row.attempts = SHADOW, row.attempts + 1
                data = {
                    "provider": row.provider,
                    "action": row.action,
                    "dedup_key": row.dedup_key,
                    "target": row.target,
                    "level": row.level,
                    "summary": row.summary[:300],
                    "mode": "shadow",
                }
                session.commit()
                self.incidents.append(
                    row.incident_id, EventKind.WOULD_PAGE, actor="autoheal", source=Source.PAGER, data=data
                )
                return False  # recorded, not delivered
            message = PageMessage(
                incident=incident.ref,
                dedup_key=row.dedup_key,
                action=row.action,
                summary=row.summary,
                severity=incident.severity.value,
                service=incident.service,
                link=self._link(incident.id),
                target=row.target,
            )
            pager = self.pagers.get(row.provider)
            result = (
                pager.deliver(message)
                if pager
                else Delivery(False, detail=f"no {row.provider} pager configured")
            )
            row.attempts += 1
            first_failure = row.last_error is None
            if result.ok:
                row.status, row.sent_at = SENT, self.clock.now()
            elif result.retry:
                backoff = min(
                    self.config.retry.max_seconds, self.config.retry.base_seconds * 2 ** (row.attempts - 1)
                )
                row.status, row.next_attempt_at = PENDING, self.clock.now() + timedelta(seconds=backoff)
                row.last_error = result.detail[:2000]
            else:
                row.status, row.last_error = FAILED, result.detail[:2000]
            session.commit()
            data = {
                "provider": row.provider,
                "action": row.action,
                "dedup_key": row.dedup_key,
                "target": row.target,
                "level": row.level,
                "attempts": row.attempts,
                "summary": row.summary[:300],
            }
        if result.ok:
            kind = {"trigger": EventKind.PAGE_SENT, "acknowledge": EventKind.PAGE_ACKNOWLEDGED}.get(
                row.action, EventKind.PAGE_RESOLVED
            )
            self.incidents.append(row.incident_id, kind, actor="autoheal", source=Source.PAGER, data=data)
            return True
        if first_failure or not result.retry:
            detail = {**data, "error": result.detail[:300], "will_retry": result.retry}
            self.incidents.append(
                row.incident_id, EventKind.PAGE_FAILED, actor="autoheal", source=Source.PAGER, data=detail
            )
        log.warning(
            "page not delivered",
            extra={
                "incident": incident.ref,
                "provider": row.provider,
                "error": result.detail[:200],
                "retry": result.retry,
            },
        )
        return False

    # --- built-in escalation ----------------------------------------------------------------
    def _escalate_due(self) -> None:
        if self.provider != "builtin":
            return
        now = self.clock.now()
        with self.sessions() as session:
            ids = sorted(
                set(
                    session.scalars(
                        select(PageRow.incident_id).where(
                            PageRow.provider == "builtin", PageRow.status == SENT
                        )
                    )
                )
            )
        for incident_id in ids:
            incident = self.incidents.get(incident_id)
            if incident.acknowledged_at is not None or not incident.status.is_open:
                continue
            policy = self.directory.policy_for(incident.service)
            if policy is None:
                continue
            level = self._current_level(incident_id)
            if level + 1 >= self.directory.levels(policy):
                continue  # the last level was paged: nothing further to escalate to
            since = self._level_paged_at(incident_id, level)
            if since is None or now < since + self.directory.delay(policy, level):
                continue
            minutes = self.directory.delay(policy, level).total_seconds() / 60
            self._page_level(
                incident,
                level + 1,
                actor="autoheal",
                source=Source.SYSTEM,
                reason=f"not acknowledged within {minutes:g} minutes",
            )
        # deliver what escalation wrote
        for row_id in self._due():
            self._deliver(row_id)

    def _page_level(self, incident: Incident, level: int, *, actor: str, source: str, reason: str) -> str:
        policy = self.directory.policy_for(incident.service)
        if policy is None:
            return f"no escalation policy for {incident.service!r}"
        if level >= self.directory.levels(policy):
            self.incidents.append(
                incident.id,
                EventKind.PAGE_FAILED,
                actor=actor,
                source=source,
                data={
                    "provider": "builtin",
                    "error": f"escalation policy {policy.name} has no level {level + 1}",
                    "will_retry": False,
                },
            )
            return f"policy {policy.name} has no further level"
        people = [o.person for o in self._level_targets(incident, level)]
        now = self.clock.now()
        with self.sessions() as session:
            for person in people:
                session.add(
                    self._row(
                        incident,
                        "trigger",
                        f"ESCALATED: {incident.title}",
                        PENDING,
                        now,
                        target=person,
                        level=level,
                    )
                )
            session.commit()
        self.incidents.append(
            incident.id,
            EventKind.PAGE_ESCALATED,
            actor=actor,
            source=source,
            data={
                "provider": "builtin",
                "policy": policy.name,
                "from_level": level,
                "to_level": level + 1,
                "targets": people,
                "reason": reason,
            },
        )
        return f"paged level {level + 1} of {policy.name}: {', '.join(people) or 'nobody on call'}"

    def _level_targets(self, incident: Incident, level: int) -> list[OnCall]:
        policy = self.directory.policy_for(incident.service)
        if policy is None:
            return []
        return list(self.directory.targets(policy, level, self.clock.now()))

    def _current_level(self, incident_id: int) -> int:
        with self.sessions() as session:
            levels = list(
                session.scalars(
                    select(PageRow.level).where(
                        PageRow.incident_id == incident_id,
                        PageRow.provider == "builtin",
                        PageRow.action == "trigger",
                    )
                )
            )
        return max(levels, default=-1)

    def _level_paged_at(self, incident_id: int, level: int) -> datetime | None:
        with self.sessions() as session:
            times = [
                utc(t)
                for t in session.scalars(
                    select(PageRow.sent_at).where(
                        PageRow.incident_id == incident_id,
                        PageRow.level == level,
                        PageRow.sent_at.is_not(None),
                    )
                )
                if t is not None
            ]
        return min(times, default=None)

    # --- following the incident -------------------------------------------------------------
    def _on_event(self, event: TimelineEvent, incident: Incident) -> None:
        if self.provider in ("none",):
            return
        with self.sessions() as session:
            triggered = session.scalars(
                select(PageRow.id).where(PageRow.incident_id == incident.id, PageRow.action == "trigger")
            ).first()
            if triggered is None:
                return  # never paged: nothing to acknowledge or resolve
            now = self.clock.now()
            if event.kind in (EventKind.ACKNOWLEDGED, EventKind.RESOLVED):
                # pages not yet out are no longer needed
                session.execute(
                    update(PageRow)
                    .where(
                        PageRow.incident_id == incident.id,
                        PageRow.action == "trigger",
                        PageRow.status.in_([WAITING, PENDING]),
                    )
                    .values(status=CANCELLED)
                )
            if self.provider != "builtin":
                action = {"acknowledged": "acknowledge", "resolved": "resolve", "reopened": "trigger"}[
                    event.kind
                ]
                text = f"{event.kind} by {event.actor}"
                session.add(
                    self._row(
                        incident,
                        action,
                        text if action != "trigger" else f"REOPENED: {incident.title}",
                        PENDING,
                        now,
                    )
                )
            session.commit()
        self.tick()

    def _note_unpageable(self, incident: Incident, why: str) -> None:
        self.incidents.append(
            incident.id,
            EventKind.PAGE_FAILED,
            actor="autoheal",
            source=Source.PAGER,
            data={
                "provider": self.provider,
                "error": f"cannot page {incident.ref}: {why}",
                "will_retry": False,
            },
        )

    def _row(
        self,
        incident: Incident,
        action: str,
        summary: str,
        status: str,
        due: datetime,
        *,
        target: str | None = None,
        level: int = 0,
    ) -> PageRow:
        now = self.clock.now()
        return PageRow(
            incident_id=incident.id,
            provider=self.provider,
            action=action,
            dedup_key=dedup_key(incident.id),
            target=target,
            level=level,
            summary=summary[:2000],
            status=status,
            attempts=0,
            created_at=now,
            next_attempt_at=due,
            sent_at=None,
            last_error=None,
        )

    def pages(self, incident_id: int) -> list[dict[str, object]]:
        with self.sessions() as session:
            rows = session.scalars(
                select(PageRow).where(PageRow.incident_id == incident_id).order_by(PageRow.id)
            )
            return [
                {
                    "id": r.id,
                    "provider": r.provider,
                    "action": r.action,
                    "target": r.target,
                    "level": r.level,
                    "status": r.status,
                    "attempts": r.attempts,
                    "dedup_key": r.dedup_key,
                    "sent_at": utc(r.sent_at).isoformat() if r.sent_at else None,
                    "last_error": r.last_error,
                }
                for r in rows
            ]

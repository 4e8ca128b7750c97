"""The incident service: every change to an incident goes through here, and each change appends
exactly one timeline event in the same transaction (see the package docstring for the API).

Concurrency: a change first takes the incident row's write lock (``UPDATE incidents ... WHERE id``),
then reads the status, so two responders acting at once are serialised on SQLite and PostgreSQL
alike and ``seq`` never repeats. Listeners run after the commit, in the caller's thread; a listener
that raises is logged (with its name) and does not undo the committed change or stop the others.
"""

from __future__ import annotations

import builtins
import logging
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from autoheal.clock import Clock, utc
from autoheal.errors import ConflictError, InputError, NotFoundError
from autoheal.incidents.model import (
    NOTE_KINDS,
    TRANSITIONS,
    EventKind,
    Incident,
    IncidentRole,
    IncidentSeverity,
    Source,
    Status,
    TimelineEvent,
    check_kind,
    check_transition,
    incident_ref,
    parse_ref,
)
from autoheal.incidents.store import (
    IncidentEventRow,
    IncidentGroupRow,
    IncidentRoleRow,
    IncidentRow,
    event_from_row,
    incident_from_row,
)

log = logging.getLogger(__name__)

Listener = Callable[[TimelineEvent, Incident], None]
MAX_TEXT = 4000


class TextRedactor(Protocol):
    def redact_text(self, text: str) -> str: ...


class AuditSink(Protocol):
    def append(self, kind: str, actor: str, payload: Mapping[str, Any]) -> Any: ...


@dataclass
class _Subscription:
    callback: Listener
    kinds: frozenset[str] | None


class _Writer:
    """What one change may do to a locked incident row: append events (each gets the next seq)."""

    def __init__(self, session: Session, row: IncidentRow, service: IncidentService) -> None:
        self.session, self.row, self._service = session, row, service
        self.events: list[IncidentEventRow] = []

    def emit(self, kind: str, actor: str, source: str, data: Mapping[str, Any] | None = None) -> None:
        now = self._service.clock.now()
        self.row.last_seq += 1
        self.row.updated_at = now
        event = IncidentEventRow(
            incident_id=self.row.id,
            seq=self.row.last_seq,
            at=now,
            actor=_short(actor, "actor"),
            source=_short(source, "source", 32),
            kind=check_kind(str(kind)),
            data=self._service._clean(dict(data or {})),
        )
        self.session.add(event)
        self.events.append(event)


def _short(value: str, what: str, limit: int = 256) -> str:
    value = str(value).strip()
    if not value:
        raise InputError(f"a timeline event needs a {what}")
    return value[:limit]


class IncidentService:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Clock,
        *,
        redactor: TextRedactor | None = None,
        audit: AuditSink | None = None,
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self._redactor = redactor
        self._audit = audit
        self._subscriptions: list[_Subscription] = []
        self._lock = threading.Lock()

    # --- listeners --------------------------------------------------------------------------
    def subscribe(self, callback: Listener, kinds: Iterable[str] | None = None) -> Callable[[], None]:
        """Call ``callback(event, incident)`` after each committed event (of ``kinds``, if given)
        in this process. Returns a function that unsubscribes. Other processes poll
        :meth:`events_after` instead."""
        sub = _Subscription(callback, frozenset(str(k) for k in kinds) if kinds is not None else None)
        with self._lock:
            self._subscriptions.append(sub)

        def unsubscribe() -> None:
            with self._lock:
                if sub in self._subscriptions:
                    self._subscriptions.remove(sub)

        return unsubscribe

    def _notify(self, events: Sequence[TimelineEvent], incident: Incident) -> None:
        with self._lock:
            subs = list(self._subscriptions)
        for event in events:
            for sub in subs:
                if sub.kinds is not None and event.kind not in sub.kinds:
                    continue
                try:
                    sub.callback(event, incident)
                except Exception:
                    log.exception(
                        "incident listener failed",
                        extra={
                            "listener": getattr(sub.callback, "__qualname__", repr(sub.callback)),
                            "incident": incident.ref,
                            "kind": event.kind,
                        },
                    )

    # --- reading ----------------------------------------------------------------------------
    def get(self, ref: str | int) -> Incident:
        with self.sessions() as session:
            return self._load(session, self._row(session, parse_ref(ref)))

    def list(
        self,
        *,
        status: Status | None = None,
        open_only: bool = False,
        service: str | None = None,
        limit: int = 50,
    ) -> builtins.list[Incident]:
        """Newest first."""
        with self.sessions() as session:
            query = select(IncidentRow).order_by(IncidentRow.id.desc()).limit(max(1, min(limit, 1000)))
            if status is not None:
                query = query.where(IncidentRow.status == status.value)
            if open_only:
                query = query.where(IncidentRow.status != Status.RESOLVED.value)
            if service:
                query = query.where(IncidentRow.service == service)
            return [self._load(session, row) for row in session.scalars(query)]

    def timeline(
        self, ref: str | int, *, after_seq: int = 0, kinds: Iterable[str] | None = None
    ) -> builtins.list[TimelineEvent]:
        incident_id = parse_ref(ref)
        with self.sessions() as session:
            self._row(session, incident_id)
            query = (
                select(IncidentEventRow)
                .where(IncidentEventRow.incident_id == incident_id, IncidentEventRow.seq > after_seq)
                .order_by(IncidentEventRow.seq)
            )
            if kinds is not None:
                query = query.where(IncidentEventRow.kind.in_([str(k) for k in kinds]))
            return [event_from_row(r) for r in session.scalars(query)]

    def events_after(
        self, cursor: int = 0, *, kinds: Iterable[str] | None = None, limit: int = 500
    ) -> builtins.list[TimelineEvent]:
        """Every incident's events with ``id > cursor``, oldest first: poll with the last id seen."""
        with self.sessions() as session:
            query = (
                select(IncidentEventRow)
                .where(IncidentEventRow.id > cursor)
                .order_by(IncidentEventRow.id)
                .limit(max(1, min(limit, 5000)))
            )
            if kinds is not None:
                query = query.where(IncidentEventRow.kind.in_([str(k) for k in kinds]))
            return [event_from_row(r) for r in session.scalars(query)]

    def open_for_group(self, group_key: str) -> Incident | None:
        """The open incident covering this alert group, if any (the newest)."""
        with self.sessions() as session:
            row = session.scalars(
                select(IncidentRow)
                .join(IncidentGroupRow, IncidentGroupRow.incident_id == IncidentRow.id)
                .where(IncidentGroupRow.group_key == group_key, IncidentRow.status != Status.RESOLVED.value)
                .order_by(IncidentRow.id.desc())
                .limit(1)
            ).first()
            return self._load(session, row) if row is not None else None

    # --- changing ---------------------------------------------------------------------------
    def open(
        self,
        title: str,
        *,
        severity: IncidentSeverity,
        actor: str,
        source: str,
        service: str | None = None,
        group_keys: Sequence[str] = (),
        summary: str = "",
        investigation_id: str | None = None,
        data: Mapping[str, Any] | None = None,
    ) -> Incident:
        """Open an incident (status ``triggered``); its first event is ``opened``."""
        title = self._text(title, "title", 512)
        if not title:
            raise InputError("an incident needs a title")
        now = self.clock.now()
        with self.sessions() as session:
            row = IncidentRow(
                title=title,
                status=Status.TRIGGERED.value,
                severity=IncidentSeverity(severity).value,
                service=(service or None),
                summary=self._text(summary, "summary"),
                opened_at=now,
                opened_by=_short(actor, "actor"),
                updated_at=now,
                investigation_id=investigation_id,
                last_seq=0,
            )
            session.add(row)
            session.flush()
            for key in dict.fromkeys(group_keys):
                session.add(IncidentGroupRow(incident_id=row.id, group_key=key, joined_at=now))
            writer = _Writer(session, row, self)
            writer.emit(
                EventKind.OPENED,
                actor,
                source,
                {
                    "title": title,
                    "severity": row.severity,
                    "service": row.service,
                    "group_keys": list(dict.fromkeys(group_keys)),
                    **dict(data or {}),
                },
            )
            return self._commit(session, writer)

    def append(
        self, ref: str | int, kind: str, *, actor: str, source: str, data: Mapping[str, Any] | None = None
    ) -> TimelineEvent:
        """Append any event (e.g. ``investigation_finding``, ``page_sent``, another area's kind)."""
        incident_id = parse_ref(ref)
        with self.sessions() as session:
            writer = self._writer(session, incident_id)
            writer.emit(kind, actor, source, data)
            self._commit(session, writer)
            return event_from_row(writer.events[-1])

    def add_note(
        self, ref: str | int, text: str, *, actor: str, source: str, kind: str = EventKind.NOTE
    ) -> TimelineEvent:
        """A responder's words: ``note``, ``checked``, ``ruled_out``, ``hypothesis`` (``text`` in data)."""
        if kind not in NOTE_KINDS:
            raise InputError(f"unknown note kind {kind!r}: one of {', '.join(NOTE_KINDS)}")
        text = self._text(text, "note")
        if not text:
            raise InputError("a note needs some text")
        return self.append(ref, kind, actor=actor, source=source, data={"text": text})

    def transition(
        self, ref: str | int, to: Status, *, actor: str, source: str, reason: str = ""
    ) -> Incident:
        """Move along the transition table or raise :class:`IllegalTransition` (nothing changes).
        The event is ``resolved`` / ``reopened`` for those targets, else ``status_changed``."""
        to = Status(to)
        incident_id = parse_ref(ref)
        with self.sessions() as session:
            writer = self._writer(session, incident_id)
            current = Status(writer.row.status)
            check_transition(incident_ref(incident_id), current, to)
            self._apply_status(writer.row, to, actor)
            kind = {Status.RESOLVED: EventKind.RESOLVED, Status.REOPENED: EventKind.REOPENED}.get(
                to, EventKind.STATUS_CHANGED
            )
            data: dict[str, Any] = {"from": current.value, "to": to.value}
            if reason:
                data["reason"] = self._text(reason, "reason")
            writer.emit(kind, actor, source, data)
            return self._commit(session, writer)

    def ack(self, ref: str | int, *, actor: str, source: str) -> Incident:
        """Acknowledge: records who and when; a ``triggered`` or ``reopened`` incident becomes
        ``investigating``.
        Acknowledging an acknowledged incident changes nothing (pager and Slack may both ack)."""
        incident_id = parse_ref(ref)
        with self.sessions() as session:
            writer = self._writer(session, incident_id)
            row = writer.row
            current = Status(row.status)
            if current is Status.RESOLVED:
                raise ConflictError(f"incident {incident_ref(incident_id)} is resolved; reopen it first")
            if row.acknowledged_at is not None:
                session.rollback()
                return self.get(incident_id)
            row.acknowledged_at = self.clock.now()
            row.acknowledged_by = _short(actor, "actor")
            data: dict[str, Any] = {"from": current.value, "to": current.value}
            if current in (Status.TRIGGERED, Status.REOPENED):
                self._apply_status(row, Status.INVESTIGATING, actor)
                data["to"] = Status.INVESTIGATING.value
            data["seconds_to_ack"] = round((row.acknowledged_at - utc(row.opened_at)).total_seconds(), 3)
            writer.emit(EventKind.ACKNOWLEDGED, actor, source, data)
            return self._commit(session, writer)

    def resolve(
        self,
        ref: str | int,
        *,
        actor: str,
        source: str,
        summary: str = "",
        cause: str | None = None,
        noise: bool = False,
    ) -> Incident:
        """A human resolves the incident (the alerts' own resolve never does). ``noise``: the
        person closes it as noise (the alert was not actionable; the ``resolved`` event carries
        ``"outcome": "noise"``), which the context graph learns for triage (docs/graph.md)."""
        incident_id = parse_ref(ref)
        with self.sessions() as session:
            writer = self._writer(session, incident_id)
            current = Status(writer.row.status)
            check_transition(incident_ref(incident_id), current, Status.RESOLVED)
            self._apply_status(writer.row, Status.RESOLVED, actor)
            data: dict[str, Any] = {"from": current.value, "to": Status.RESOLVED.value}
            if summary:
                writer.row.summary = data["summary"] = self._text(summary, "summary")
            if cause:
                writer.row.cause = data["cause"] = self._text(cause, "cause", 1000)
            if noise:
                data["outcome"] = "noise"
            writer.emit(EventKind.RESOLVED, actor, source, data)
            return self._commit(session, writer)

    def reopen(self, ref: str | int, *, actor: str, source: str, reason: str = "") -> Incident:
        return self.transition(ref, Status.REOPENED, actor=actor, source=source, reason=reason)

    def assign(self, ref: str | int, role: IncidentRole, person: str, *, actor: str, source: str) -> Incident:
        """Give ``person`` a role. Commander and scribe are one person each (the new one replaces
        the old); responders accumulate. Assigning a role someone already has changes nothing."""
        role = IncidentRole(role)
        person = _short(person, "person")
        incident_id = parse_ref(ref)
        with self.sessions() as session:
            writer = self._writer(session, incident_id)
            existing = list(
                session.scalars(
                    select(IncidentRoleRow).where(
                        IncidentRoleRow.incident_id == incident_id, IncidentRoleRow.role == role.value
                    )
                )
            )
            if any(r.person == person for r in existing):
                session.rollback()
                return self.get(incident_id)
            replaced = []
            if role is not IncidentRole.RESPONDER:
                for r in existing:
                    replaced.append(r.person)
                    session.delete(r)
            session.add(
                IncidentRoleRow(
                    incident_id=incident_id,
                    role=role.value,
                    person=person,
                    assigned_at=self.clock.now(),
                    assigned_by=_short(actor, "actor"),
                )
            )
            writer.emit(
                EventKind.ROLE_ASSIGNED,
                actor,
                source,
                {"role": role.value, "person": person, "replaced": replaced},
            )
            return self._commit(session, writer)

    def set_severity(
        self, ref: str | int, severity: IncidentSeverity, *, actor: str, source: str, reason: str = ""
    ) -> Incident:
        severity = IncidentSeverity(severity)
        incident_id = parse_ref(ref)
        with self.sessions() as session:
            writer = self._writer(session, incident_id)
            before = writer.row.severity
            if before == severity.value:
                session.rollback()
                return self.get(incident_id)
            writer.row.severity = severity.value
            data: dict[str, Any] = {"from": before, "to": severity.value}
            if reason:
                data["reason"] = self._text(reason, "reason")
            writer.emit(EventKind.SEVERITY_CHANGED, actor, source, data)
            return self._commit(session, writer)

    def join_group(
        self,
        ref: str | int,
        group_key: str,
        *,
        actor: str = "autoheal",
        source: str = Source.PIPELINE,
        data: Mapping[str, Any] | None = None,
    ) -> bool:
        """Put an alert group under the incident (``alert_joined``); False if it already is."""
        incident_id = parse_ref(ref)
        with self.sessions() as session:
            writer = self._writer(session, incident_id)
            exists = session.scalars(
                select(IncidentGroupRow.id).where(
                    IncidentGroupRow.incident_id == incident_id, IncidentGroupRow.group_key == group_key
                )
            ).first()
            if exists is not None:
                session.rollback()
                return False
            session.add(
                IncidentGroupRow(incident_id=incident_id, group_key=group_key, joined_at=self.clock.now())
            )
            writer.emit(EventKind.ALERT_JOINED, actor, source, {"group_key": group_key, **dict(data or {})})
            self._commit(session, writer)
            return True

    def decide_hypothesis(
        self,
        ref: str | int,
        hypothesis_id: str,
        *,
        confirm: bool,
        actor: str,
        source: str,
        causes: Sequence[Mapping[str, Any]] | None = None,
    ) -> Mapping[str, Any]:
        """Confirm or reject one of the incident's hypotheses (Slack, the console and the API share
        this). ``causes`` (the shape of ``findings.findings_from_report``) default to the latest
        findings on the timeline; an id not among them is an :class:`InputError` and nothing
        changes. A confirmation records the cause and moves the incident to identified when the
        lifecycle allows (not back from mitigated). Returns the decided cause."""
        from autoheal.incidents.findings import latest_findings

        incident = self.get(ref)
        if causes is None:
            causes = (latest_findings(self.timeline(incident.id)) or {}).get("causes", [])
        cause = next((c for c in causes if str(c.get("hypothesis_id")) == hypothesis_id), None)
        if cause is None:
            raise InputError(
                f"{incident.ref} has no hypothesis {hypothesis_id!r} in its findings; nothing was changed"
            )
        data = {k: cause.get(k) for k in ("hypothesis_id", "service", "kind", "statement", "confidence")}
        kind = EventKind.HYPOTHESIS_CONFIRMED if confirm else EventKind.HYPOTHESIS_REJECTED
        self.append(incident.id, kind, actor=actor, source=source, data=data)
        if confirm:
            self.set_cause(incident.id, str(cause.get("statement") or cause.get("kind")))
            current = self.get(incident.id)
            if Status.IDENTIFIED in TRANSITIONS[current.status] and current.status is not Status.MITIGATED:
                self.transition(
                    incident.id, Status.IDENTIFIED, actor=actor, source=source, reason="hypothesis confirmed"
                )
        return cause

    def set_cause(self, ref: str | int, cause: str, *, investigation_id: str | None = None) -> None:
        """The one-line root cause and the investigation behind it (no event: the caller appends
        the ``investigation_finding`` that carries the evidence)."""
        incident_id = parse_ref(ref)
        with self.sessions() as session:
            row = self._row(session, incident_id)
            row.cause = self._text(cause, "cause", 1000)
            if investigation_id:
                row.investigation_id = investigation_id
            session.commit()

    # --- internals --------------------------------------------------------------------------
    def _row(self, session: Session, incident_id: int) -> IncidentRow:
        row = session.get(IncidentRow, incident_id)
        if row is None:
            raise NotFoundError(f"no incident {incident_ref(incident_id)}", incident=incident_id)
        return row

    def _writer(self, session: Session, incident_id: int) -> _Writer:
        # take the row's write lock before reading its status (see the module docstring)
        result = session.execute(
            update(IncidentRow).where(IncidentRow.id == incident_id).values(last_seq=IncidentRow.last_seq)
        )
        if getattr(result, "rowcount", 1) == 0:
            raise NotFoundError(f"no incident {incident_ref(incident_id)}", incident=incident_id)
        row = session.scalars(
            select(IncidentRow).where(IncidentRow.id == incident_id).execution_options(populate_existing=True)
        ).one()
        return _Writer(session, row, self)

    def _apply_status(self, row: IncidentRow, to: Status, actor: str) -> None:
        now = self.clock.now()
        row.status = to.value
        if to is Status.MITIGATED and row.mitigated_at is None:
            row.mitigated_at = now
        if to is Status.RESOLVED:
            row.resolved_at, row.resolved_by = now, _short(actor, "actor")
        if to is Status.REOPENED:  # it needs someone again
            row.resolved_at, row.resolved_by, row.mitigated_at = None, None, None
            row.acknowledged_at, row.acknowledged_by = None, None

    def _commit(self, session: Session, writer: _Writer) -> Incident:
        session.flush()
        events = [event_from_row(e) for e in writer.events]
        incident = self._load(session, writer.row)
        session.commit()
        self._record_audit(events)
        self._notify(events, incident)
        return incident

    def _record_audit(self, events: Sequence[TimelineEvent]) -> None:
        if self._audit is None:
            return
        for e in events:
            if e.source in (Source.PIPELINE, Source.SYSTEM):
                continue  # machine events are audited where they happen; people's actions here
            self._audit.append(
                f"incident.{e.kind}",
                e.actor,
                {"incident": incident_ref(e.incident_id), "seq": e.seq, **e.data},
            )

    def _load(self, session: Session, row: IncidentRow) -> Incident:
        groups = list(session.scalars(select(IncidentGroupRow).where(IncidentGroupRow.incident_id == row.id)))
        roles = list(session.scalars(select(IncidentRoleRow).where(IncidentRoleRow.incident_id == row.id)))
        return incident_from_row(row, groups, roles)

    def _text(self, text: str | None, what: str, limit: int = MAX_TEXT) -> str:
        if text is None:
            return ""
        if not isinstance(text, str):
            raise InputError(f"{what} must be text")
        text = text.strip()
        if len(text) > limit:
            raise InputError(f"{what} is {len(text)} characters; at most {limit}")
        return self._redactor.redact_text(text) if self._redactor is not None else text

    def _clean(self, data: dict[str, Any]) -> dict[str, Any]:
        """Redact free text carried in events (``text``, ``title``, ``summary``, ``reason``)."""
        if self._redactor is None:
            return data
        for key in ("text", "title", "summary", "reason", "cause"):
            if isinstance(data.get(key), str):
                data[key] = self._redactor.redact_text(data[key])
        return data

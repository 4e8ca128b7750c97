"""The running app learns into the graph by itself: a resolved incident becomes memory at once.

:class:`IncidentLearner` is an incident listener (``IncidentService.subscribe(..., kinds=["resolved"])``,
wired in :mod:`autoheal.app`). Slack buttons and slash commands, the console, ``autoheal incidents
resolve`` and the API all resolve through ``IncidentService.resolve`` / ``transition``, which emit
the one ``resolved`` event this reacts to. From the incident it builds the
:class:`~autoheal.graph.learn.IncidentRecord`:

* **alerts**: every alert of the incident's alert groups (``incident_groups``);
* **investigation**: the report of the investigation whose finding a responder confirmed, else the
  incident's latest (``investigation_id``); its ranked and refuted hypotheses with their evidence;
* **decision trace**: the timeline's human events as typed steps (:mod:`autoheal.decisions.trace`);
  a rejected hypothesis is a ``ruled_out`` step;
* **root cause**: the last hypothesis a person *confirmed* (and did not reject afterwards), with its
  service, kind and component. Without a confirmation the incident is still learned (found by its
  alerts, its steps kept) but has no root cause, so it is never offered as a prior: the app does
  not turn its own unconfirmed finding into memory;
* **outcome**: ``noise`` when the person who resolved it closed it as noise (``resolve(...,
  noise=True)``: ``autoheal incidents resolve --noise``, the API's ``"noise": true``), with who and
  their summary; such an incident has no root cause. Triage reads these (:mod:`autoheal.graph.noise`).

:func:`change_feed` is the other half of validity in the running app: before each recall, the
changes the app knows of (the change store: ``POST /api/v1/changes``, the embedded telemetry) on the
alerts' services are recorded in the graph, so a deploy since a lesson lowers it (idempotent).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from autoheal.clock import utc
from autoheal.decisions.trace import services_of, trace
from autoheal.domain.alerts import Alert
from autoheal.graph.learn import IncidentRecord, RootCause
from autoheal.graph.memory import Memory

log = logging.getLogger(__name__)

CHANGE_LOOKBACK = timedelta(days=90)  # changes older than this are not re-read before a recall


class Timeline(Protocol):
    def get(self, ref: str | int) -> Any: ...
    def timeline(self, ref: str | int) -> list[Any]: ...


class ChangeSource(Protocol):
    def changes(self, *, start: datetime, end: datetime, service: str | None = None) -> list[Any]: ...


def confirmed_cause(events: Sequence[Any]) -> Mapping[str, Any] | None:
    """The last confirmed hypothesis not rejected after it (events oldest first)."""
    decided: dict[str, tuple[bool, Mapping[str, Any]]] = {}
    order: list[str] = []
    for e in events:
        if e.kind not in ("hypothesis_confirmed", "hypothesis_rejected"):
            continue
        hid = str(e.data.get("hypothesis_id") or "")
        decided[hid] = (e.kind == "hypothesis_confirmed", e.data)
        order = [h for h in order if h != hid] + [hid]
    for hid in reversed(order):
        ok, data = decided[hid]
        if ok and data.get("service") and data.get("kind"):
            return data
    return None


def closed_as_noise(event: Any) -> bool:
    """A ``resolved`` event in which a person (not Autoheal, the pipeline, a pager or the system)
    closed the incident as noise (``"outcome": "noise"``)."""
    from autoheal.decisions.trace import NOT_PEOPLE

    person = event.source not in NOT_PEOPLE and event.actor != "autoheal"
    return person and (event.data or {}).get("outcome") == "noise"


def _investigation_of(events: Sequence[Any], hypothesis_id: str | None, fallback: str | None) -> str | None:
    """The investigation whose finding holds ``hypothesis_id`` (the newest), else ``fallback``."""
    findings = [e for e in events if e.kind == "investigation_finding"]
    if hypothesis_id:
        for e in reversed(findings):
            if any(str(c.get("hypothesis_id")) == hypothesis_id for c in e.data.get("causes") or []):
                return str(e.data.get("investigation_id") or "") or fallback
    if fallback:
        return fallback
    return str(findings[-1].data.get("investigation_id") or "") or None if findings else None


def _report_services(report: Mapping[str, Any]) -> list[str]:
    out = [str(report["services"][i]) for i in range(len(report.get("services") or []))]
    for section in ("causes", "ruled_out"):
        for c in report.get(section) or []:
            service = (c.get("hypothesis") or {}).get("service")
            if service:
                out.append(str(service))
    return out


def _component(report: Mapping[str, Any], hypothesis_id: str | None) -> str | None:
    for c in report.get("causes") or []:
        h = c.get("hypothesis") or {}
        if hypothesis_id and str(h.get("id")) == hypothesis_id:
            return str(h["component"]) if h.get("component") else None
    return None


class IncidentLearner:
    """Turns a resolved incident into an :class:`IncidentRecord` and learns it (see the module)."""

    def __init__(self, memory: Memory, sessions: sessionmaker[Session], incidents: Timeline) -> None:
        self.memory, self.sessions, self.incidents = memory, sessions, incidents

    def __call__(self, event: Any, incident: Any) -> None:
        if event.kind != "resolved":
            return
        record = self.record(incident.id)
        self.memory.learn(record)
        log.info(
            "incident learned into the context graph",
            extra={
                "incident": record.key,
                "alerts": len(record.alerts),
                "steps": len(record.steps),
                "root_cause": record.root_cause.to_dict() if record.root_cause else None,
            },
        )

    def record(self, ref: str | int) -> IncidentRecord:
        incident = self.incidents.get(ref)
        events = self.incidents.timeline(incident.id)
        alerts = self._alerts(incident.group_keys)
        confirmed = confirmed_cause(events)
        hypothesis_id = str(confirmed.get("hypothesis_id")) if confirmed else None
        investigation = _investigation_of(events, hypothesis_id, incident.investigation_id)
        report = self._report(investigation) if investigation else {}
        names = sorted(
            self._services()
            | set(_report_services(report))
            | ({incident.service} if incident.service else set())
        )
        closing = next((e for e in reversed(events) if e.kind == "resolved"), None)
        noise = closing is not None and closed_as_noise(closing)
        cause = None
        if confirmed and not noise:
            cause = RootCause(
                service=str(confirmed["service"]),
                kind=str(confirmed["kind"]),
                component=_component(report, hypothesis_id),
                confirmed_by=next(
                    (e.actor for e in reversed(events) if e.kind == "hypothesis_confirmed"), "responder"
                ),
            )
        return IncidentRecord(
            key=incident.ref,
            title=incident.title,
            opened_at=utc(incident.opened_at),
            resolved_at=utc(incident.resolved_at or events[-1].at),
            alerts=alerts,
            report=report,
            steps=trace(events, services_of(names)),
            root_cause=cause,
            outcome="noise" if noise else "incident",
            closed_by=closing.actor if closing is not None else None,
            closed_reason=str((closing.data or {}).get("summary") or "") if closing is not None else "",
        )

    def _alerts(self, group_keys: Sequence[str]) -> list[Alert]:
        from autoheal.store.alerts import alert_from_row
        from autoheal.store.models import AlertGroupRow, AlertRow

        if not group_keys:
            return []
        with self.sessions() as session:
            ids = list(
                session.scalars(select(AlertGroupRow.id).where(AlertGroupRow.key.in_(list(group_keys))))
            )
            rows = session.scalars(select(AlertRow).where(AlertRow.group_id.in_(ids)).order_by(AlertRow.id))
            return [alert_from_row(r) for r in rows] if ids else []

    def _services(self) -> set[str]:
        """The services alerts have named: what a responder's steps may mention (as the CLI's trace)."""
        from autoheal.store.models import AlertRow

        with self.sessions() as session:
            return {str(s) for s in session.scalars(select(AlertRow.service).distinct()) if s}

    def _report(self, investigation_id: str) -> dict[str, Any]:
        from autoheal.reasoning.store import InvestigationRow

        with self.sessions() as session:
            row = session.get(InvestigationRow, investigation_id)
            return dict(row.report) if row is not None and row.report else {}


def change_feed(memory: Memory, source: ChangeSource) -> Callable[[Sequence[Alert], datetime], None]:
    """Record the known changes of the alerts' services up to ``now`` in the graph (idempotent)."""

    def feed(alerts: Sequence[Alert], now: datetime) -> None:
        for service in sorted({a.service for a in alerts if a.service}):
            for change in source.changes(start=now - CHANGE_LOOKBACK, end=now, service=service):
                memory.change(
                    change.service,
                    utc(change.at),
                    change_id=str(change.id),
                    kind=str(getattr(change.kind, "value", change.kind)),
                    summary=str(change.summary or ""),
                    version=change.version,
                )

    return feed

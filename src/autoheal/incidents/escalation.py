"""From the alert pipeline to incidents: the opening rules of ``incidents.open`` and what the
triage and investigation jobs put on an incident's timeline.

* After triage (``after_triage``): if the group belongs to an open incident, its new alerts join
  it (``alert_joined``), a changed verdict goes on the timeline (``triage_verdict``), and the
  group's resolve is recorded (``group_resolved``) without closing the incident — a human
  resolves it. Otherwise the rules decide whether to open one:
    - a verdict of signal on a group at or above ``signal_min_severity``;
    - ``alerts_in_window``: N alerts of the group first seen within the window (not for noise);
  a noise verdict never opens an incident and never pages.
* When triage could not assess a group (``triage_failed``): with ``unassessed: true`` an incident
  is opened and paged at once (errs on the side of paging).
* After the investigation (``after_investigation``): the findings go on the timeline
  (``investigation_finding``), the one-line root cause is set, and the page that waited for it is
  released carrying it and a link to the report.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from autoheal.clock import Clock, utc
from autoheal.domain.alerts import Alert, AlertGroup, AlertStatus, Severity
from autoheal.incidents.config import IncidentsConfig
from autoheal.incidents.findings import findings_from_report
from autoheal.incidents.model import EventKind, Incident, Source, severity_for
from autoheal.incidents.paging.outbox import PagingService
from autoheal.incidents.service import IncidentService

log = logging.getLogger(__name__)
ACTOR = "autoheal"


class Escalation:
    def __init__(
        self,
        incidents: IncidentService,
        config: IncidentsConfig,
        clock: Clock,
        paging: PagingService | None = None,
        *,
        link: Callable[[int], str | None] = lambda _id: None,
        report_of: Callable[[str], Mapping[str, Any] | None] = lambda _id: None,
    ) -> None:
        """``report_of(investigation_id)``: the finished report, or None while it runs."""
        self.incidents, self.config, self.clock, self.paging = incidents, config, clock, paging
        self._link = link
        self._report_of = report_of

    # --- triage -------------------------------------------------------------------------------
    def after_triage(
        self,
        group: AlertGroup,
        alerts: Sequence[Alert],
        verdict: Any,
        *,
        verdict_id: int | None = None,
        investigation_id: str | None = None,
        report_expected_at: datetime | None = None,
    ) -> Incident | None:
        """``investigation_id``: the investigation triage asked for (or reused), whose report the
        page waits for; with an inline job queue it has already finished, and its report is
        applied at once. ``report_expected_at``: when a held investigation starts
        (``pipeline.hold_seconds``); the page waits for its report from then."""
        existing = self.incidents.open_for_group(group.key)
        if existing is not None:
            self._follow(existing, group, alerts, verdict, verdict_id)
            return existing
        if not self.config.enabled or group.status is not AlertStatus.FIRING:
            return None
        reason = self.opening_reason(group, alerts, verdict)
        if reason is None:
            return None
        incident = self._open(group, alerts, reason, score=float(getattr(verdict, "score", 0.0) or 0.0))
        self._record_verdict(incident, verdict, verdict_id)
        report = self._report_of(investigation_id) if investigation_id else None
        if self.paging is not None:
            summary = f"{incident.title}: {getattr(verdict, 'explanation', reason)}"
            self.paging.page(
                incident,
                summary,
                wait_for_report=investigation_id is not None,
                report_expected_at=report_expected_at,
            )
        if investigation_id and report is not None:
            return self.after_investigation(group.key, investigation_id, report)
        return incident

    def opening_reason(self, group: AlertGroup, alerts: Sequence[Alert], verdict: Any) -> str | None:
        """Why the rules open an incident for this group now, or None."""
        kind = str(getattr(verdict, "kind", ""))
        if kind == "noise":
            return None
        rules = self.config.open
        minimum = rules.signal_min_severity
        if kind == "signal" and minimum is not None and group.severity.rank >= Severity(minimum).rank:
            return f"triage verdict signal on a {group.severity.value} alert (rule: signal at or above {minimum.value})"
        window = rules.alerts_in_window
        if window is not None:
            since = self.clock.now() - timedelta(seconds=window.window_seconds)
            recent = [a for a in alerts if utc(a.starts_at) >= since]
            if len(recent) >= window.count:
                return f"{len(recent)} alerts within {window.window_seconds:g} s (rule: {window.count} in the window)"
        return None

    def triage_failed(self, group: AlertGroup, alerts: Sequence[Alert], error: str) -> Incident | None:
        if (
            not (self.config.enabled and self.config.open.unassessed)
            or group.status is not AlertStatus.FIRING
        ):
            return None
        if self.incidents.open_for_group(group.key) is not None:
            return None
        incident = self._open(
            group, alerts, f"triage could not assess this group ({error[:200]}); paging to be safe"
        )
        if self.paging is not None:
            self.paging.page(incident, f"{incident.title}: triage could not assess it", wait_for_report=False)
        return incident

    # --- investigation ------------------------------------------------------------------------
    def after_investigation(
        self, group_key: str, investigation_id: str, report: Mapping[str, Any]
    ) -> Incident | None:
        incident = self.incidents.open_for_group(group_key)
        if incident is None:
            return None
        findings = findings_from_report(report, investigation_id)
        cause = findings.get("cause")
        # a job run again after its worker died past this point (at least once) adds nothing twice
        recorded = any(
            e.data.get("investigation_id") == investigation_id
            for e in self.incidents.timeline(incident.id, kinds=[EventKind.INVESTIGATION_FINDING])
        )
        if not recorded:
            if cause:
                self.incidents.set_cause(incident.id, cause, investigation_id=investigation_id)
            self.incidents.append(
                incident.id,
                EventKind.INVESTIGATION_FINDING,
                actor=ACTOR,
                source=Source.PIPELINE,
                data=findings,
            )
        if self.paging is not None:
            link = self._link(incident.id)
            text = f"{incident.title}. Root cause: {cause or 'not established'}" + (
                f" Report: {link}" if link else ""
            )
            self.paging.release(incident.id, text)
        return self.incidents.get(incident.id)

    # --- internals ----------------------------------------------------------------------------
    def _open(
        self, group: AlertGroup, alerts: Sequence[Alert], reason: str, score: float | None = None
    ) -> Incident:
        names = sorted({a.name for a in alerts}) or [group.key]
        service = group.service or next((a.service for a in alerts if a.service), None)
        more = f" (+{len(names) - 1})" if len(names) > 1 else ""
        title = f"{names[0]}{more} on {service or 'unknown service'}"
        return self.incidents.open(
            title,
            severity=severity_for(group.severity, score),
            actor=ACTOR,
            source=Source.PIPELINE,
            service=service,
            group_keys=[group.key],
            summary=reason,
            data={"reason": reason, "fingerprints": [a.fingerprint for a in alerts]},
        )

    def _follow(
        self,
        incident: Incident,
        group: AlertGroup,
        alerts: Sequence[Alert],
        verdict: Any,
        verdict_id: int | None,
    ) -> None:
        timeline = self.incidents.timeline(
            incident.id,
            kinds=[
                EventKind.OPENED,
                EventKind.ALERT_JOINED,
                EventKind.GROUP_RESOLVED,
                EventKind.TRIAGE_VERDICT,
            ],
        )
        known = {fp for e in timeline for fp in e.data.get("fingerprints", [])}
        new = [a for a in alerts if a.fingerprint not in known]
        if new:
            self.incidents.append(
                incident.id,
                EventKind.ALERT_JOINED,
                actor=ACTOR,
                source=Source.PIPELINE,
                data={
                    "group_key": group.key,
                    "fingerprints": [a.fingerprint for a in new],
                    "alerts": sorted({f"{a.name} on {a.service or '?'}" for a in new}),
                },
            )
        group_events = [e for e in timeline if e.kind in (EventKind.GROUP_RESOLVED, EventKind.ALERT_JOINED)]
        already_resolved = (
            bool(group_events) and group_events[-1].kind == EventKind.GROUP_RESOLVED and not new
        )
        if group.status is AlertStatus.RESOLVED and not already_resolved:
            self.incidents.append(
                incident.id,
                EventKind.GROUP_RESOLVED,
                actor=ACTOR,
                source=Source.PIPELINE,
                data={
                    "group_key": group.key,
                    "note": "the alerts resolved; the incident stays open until a human resolves it",
                },
            )
        verdicts = [e for e in timeline if e.kind == EventKind.TRIAGE_VERDICT]
        if not verdicts or verdicts[-1].data.get("kind") != str(getattr(verdict, "kind", "")):
            self._record_verdict(incident, verdict, verdict_id)

    def _record_verdict(self, incident: Incident, verdict: Any, verdict_id: int | None) -> None:
        if verdict is None:
            return
        self.incidents.append(
            incident.id,
            EventKind.TRIAGE_VERDICT,
            actor=ACTOR,
            source=Source.PIPELINE,
            data={
                "verdict_id": verdict_id,
                "kind": str(verdict.kind),
                "score": round(float(verdict.score), 4),
                "explanation": str(verdict.explanation)[:500],
                "reasons": [str(r)[:300] for r in list(verdict.reasons)[:5]],
            },
        )

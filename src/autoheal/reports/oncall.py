"""The on-call report: the toil given back, for a team or a service over a time window, each
figure with the rows behind it (docs/fixes.md, "The on-call report", defines every figure).

Pages sent, time to acknowledge and time to resolution come from the incidents package's tables
(``incidents``, ``incident_events``); a figure with no rows is ``None`` and ``missing`` says why.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from autoheal.clock import utc
from autoheal.errors import InputError
from autoheal.fixes.store import FixRow
from autoheal.reasoning.store import InvestigationRow, TriageVerdictRow
from autoheal.reports.config import ReportsConfig
from autoheal.store.models import AlertRow, TransitionRow

WITHOUT_PAGE = ("noise", "duplicate", "known_issue")


@dataclass
class Figure:
    name: str
    value: Any
    definition: str
    rows: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "value": self.value, "definition": self.definition, "rows": self.rows}


@dataclass
class OncallReport:
    scope: dict[str, Any]
    since: datetime
    until: datetime
    figures: list[Figure]
    missing: list[str]

    def figure(self, name: str) -> Figure:
        return next(f for f in self.figures if f.name == name)

    def summary(self) -> dict[str, Any]:
        return {f.name: f.value for f in self.figures}

    def to_dict(self) -> dict[str, Any]:
        return {
            "scope": self.scope,
            "since": self.since.isoformat(),
            "until": self.until.isoformat(),
            "figures": [f.to_dict() for f in self.figures],
            "missing": self.missing,
        }


def scope_services(
    session: Session, config: ReportsConfig, team: str | None, service: str | None
) -> set[str]:
    if (team is None) == (service is None):
        raise InputError("give exactly one of --team or --service")
    if service is not None:
        return {service}
    assert team is not None
    found = set(config.teams.get(team, []))
    for labels, svc in session.execute(select(AlertRow.labels, AlertRow.service)):
        if svc and isinstance(labels, dict) and labels.get("team") == team:
            found.add(svc)
    if not found:
        known = ", ".join(sorted(config.teams)) or "none configured"
        raise InputError(
            f"team {team!r} owns no service (reports.teams: {known}; or label alerts team={team})"
        )
    return found


def reason_key(explanation: str) -> str:
    """An explanation with its numbers and ids left out, so alike reasons count together."""
    text = explanation.split(";")[0].strip()
    text = re.sub(r"\b[a-z]+-[0-9a-f]{6,}\b", "<id>", text)
    text = re.sub(r"\b(triage-verdict|inv)-[\w-]+", "<id>", text)
    return re.sub(r"\d+(\.\d+)?", "N", text).rstrip(".")[:120]


def _median(values: Sequence[float]) -> float | None:
    return round(statistics.median(values), 3) if values else None


def build_report(
    session: Session,
    config: ReportsConfig,
    since: datetime,
    until: datetime,
    *,
    team: str | None = None,
    service: str | None = None,
) -> OncallReport:
    if until <= since:
        raise InputError(f"--until ({until.isoformat()}) must be after --since ({since.isoformat()})")
    services = scope_services(session, config, team, service)
    figures: list[Figure] = []
    missing: list[str] = []

    fired = list(
        session.execute(
            select(AlertRow.id, AlertRow.fingerprint, AlertRow.name, AlertRow.service, TransitionRow.at)
            .join(TransitionRow, TransitionRow.alert_id == AlertRow.id)
            .where(
                AlertRow.service.in_(services),
                TransitionRow.status == "firing",
                TransitionRow.at >= since,
                TransitionRow.at <= until,
            )
            .order_by(TransitionRow.at)
        )
    )
    figures.append(
        Figure(
            "alerts_received",
            len(fired),
            "firing episodes of the scope's alerts that began in the window",
            [{"alert_id": a, "alert": n, "service": s, "at": utc(t).isoformat()} for a, _, n, s, t in fired],
        )
    )
    fingerprints = {fp for _, fp, _, _, _ in fired}

    verdicts = list(
        session.scalars(
            select(TriageVerdictRow)
            .where(
                TriageVerdictRow.service.in_(services),
                TriageVerdictRow.assessed_at >= since,
                TriageVerdictRow.assessed_at <= until,
            )
            .order_by(TriageVerdictRow.id)
        )
    )
    quiet = [v for v in verdicts if v.kind in WITHOUT_PAGE]
    figures.append(
        Figure(
            "triage_verdicts",
            dict(Counter(v.kind for v in verdicts)),
            "triage verdicts on the scope's groups, by kind",
            [
                {
                    "verdict_id": v.id,
                    "kind": v.kind,
                    "service": v.service,
                    "at": utc(v.assessed_at).isoformat(),
                }
                for v in verdicts
            ],
        )
    )
    figures.append(
        Figure(
            "handled_without_page",
            len(quiet),
            "verdicts noise, duplicate or known_issue: acknowledged with a reason instead of a page",
            [
                {
                    "verdict_id": v.id,
                    "kind": v.kind,
                    "service": v.service,
                    "why": v.explanation,
                    "outcome": v.outcome,
                }
                for v in quiet
            ],
        )
    )
    figures.append(
        Figure(
            "handled_without_page_why",
            dict(Counter(reason_key(v.explanation) for v in quiet).most_common(10)),
            "those verdicts by their explanation, numbers and ids left out (the ten most frequent)",
        )
    )

    invs = [
        r
        for r in session.scalars(
            select(InvestigationRow)
            .where(InvestigationRow.started_at >= since, InvestigationRow.started_at <= until)
            .order_by(InvestigationRow.started_at)
        )
        if set(r.alert_fingerprints) & fingerprints or r.top_service in services
    ]
    first_fired = _first_fired(session, invs)
    rc_rows = []
    for r in invs:
        causes = (r.report or {}).get("causes") or []
        at = first_fired.get(r.id)
        if r.status != "finished" or not causes or r.finished_at is None or at is None:
            continue
        hyp = causes[0]["hypothesis"]
        rc_rows.append(
            {
                "investigation_id": r.id,
                "first_alert_at": at.isoformat(),
                "root_cause_at": utc(r.finished_at).isoformat(),
                "seconds": round((utc(r.finished_at) - at).total_seconds(), 3),
                "service": hyp["service"],
                "kind": hyp["kind"],
            }
        )
    figures.append(
        Figure(
            "time_to_root_cause_s_median",
            _median([float(x["seconds"]) for x in rc_rows]),
            "per investigation with a root cause: its report's time minus the first firing of its alerts",
            rc_rows,
        )
    )
    figures.append(
        Figure(
            "root_cause_kinds",
            dict(Counter(x["kind"] for x in rc_rows)),
            "investigations with a root cause, by its kind",
        )
    )
    seen: dict[tuple[str, str], str] = {}
    for r in session.scalars(
        select(InvestigationRow)
        .where(InvestigationRow.started_at < since)
        .order_by(InvestigationRow.started_at)
    ):
        causes = (r.report or {}).get("causes") or []
        if causes:
            seen.setdefault((causes[0]["hypothesis"]["service"], causes[0]["hypothesis"]["kind"]), r.id)
    recurrences = []
    for x in rc_rows:
        key = (x["service"], x["kind"])
        if key in seen:
            recurrences.append(
                {
                    "investigation_id": x["investigation_id"],
                    "service": key[0],
                    "kind": key[1],
                    "earlier": seen[key],
                }
            )
        else:
            seen[key] = x["investigation_id"]
    figures.append(
        Figure(
            "recurrences",
            len(recurrences),
            "root causes (service and kind) found again after an earlier investigation",
            recurrences,
        )
    )

    fixes = list(
        session.scalars(
            select(FixRow)
            .where(FixRow.service.in_(services), FixRow.created_at >= since, FixRow.created_at <= until)
            .order_by(FixRow.id)
        )
    )
    figures.append(
        Figure(
            "fixes_proposed",
            len(fixes),
            "fixes offered in the window (they passed their checks)",
            [{"fix_id": f.id, "kind": f.kind, "service": f.service, "status": f.status} for f in fixes],
        )
    )
    for status in ("accepted", "merged", "rejected"):
        reached = [f for f in fixes if any(h["status"] == status for h in f.history)]
        figures.append(
            Figure(
                f"fixes_{status}",
                len(reached),
                f"of those, fixes that were {status}",
                [{"fix_id": f.id, "kind": f.kind, "reason": f.reason} for f in reached],
            )
        )
    prevention: list[dict[str, Any]] = [
        {
            "fix_id": f.id,
            "resolved_at": utc(f.resolved_at).isoformat(),
            "merged_at": utc(f.merged_at).isoformat(),
            "seconds": round((utc(f.merged_at) - utc(f.resolved_at)).total_seconds(), 3),
        }
        for f in fixes
        if f.resolved_at is not None and f.merged_at is not None
    ]
    figures.append(
        Figure(
            "resolution_to_prevention_s_median",
            _median([float(p["seconds"]) for p in prevention]),
            "per merged fix of a resolved incident: merged time minus the incident's resolution",
            prevention,
        )
    )

    figures.extend(incident_figures(session, services, since, until))
    if not prevention:
        missing.append(
            "resolution_to_prevention_s_median: no merged fix of a resolved incident in the window"
        )
    return OncallReport(
        {"team": team, "service": service, "services": sorted(services)}, since, until, figures, missing
    )


def _first_fired(session: Session, invs: Sequence[InvestigationRow]) -> dict[str, datetime]:
    """Per investigation, the first firing (at or before it began) of the episodes it covered."""
    if not invs:
        return {}
    fingerprints = {fp for r in invs for fp in r.alert_fingerprints}
    firings: dict[str, list[tuple[int, datetime]]] = {}
    for fp, alert_id, at in session.execute(
        select(AlertRow.fingerprint, TransitionRow.alert_id, TransitionRow.at)
        .join(AlertRow, AlertRow.id == TransitionRow.alert_id)
        .where(
            AlertRow.fingerprint.in_(fingerprints),
            TransitionRow.status == "firing",
            TransitionRow.at <= max(utc(r.started_at) for r in invs),
        )
    ):
        firings.setdefault(fp, []).append((alert_id, utc(at)))
    out: dict[str, datetime] = {}
    for r in invs:
        started = utc(r.started_at)
        latest: dict[int, datetime] = {}
        for fp in set(r.alert_fingerprints):
            for alert_id, at in firings.get(fp, []):
                if at <= started and (alert_id not in latest or at > latest[alert_id]):
                    latest[alert_id] = at
        if latest:
            out[r.id] = min(latest.values())
    return out


def parse_when(text: str, now: datetime) -> datetime:
    """``now``, a duration back from now (``7d``, ``24h``, ``90m``) or an ISO 8601 time (UTC when
    it names no zone)."""
    from datetime import UTC

    from autoheal.clock import parse_duration

    value = text.strip()
    if value == "now":
        return now
    try:
        return now - parse_duration(value)
    except ValueError:
        pass
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InputError(
            f"{text!r} is neither a duration (7d, 24h) nor an ISO time (2026-01-06T09:00:00Z)"
        ) from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def incident_figures(session: Session, services: set[str], since: datetime, until: datetime) -> list[Figure]:
    """Pages, time to acknowledge and to resolution, from the incidents package's tables."""
    from autoheal.incidents.store import IncidentEventRow, IncidentRow

    rows = list(
        session.scalars(
            select(IncidentRow)
            .where(
                IncidentRow.service.in_(services),
                IncidentRow.opened_at >= since,
                IncidentRow.opened_at <= until,
            )
            .order_by(IncidentRow.id)
        )
    )
    ids = [r.id for r in rows]
    pages = (
        list(
            session.execute(
                select(IncidentEventRow.incident_id, IncidentEventRow.at, IncidentEventRow.data)
                .where(IncidentEventRow.incident_id.in_(ids), IncidentEventRow.kind == "page_sent")
                .order_by(IncidentEventRow.id)
            )
        )
        if ids
        else []
    )
    acked: list[dict[str, Any]] = [
        {
            "incident_id": r.id,
            "opened_at": utc(r.opened_at).isoformat(),
            "acknowledged_at": utc(r.acknowledged_at).isoformat(),
            "seconds": round((utc(r.acknowledged_at) - utc(r.opened_at)).total_seconds(), 3),
        }
        for r in rows
        if r.acknowledged_at is not None
    ]
    resolved: list[dict[str, Any]] = [
        {
            "incident_id": r.id,
            "opened_at": utc(r.opened_at).isoformat(),
            "resolved_at": utc(r.resolved_at).isoformat(),
            "seconds": round((utc(r.resolved_at) - utc(r.opened_at)).total_seconds(), 3),
        }
        for r in rows
        if r.resolved_at is not None
    ]
    return [
        Figure(
            "incidents",
            len(rows),
            "incidents opened in the window on the scope's services",
            [
                {"incident_id": r.id, "title": r.title, "status": r.status, "severity": r.severity}
                for r in rows
            ],
        ),
        Figure(
            "pages_sent",
            len(pages),
            "page_sent events on those incidents",
            [
                {"incident_id": i, "at": utc(at).isoformat(), "provider": (d or {}).get("provider")}
                for i, at, d in pages
            ],
        ),
        Figure(
            "time_to_acknowledge_s_median",
            _median([float(x["seconds"]) for x in acked]),
            "per acknowledged incident: acknowledged minus opened",
            acked,
        ),
        Figure(
            "time_to_resolution_s_median",
            _median([float(x["seconds"]) for x in resolved]),
            "per resolved incident: resolved minus opened",
            resolved,
        ),
    ]

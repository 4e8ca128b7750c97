"""The shadow report: what Autoheal would have done over a window, and where it disagreed with
the humans (docs/shadow.md).

What it would have done comes from its own records: every triage verdict (``triage_verdicts``:
page / attach / suppress, :func:`autoheal.backtest.replay.action_of`), the incidents the pipeline
opened, and the ``would_page`` / ``would_post`` timeline events shadow mode writes instead of
paging and posting (``page_sent`` and ``slack_channel`` in live mode, counted too).

What the humans did comes from two places, each only when it is there:

* a verdict's **outcome**, set by a responder (``autoheal triage outcome``,
  ``POST /api/v1/triage/{id}/outcome``): ``actionable`` / ``not_actionable`` / ``known_issue``;
* the team's **current pager**: incidents from PagerDuty's v3 webhook (source ``pagerduty``),
  each stored as an alert with its service — the pages people actually received.

Disagreements, each listed with its rows: a page Autoheal would have sent on a verdict a human
called not actionable; an alert it would have suppressed that a human called actionable; a
service the humans were paged for where Autoheal would not have paged; a service Autoheal would
have paged for where nobody was paged (only when the pager's webhook is connected: without it
Autoheal cannot know, and says so).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from autoheal.clock import utc

HUMAN_PAGER_SOURCE = "pagerduty"


@dataclass
class ShadowReport:
    since: datetime
    until: datetime
    mode: str
    verdicts: dict[str, int] = field(default_factory=dict)  # page | attach | suppress -> count
    incidents: list[dict[str, Any]] = field(default_factory=list)
    would_page: list[dict[str, Any]] = field(default_factory=list)
    would_post: list[dict[str, Any]] = field(default_factory=list)
    sent_pages: int = 0
    slack_channels: int = 0
    judged: int = 0  # verdicts with a human outcome
    agreed: int = 0
    paged_but_not_actionable: list[dict[str, Any]] = field(default_factory=list)
    suppressed_but_actionable: list[dict[str, Any]] = field(default_factory=list)
    human_pages: list[dict[str, Any]] | None = None  # None: the pager's webhook is not connected
    humans_paged_autoheal_would_not: list[str] = field(default_factory=list)
    autoheal_would_page_humans_not: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        return {
            "since": self.since.isoformat(),
            "until": self.until.isoformat(),
            "mode": self.mode,
            "verdicts": sum(self.verdicts.values()),
            "would_page_verdicts": self.verdicts.get("page", 0),
            "attached": self.verdicts.get("attach", 0),
            "suppressed": self.verdicts.get("suppress", 0),
            "incidents": len(self.incidents),
            "would_page": len(self.would_page),
            "would_post": len(self.would_post),
            "pages_sent": self.sent_pages,
            "slack_channels": self.slack_channels,
            "with_outcome": self.judged,
            "agreement": round(self.agreed / self.judged, 4) if self.judged else None,
            "paged_but_not_actionable": len(self.paged_but_not_actionable),
            "suppressed_but_actionable": len(self.suppressed_but_actionable),
            "human_pages": None if self.human_pages is None else len(self.human_pages),
            "humans_paged_autoheal_would_not": (
                None if self.human_pages is None else len(self.humans_paged_autoheal_would_not)
            ),
            "autoheal_would_page_humans_not": (
                None if self.human_pages is None else len(self.autoheal_would_page_humans_not)
            ),
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "summary": self.summary(),
            "incidents": self.incidents,
            "would_page": self.would_page,
            "would_post": self.would_post,
            "disagreements": {
                "paged_but_not_actionable": self.paged_but_not_actionable,
                "suppressed_but_actionable": self.suppressed_but_actionable,
                "humans_paged_autoheal_would_not": self.humans_paged_autoheal_would_not,
                "autoheal_would_page_humans_not": self.autoheal_would_page_humans_not,
            },
            "human_pages": self.human_pages,
        }


def build_shadow_report(session: Session, since: datetime, until: datetime, *, mode: str) -> ShadowReport:
    from autoheal.backtest.replay import action_of
    from autoheal.incidents.store import IncidentEventRow, IncidentRow
    from autoheal.reasoning.store import TriageVerdictRow
    from autoheal.reasoning.triage.model import TriageKind
    from autoheal.store.models import AlertRow

    report = ShadowReport(since, until, mode)
    verdicts = session.scalars(
        select(TriageVerdictRow)
        .where(TriageVerdictRow.assessed_at >= since, TriageVerdictRow.assessed_at < until)
        .order_by(TriageVerdictRow.id)
    )
    for v in verdicts:
        action = action_of(TriageKind(v.kind))
        report.verdicts[action] = report.verdicts.get(action, 0) + 1
        if v.outcome in ("unknown", None):
            continue
        report.judged += 1
        row = {
            "verdict_id": v.id,
            "at": utc(v.assessed_at).isoformat(),
            "service": v.service,
            "verdict": v.kind,
            "outcome": v.outcome,
            "explanation": v.explanation,
            "reference": v.reference,
        }
        if action == "page" and v.outcome == "not_actionable":
            report.paged_but_not_actionable.append(row)
        elif action == "suppress" and v.outcome in ("actionable", "known_issue"):
            report.suppressed_but_actionable.append(row)
        else:
            report.agreed += 1

    incidents = {
        i.id: i
        for i in session.scalars(
            select(IncidentRow).where(IncidentRow.opened_at >= since, IncidentRow.opened_at < until)
        )
    }
    for i in incidents.values():
        report.incidents.append(
            {
                "incident": f"INC-{i.id}",
                "title": i.title,
                "service": i.service,
                "severity": i.severity,
                "status": i.status,
                "opened_at": utc(i.opened_at).isoformat(),
                "cause": i.cause,
            }
        )
    events = session.scalars(
        select(IncidentEventRow)
        .where(IncidentEventRow.at >= since, IncidentEventRow.at < until)
        .where(IncidentEventRow.kind.in_(["would_page", "would_post", "page_sent", "slack_channel"]))
        .order_by(IncidentEventRow.id)
    )
    paged_services: set[str] = set()
    from_pager = _incidents_from_the_pager(session)
    for e in events:
        service = incidents[e.incident_id].service if e.incident_id in incidents else None
        if service is None:
            parent = session.get(IncidentRow, e.incident_id)
            service = parent.service if parent is not None else None
        if e.kind == "would_page":
            report.would_page.append(
                {
                    "incident": f"INC-{e.incident_id}",
                    "at": utc(e.at).isoformat(),
                    "service": service,
                    **e.data,
                }
            )
            if e.data.get("action") == "trigger" and service and e.incident_id not in from_pager:
                paged_services.add(service)
        elif e.kind == "would_post":
            report.would_post.append(
                {"incident": f"INC-{e.incident_id}", "at": utc(e.at).isoformat(), **e.data}
            )
        elif e.kind == "page_sent":
            report.sent_pages += 1
            if e.data.get("action") == "trigger" and service and e.incident_id not in from_pager:
                paged_services.add(service)
        else:
            report.slack_channels += 1

    pager_seen = session.scalars(
        select(AlertRow.id).where(AlertRow.source == HUMAN_PAGER_SOURCE).limit(1)
    ).first()
    if pager_seen is not None:
        human = list(
            session.scalars(
                select(AlertRow)
                .where(
                    AlertRow.source == HUMAN_PAGER_SOURCE,
                    AlertRow.first_seen >= since,
                    AlertRow.first_seen < until,
                )
                .order_by(AlertRow.id)
            )
        )
        report.human_pages = [
            {
                "incident": a.fingerprint,
                "title": a.name,
                "service": a.service,
                "at": utc(a.first_seen).isoformat(),
            }
            for a in human
        ]
        human_services = {a.service for a in human if a.service}
        report.humans_paged_autoheal_would_not = sorted(human_services - paged_services)
        report.autoheal_would_page_humans_not = sorted(paged_services - human_services)
    return report


def _incidents_from_the_pager(session: Session) -> set[int]:
    """Incidents whose alerts all came from the human pager's webhook: Autoheal echoing a page the
    humans already received is not Autoheal deciding to page."""
    from autoheal.incidents.store import IncidentGroupRow
    from autoheal.store.models import AlertGroupRow, AlertRow

    sources: dict[int, set[str]] = {}
    rows = session.execute(
        select(IncidentGroupRow.incident_id, AlertRow.source)
        .join(AlertGroupRow, AlertGroupRow.key == IncidentGroupRow.group_key)
        .join(AlertRow, AlertRow.group_id == AlertGroupRow.id)
    )
    for incident_id, source in rows:
        sources.setdefault(incident_id, set()).add(source)
    return {i for i, s in sources.items() if s == {HUMAN_PAGER_SOURCE}}

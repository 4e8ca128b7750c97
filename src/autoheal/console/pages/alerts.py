"""Alerts and alert groups with their triage verdict and reasons (filterable), one group's page,
and the responder's actions on it: record the triage outcome, start an investigation."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, BackgroundTasks, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from autoheal.api.auth import services
from autoheal.api.routes.investigations import run_investigation
from autoheal.app import Autoheal
from autoheal.console.sessions import Viewer
from autoheal.console.web import ConsoleRoute, acting, back, current_viewer, render
from autoheal.reasoning import store as reasoning_store
from autoheal.reasoning.subjects import load_subject
from autoheal.reasoning.triage.model import Outcome, TriageKind
from autoheal.reasoning.triage.outcomes import OutcomeDecision, parse_outcome, record_outcome
from autoheal.store.alerts import AlertFilter, AlertRepository, alert_to_dict, group_to_dict
from autoheal.store.conclusions import conclusions
from autoheal.store.tokens import Role

router = APIRouter(route_class=ConsoleRoute)

VERDICT_FILTERS = [k.value for k in TriageKind] + ["none"]
GROUP_LIMIT = 200


@dataclass(frozen=True, slots=True)
class Filters:
    status: str = ""
    service: str = ""
    verdict: str = ""
    q: str = ""

    def keep(self, group: dict[str, Any], verdict: dict[str, Any] | None, names: list[str]) -> bool:
        if self.service and group["service"] != self.service:
            return False
        if self.verdict == "none" and verdict is not None:
            return False
        if self.verdict and self.verdict != "none" and (verdict is None or verdict["kind"] != self.verdict):
            return False
        needle = self.q.lower()
        return not needle or any(needle in n.lower() for n in names) or needle in group["key"].lower()


def _latest_verdicts(session: Session, keys: list[str]) -> dict[str, dict[str, Any]]:
    """The newest triage verdict of each group key."""
    row = reasoning_store.TriageVerdictRow
    out: dict[str, dict[str, Any]] = {}
    for chunk in reasoning_store.chunks(keys):
        newest = select(func.max(row.id)).where(row.group_key.in_(chunk)).group_by(row.group_key)
        for verdict in session.scalars(select(row).where(row.id.in_(newest))):
            out[verdict.group_key] = reasoning_store.verdict_to_dict(verdict)
    return out


def _alert_names(session: Session, group_ids: list[int]) -> dict[int, list[str]]:
    from autoheal.store.models import AlertRow

    names: dict[int, list[str]] = {}
    if not group_ids:
        return names
    query = select(AlertRow.group_id, AlertRow.name).where(AlertRow.group_id.in_(group_ids)).distinct()
    for gid, name in session.execute(query):
        if gid is not None:
            names.setdefault(int(gid), []).append(name)
    return names


@router.get("/alerts")
def alerts_page(
    request: Request,
    status: str = Query("", pattern="^(|firing|resolved)$"),
    service: str = Query("", max_length=256),
    verdict: str = Query("", pattern="^(|" + "|".join(VERDICT_FILTERS) + ")$"),
    q: str = Query("", max_length=256),
    viewer: Viewer = Depends(current_viewer),
    app: Autoheal = Depends(services),
) -> HTMLResponse:
    filters = Filters(status, service, verdict, q)
    with app.sessions() as session:
        repo = AlertRepository(session)
        groups = [group_to_dict(g, n) for g, n in repo.list_groups(status=status or None, limit=GROUP_LIMIT)]
        verdicts = _latest_verdicts(session, [g["key"] for g in groups])
        names = _alert_names(session, [g["id"] for g in groups])
        rows = [
            {**g, "verdict": verdicts.get(g["key"]), "names": sorted(names.get(g["id"], []))}
            for g in groups
            if filters.keep(g, verdicts.get(g["key"]), names.get(g["id"], []))
        ]
        services_seen = sorted({g["service"] for g in groups if g["service"]})
        alerts = [
            alert_to_dict(a)
            for a in repo.list_alerts(AlertFilter(status=status or None, service=service or None, limit=50))
            if not q or q.lower() in a.name.lower()
        ]
    return render(
        request,
        "alerts.html",
        viewer,
        groups=rows,
        alerts=alerts,
        filters=filters,
        services=services_seen,
        verdict_kinds=VERDICT_FILTERS,
    )


@router.get("/groups/{group_id}")
def group_page(
    request: Request,
    group_id: int,
    viewer: Viewer = Depends(current_viewer),
    app: Autoheal = Depends(services),
) -> HTMLResponse:
    with app.sessions() as session:
        repo = AlertRepository(session)
        group = group_to_dict(repo.get_group(group_id))
        alerts = [alert_to_dict(a) for a in repo.group_alerts(group_id)]
        concluded = conclusions(session, group["key"])
        verdict = None
        if concluded["triage"] is not None:
            verdict = reasoning_store.verdict_to_dict(
                reasoning_store.get_verdict(session, concluded["triage"]["id"])
            )
    return render(
        request,
        "group.html",
        viewer,
        group=group,
        alerts=alerts,
        verdict=verdict,
        investigation=concluded["investigation"],
        outcomes=[o.value for o in Outcome],
    )


@router.post("/groups/{group_id}/investigate")
def investigate(
    group_id: int,
    background: BackgroundTasks,
    acted: tuple[Viewer, dict[str, str]] = Depends(acting(Role.RESPONDER)),
    app: Autoheal = Depends(services),
) -> RedirectResponse:
    """The API's ``POST /api/v1/investigations`` for this group: same loader, same runner."""
    with app.sessions() as session:
        subject, alerts = load_subject(session, f"group:{group_id}")
    investigation_id = f"inv-{uuid.uuid4().hex[:12]}"
    background.add_task(run_investigation, app, investigation_id, subject, alerts)
    return back(f"/investigations/{investigation_id}")


@router.post("/triage/{verdict_id}/outcome")
def set_outcome(
    verdict_id: int,
    acted: tuple[Viewer, dict[str, str]] = Depends(acting(Role.RESPONDER)),
    app: Autoheal = Depends(services),
) -> RedirectResponse:
    """The API's ``POST /api/v1/triage/{id}/outcome``: same validation, same audit record."""
    viewer, form = acted
    reference = form.get("reference", "").strip() or None
    decision = OutcomeDecision(verdict_id, parse_outcome(form.get("outcome", "")), reference, viewer.actor)
    record_outcome(app.sessions, app.governance.audit, decision)
    group_id = form.get("group_id", "")
    return back(f"/groups/{int(group_id)}" if group_id.isdigit() else "/alerts")

"""Incidents: the list, and one incident's page (status, severity, roles, the timeline with its
decision steps, the linked investigation's hypotheses) with the responder's actions —
acknowledge, add a note / checked / ruled out, confirm or reject a hypothesis, change status,
assign a role, resolve — all through :class:`~autoheal.incidents.IncidentService`, the same code
the CLI, API and Slack use (``source=console``; the actor is the token's audit name)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from autoheal.api.auth import services
from autoheal.app import Autoheal
from autoheal.console.sessions import Viewer
from autoheal.console.web import ConsoleRoute, acting, back, current_viewer, render
from autoheal.errors import InputError
from autoheal.incidents import (
    NOTE_KINDS,
    TRANSITIONS,
    EventKind,
    IncidentService,
    Source,
    parse_ref,
    parse_role,
    parse_status,
)
from autoheal.incidents.findings import causes_of
from autoheal.incidents.model import IncidentRole, Status
from autoheal.reasoning import store as reasoning_store
from autoheal.store.tokens import Role

router = APIRouter(route_class=ConsoleRoute)

SOURCE = Source.CONSOLE.value
SHOWN = 5  # causes of the investigation shown (and decidable) on an incident's page


def incident_service(request: Request, app: Autoheal = Depends(services)) -> IncidentService:
    """The application's incident service when it has one (``app.incidents``), else one over the
    same database, redactor and audit trail, kept for the life of the web application."""
    shared = getattr(app, "incidents", None)
    if isinstance(shared, IncidentService):
        return shared
    state = request.app.state
    if getattr(state, "console_incidents", None) is None:
        state.console_incidents = IncidentService(
            app.sessions, app.clock, redactor=app.governance.gateway.redactor, audit=app.governance.audit
        )
    service: IncidentService = state.console_incidents
    return service


@router.get("/incidents")
def incidents_page(
    request: Request,
    status: str = Query("", pattern="^(|open|" + "|".join(s.value for s in Status) + ")$"),
    viewer: Viewer = Depends(current_viewer),
    service: IncidentService = Depends(incident_service),
) -> HTMLResponse:
    chosen = parse_status(status) if status and status != "open" else None
    incidents = service.list(status=chosen, open_only=status == "open", limit=200)
    return render(
        request,
        "incidents.html",
        viewer,
        incidents=incidents,
        status=status,
        statuses=["open", *(s.value for s in Status)],
    )


@router.get("/incidents/{ref}")
def incident_page(
    request: Request,
    ref: str,
    viewer: Viewer = Depends(current_viewer),
    service: IncidentService = Depends(incident_service),
    app: Autoheal = Depends(services),
) -> HTMLResponse:
    incident = service.get(ref)
    timeline = service.timeline(incident.id)
    causes = _report_causes(incident.investigation_id, app)
    decided = {
        str(e.data.get("hypothesis_id")): e.kind
        for e in timeline
        if e.kind in (EventKind.HYPOTHESIS_CONFIRMED, EventKind.HYPOTHESIS_REJECTED)
    }
    return render(
        request,
        "incident.html",
        viewer,
        incident=incident,
        timeline=timeline,
        causes=causes,
        decided=decided,
        next_statuses=sorted(s.value for s in TRANSITIONS[incident.status] if s is not Status.RESOLVED),
        note_kinds=[k.value for k in NOTE_KINDS],
        roles=[r.value for r in IncidentRole],
    )


def _report_causes(investigation_id: str | None, app: Autoheal) -> list[dict[str, Any]]:
    """The causes the page shows: the incident's investigation report, its first five."""
    if not investigation_id:
        return []
    with app.sessions() as session:
        row = session.get(reasoning_store.InvestigationRow, investigation_id)
        return list(((row.report or {}).get("causes") or [])[:SHOWN]) if row is not None else []


def _causes(investigation_id: str | None, app: Autoheal) -> list[dict[str, Any]]:
    """The page's causes in the incident findings' shape, for ``IncidentService.decide_hypothesis``."""
    return causes_of({"causes": _report_causes(investigation_id, app)}, top=SHOWN)


def _ref(ref: str) -> str:
    return f"/incidents/{parse_ref(ref)}"


@router.post("/incidents/{ref}/acknowledge")
def acknowledge(
    ref: str,
    acted: tuple[Viewer, dict[str, str]] = Depends(acting(Role.RESPONDER)),
    service: IncidentService = Depends(incident_service),
) -> RedirectResponse:
    service.ack(ref, actor=acted[0].actor, source=SOURCE)
    return back(_ref(ref))


@router.post("/incidents/{ref}/note")
def note(
    ref: str,
    acted: tuple[Viewer, dict[str, str]] = Depends(acting(Role.RESPONDER)),
    service: IncidentService = Depends(incident_service),
) -> RedirectResponse:
    viewer, form = acted
    text = form.get("text", "").strip()
    if not text:
        raise InputError("write what you did or saw: the note is empty")
    service.add_note(ref, text, actor=viewer.actor, source=SOURCE, kind=form.get("kind", EventKind.NOTE))
    return back(_ref(ref))


@router.post("/incidents/{ref}/hypothesis")
def decide_hypothesis(
    ref: str,
    acted: tuple[Viewer, dict[str, str]] = Depends(acting(Role.RESPONDER)),
    service: IncidentService = Depends(incident_service),
    app: Autoheal = Depends(services),
) -> RedirectResponse:
    viewer, form = acted
    decision = form.get("decision", "")
    if decision not in ("confirm", "reject"):
        raise InputError(f"unknown decision {decision!r}: confirm or reject")
    hypothesis_id = form.get("hypothesis_id", "").strip()
    if not hypothesis_id:
        raise InputError("which hypothesis? hypothesis_id is empty")
    service.decide_hypothesis(
        ref,
        hypothesis_id,
        confirm=decision == "confirm",
        actor=viewer.actor,
        source=SOURCE,
        causes=_causes(service.get(ref).investigation_id, app),
    )
    return back(_ref(ref))


@router.post("/incidents/{ref}/status")
def change_status(
    ref: str,
    acted: tuple[Viewer, dict[str, str]] = Depends(acting(Role.RESPONDER)),
    service: IncidentService = Depends(incident_service),
) -> RedirectResponse:
    viewer, form = acted
    service.transition(
        ref,
        parse_status(form.get("status", "")),
        actor=viewer.actor,
        source=SOURCE,
        reason=form.get("reason", "").strip(),
    )
    return back(_ref(ref))


@router.post("/incidents/{ref}/assign")
def assign(
    ref: str,
    acted: tuple[Viewer, dict[str, str]] = Depends(acting(Role.RESPONDER)),
    service: IncidentService = Depends(incident_service),
) -> RedirectResponse:
    viewer, form = acted
    service.assign(
        ref, parse_role(form.get("role", "")), form.get("person", ""), actor=viewer.actor, source=SOURCE
    )
    return back(_ref(ref))


@router.post("/incidents/{ref}/resolve")
def resolve(
    ref: str,
    acted: tuple[Viewer, dict[str, str]] = Depends(acting(Role.RESPONDER)),
    service: IncidentService = Depends(incident_service),
) -> RedirectResponse:
    viewer, form = acted
    service.resolve(
        ref,
        actor=viewer.actor,
        source=SOURCE,
        summary=form.get("summary", "").strip(),
        cause=form.get("cause", "").strip() or None,
    )
    return back(_ref(ref))

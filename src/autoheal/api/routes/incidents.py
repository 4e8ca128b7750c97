"""Incidents over REST (roles: viewer reads, responder acts, admin sees the configuration), the
on-call lookup, and the Slack app's request URL.

* ``GET  /api/v1/incidents`` (viewer) — ``?status=&service=&open=true&limit=``, newest first
* ``POST /api/v1/incidents`` (responder) — open by hand ``{"title", "severity", "service", "summary"}``
* ``GET  /api/v1/incidents/{ref}`` (viewer) — the incident, its timeline and its pages
* ``GET  /api/v1/incidents/{ref}/timeline`` (viewer) — ``?after_seq=``
* ``GET  /api/v1/incidents/{ref}/trace`` (viewer) — the decision trace: ``{"incident", "steps": [...]}``
* ``POST /api/v1/incidents/{ref}/ack | notes | status | severity | roles | resolve | reopen`` (responder)
* ``GET  /api/v1/incidents-config`` (admin) — the ``incidents`` configuration, secrets masked
* ``GET  /api/v1/oncall/who?service=&at=`` (viewer) — who is paged first for a service
* ``POST /api/v1/slack/events`` — Slack's request URL (commands, buttons, events); authenticated
  by Slack's request signature, not a bearer token (401 when unsigned, wrong or stale)

An illegal status change answers 409 and changes nothing; ``ref`` is ``INC-12`` or ``12``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from autoheal.api.auth import require, services, token_actor
from autoheal.app import Autoheal
from autoheal.errors import AuthError, InputError, NotFoundError
from autoheal.incidents import (
    EventKind,
    IncidentSeverity,
    Source,
    parse_role,
    parse_severity,
    parse_status,
)
from autoheal.store.tokens import Role

router = APIRouter(tags=["incidents"])
V1 = "/api/v1/incidents"


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OpenBody(_Body):
    title: str = Field(min_length=1, max_length=512)
    severity: str = Field("SEV3", description="SEV1 (most severe) .. SEV4")
    service: str | None = Field(None, max_length=256)
    summary: str = Field("", max_length=4000)


class NoteBody(_Body):
    text: str = Field(min_length=1, max_length=4000)
    kind: Literal["note", "checked", "ruled_out", "hypothesis"] = "note"


class StatusBody(_Body):
    status: str = Field(description="investigating, identified, mitigated, resolved, reopened")
    reason: str = Field("", max_length=4000)


class SeverityBody(_Body):
    severity: str
    reason: str = Field("", max_length=4000)


class RoleBody(_Body):
    role: str = Field(description="commander, scribe or responder")
    person: str = Field(min_length=1, max_length=256)


class ResolveBody(_Body):
    summary: str = Field("", max_length=4000)
    cause: str | None = Field(None, max_length=1000)
    noise: bool = Field(
        False, description="closed as noise: the alert was not actionable (triage learns it, docs/graph.md)"
    )


class ReopenBody(_Body):
    reason: str = Field("", max_length=4000)


def _actor(request: Request) -> dict[str, str]:
    return {"actor": token_actor(request), "source": Source.API}


def _detail(app: Autoheal, ref: str) -> dict[str, Any]:
    rt = app.incidents
    incident = rt.service.get(ref)
    channel = rt.channels.channel_of(incident.id) if rt.channels else None
    return {
        **incident.to_dict(),
        "timeline": [e.to_dict() for e in rt.service.timeline(incident.id)],
        "pages": rt.paging.pages(incident.id),
        "slack_channel": {"id": channel.channel_id, "name": channel.channel_name} if channel else None,
    }


@router.get(V1, dependencies=[Depends(require(Role.VIEWER))])
def list_incidents(
    app: Autoheal = Depends(services),
    status: str | None = None,
    service: str | None = None,
    open: bool = False,
    limit: int = Query(50, ge=1, le=1000),
) -> dict[str, Any]:
    found = app.incidents.service.list(
        status=parse_status(status) if status else None, open_only=open, service=service, limit=limit
    )
    return {"incidents": [i.to_dict() for i in found]}


@router.post(V1, status_code=201, dependencies=[Depends(require(Role.RESPONDER))])
def open_incident(body: OpenBody, request: Request, app: Autoheal = Depends(services)) -> dict[str, Any]:
    incident = app.incidents.service.open(
        body.title,
        severity=parse_severity(body.severity),
        service=body.service,
        summary=body.summary,
        actor=token_actor(request),
        source=Source.API,
    )
    return _detail(app, incident.ref)


@router.get(V1 + "/{ref}", dependencies=[Depends(require(Role.VIEWER))])
def get_incident(ref: str, app: Autoheal = Depends(services)) -> dict[str, Any]:
    return _detail(app, ref)


@router.get(V1 + "/{ref}/timeline", dependencies=[Depends(require(Role.VIEWER))])
def get_timeline(
    ref: str, app: Autoheal = Depends(services), after_seq: int = Query(0, ge=0)
) -> dict[str, Any]:
    return {"events": [e.to_dict() for e in app.incidents.service.timeline(ref, after_seq=after_seq)]}


@router.get(V1 + "/{ref}/trace", dependencies=[Depends(require(Role.VIEWER))])
def get_trace(ref: str, app: Autoheal = Depends(services)) -> dict[str, Any]:
    """The incident's decision trace: its timeline's human events as typed steps (docs/graph.md)."""
    from autoheal.decisions.trace import incident_trace

    incident, steps = incident_trace(app.incidents.service, ref)
    return {"incident": incident.ref, "steps": [s.to_dict() for s in steps]}


@router.post(V1 + "/{ref}/ack", dependencies=[Depends(require(Role.RESPONDER))])
def ack(ref: str, request: Request, app: Autoheal = Depends(services)) -> dict[str, Any]:
    return app.incidents.service.ack(ref, **_actor(request)).to_dict()


@router.post(V1 + "/{ref}/notes", status_code=201, dependencies=[Depends(require(Role.RESPONDER))])
def note(ref: str, body: NoteBody, request: Request, app: Autoheal = Depends(services)) -> dict[str, Any]:
    return app.incidents.service.add_note(
        ref, body.text, kind=EventKind(body.kind), **_actor(request)
    ).to_dict()


@router.post(V1 + "/{ref}/status", dependencies=[Depends(require(Role.RESPONDER))])
def set_status(
    ref: str, body: StatusBody, request: Request, app: Autoheal = Depends(services)
) -> dict[str, Any]:
    return app.incidents.service.transition(
        ref, parse_status(body.status), reason=body.reason, **_actor(request)
    ).to_dict()


@router.post(V1 + "/{ref}/severity", dependencies=[Depends(require(Role.RESPONDER))])
def set_severity(
    ref: str, body: SeverityBody, request: Request, app: Autoheal = Depends(services)
) -> dict[str, Any]:
    severity: IncidentSeverity = parse_severity(body.severity)
    return app.incidents.service.set_severity(ref, severity, reason=body.reason, **_actor(request)).to_dict()


@router.post(V1 + "/{ref}/roles", dependencies=[Depends(require(Role.RESPONDER))])
def assign(ref: str, body: RoleBody, request: Request, app: Autoheal = Depends(services)) -> dict[str, Any]:
    return app.incidents.service.assign(ref, parse_role(body.role), body.person, **_actor(request)).to_dict()


@router.post(V1 + "/{ref}/resolve", dependencies=[Depends(require(Role.RESPONDER))])
def resolve(
    ref: str, body: ResolveBody, request: Request, app: Autoheal = Depends(services)
) -> dict[str, Any]:
    return app.incidents.service.resolve(
        ref, summary=body.summary, cause=body.cause, noise=body.noise, **_actor(request)
    ).to_dict()


@router.post(V1 + "/{ref}/reopen", dependencies=[Depends(require(Role.RESPONDER))])
def reopen(ref: str, body: ReopenBody, request: Request, app: Autoheal = Depends(services)) -> dict[str, Any]:
    return app.incidents.service.reopen(ref, reason=body.reason, **_actor(request)).to_dict()


@router.get("/api/v1/incidents-config", dependencies=[Depends(require(Role.ADMIN))])
def config(app: Autoheal = Depends(services)) -> dict[str, Any]:
    """The incidents configuration as loaded (SecretStr fields print as '**********')."""
    return app.settings.incidents.model_dump(mode="json")


@router.get("/api/v1/oncall/who", dependencies=[Depends(require(Role.VIEWER))])
def who(service: str, app: Autoheal = Depends(services), at: datetime | None = None) -> dict[str, Any]:
    when = at or app.clock.now()
    if when.tzinfo is None:
        raise InputError("'at' needs a time zone, e.g. 2026-03-29T08:00:00Z")
    people = app.incidents.directory.who(service, when)
    return {"service": service, "at": when.isoformat(), "on_call": [p.to_dict() for p in people]}


@router.post("/api/v1/slack/events", include_in_schema=True)
async def slack_events(request: Request, app: Autoheal = Depends(services)) -> Response:
    """Slack's request URL for slash commands, interactivity and events (signed by Slack)."""
    slack = app.incidents.slack
    if slack is None:
        raise NotFoundError("the Slack app is not enabled (incidents.slack.enabled)")
    body = await request.body()
    if len(body) > 1_000_000:
        raise InputError("Slack request body over 1 MB")
    if "x-slack-signature" not in request.headers:
        raise AuthError("unsigned request: Slack signs every request (X-Slack-Signature)")
    from starlette.concurrency import run_in_threadpool

    answer = await run_in_threadpool(slack.handle, body, dict(request.headers), request.url.query)
    return Response(answer.body, status_code=answer.status, headers=answer.headers)

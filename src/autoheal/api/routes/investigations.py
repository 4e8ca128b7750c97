"""Investigations: start one, read its report, read (or follow) its event stream.

* ``POST /api/v1/investigations`` ``{"target": ALERT_OR_GROUP_ID}`` (responder) — 202 with the id;
  the investigation runs in the background and is stored event by event.
* ``GET /api/v1/investigations`` — the most recent ones.
* ``GET /api/v1/investigations/{id}`` — status and, once finished, the report; a failed one says
  why in ``error`` (the exception that stopped it).
* ``GET /api/v1/investigations/{id}/events?after=SEQ`` — the events as a JSON list, or, with
  ``Accept: text/event-stream``, as server-sent events that follow the stream until the report.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, BackgroundTasks, Depends, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field
from sqlalchemy import select

from autoheal.api.auth import require, services
from autoheal.api.params import NO_NUL
from autoheal.app import Autoheal
from autoheal.clock import utc
from autoheal.reasoning import store
from autoheal.reasoning.subjects import load_subject
from autoheal.store.tokens import Role

router = APIRouter(prefix="/api/v1", tags=["investigations"])

FOLLOW_POLL_SECONDS = 0.5
FOLLOW_MAX_SECONDS = 600.0


class StartInvestigation(BaseModel):
    target: str = Field(
        min_length=1,
        max_length=512,
        pattern=NO_NUL,
        description="alert id, group:ID, fingerprint or group key",
    )


def _summary(row: store.InvestigationRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "subject": row.subject,
        "status": row.status,
        "started_at": utc(row.started_at).isoformat(),
        "finished_at": utc(row.finished_at).isoformat() if row.finished_at else None,
        "top_service": row.top_service,
        "alert_fingerprints": row.alert_fingerprints,
    }


def run_investigation(app: Autoheal, investigation_id: str, subject: str, alerts: list[Any]) -> None:
    from autoheal.pipeline.followups import record_investigation

    for _event in record_investigation(
        app.investigator, app.sessions, app.clock, subject, alerts, investigation_id
    ):
        pass


@router.post(
    "/investigations",
    status_code=202,
    summary="Start a deep investigation of an alert or alert group",
    dependencies=[Depends(require(Role.RESPONDER))],
)
def start(
    body: StartInvestigation, background: BackgroundTasks, app: Autoheal = Depends(services)
) -> dict[str, Any]:
    with app.sessions() as session:
        subject, alerts = load_subject(session, body.target)
    investigation_id = f"inv-{uuid.uuid4().hex[:12]}"
    background.add_task(run_investigation, app, investigation_id, subject, alerts)
    return {
        "id": investigation_id,
        "subject": subject,
        "alerts": len(alerts),
        "report": f"/api/v1/investigations/{investigation_id}",
        "events": f"/api/v1/investigations/{investigation_id}/events",
    }


@router.get("/investigations", summary="Recent investigations", dependencies=[Depends(require(Role.VIEWER))])
def list_investigations(
    limit: int = Query(50, ge=1, le=500), app: Autoheal = Depends(services)
) -> dict[str, Any]:
    with app.sessions() as session:
        rows = session.execute(
            select(store.InvestigationRow).order_by(store.InvestigationRow.started_at.desc()).limit(limit)
        ).scalars()
        return {"investigations": [_summary(r) for r in rows]}


@router.get(
    "/investigations/{investigation_id}",
    summary="An investigation's status and report",
    dependencies=[Depends(require(Role.VIEWER))],
)
def get_investigation(investigation_id: str, app: Autoheal = Depends(services)) -> dict[str, Any]:
    with app.sessions() as session:
        row = store.get_investigation(session, investigation_id)
        error = store.failure_reason(session, investigation_id) if row.status == "failed" else None
        return {**_summary(row), "report": row.report, "error": error}


@router.get(
    "/investigations/{investigation_id}/events",
    summary="The investigation's events (JSON list, or server-sent events with Accept: text/event-stream)",
    dependencies=[Depends(require(Role.VIEWER))],
    response_model=None,
)
def get_events(
    investigation_id: str,
    request: Request,
    after: int = Query(-1, ge=-1, description="only events with a larger sequence number"),
    app: Autoheal = Depends(services),
) -> dict[str, Any] | StreamingResponse:
    with app.sessions() as session:
        store.get_investigation(session, investigation_id)  # 404 when unknown
        found = store.events(session, investigation_id, after)
    if "text/event-stream" not in request.headers.get("accept", ""):
        return {"investigation_id": investigation_id, "events": found}
    return StreamingResponse(_follow(app, investigation_id, after), media_type="text/event-stream")


def _follow(app: Autoheal, investigation_id: str, after: int) -> Iterator[str]:
    """Server-sent events until the report (or a failed run, or ``FOLLOW_MAX_SECONDS``)."""
    deadline = time.monotonic() + FOLLOW_MAX_SECONDS
    while True:
        with app.sessions() as session:
            found = store.events(session, investigation_id, after)
            status = store.get_investigation(session, investigation_id).status
        for event in found:
            after = event["seq"]
            yield f"id: {event['seq']}\nevent: {event['kind']}\ndata: {json.dumps(event, default=str)}\n\n"
            if event["kind"] == "report":
                return
        if status == "failed" or time.monotonic() > deadline:
            yield f"event: end\ndata: {json.dumps({'status': status})}\n\n"
            return
        time.sleep(FOLLOW_POLL_SECONDS)

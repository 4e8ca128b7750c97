"""Investigations: the list, one investigation's report (hypotheses side by side with their
confidence, the evidence each cites with its query, result and chart, what the verifier refuted
and why) and its event stream, followed live while it runs (server-sent events read by
``static/console.js``)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, StreamingResponse
from sqlalchemy import select

from autoheal.api.auth import services
from autoheal.app import Autoheal
from autoheal.console.describe import describe_event
from autoheal.console.sessions import Viewer
from autoheal.console.web import ConsoleRoute, current_viewer, render
from autoheal.errors import NotFoundError
from autoheal.reasoning import store

router = APIRouter(route_class=ConsoleRoute)

WAIT_FOR_START_SECONDS = 30.0  # a just-requested investigation's job may not have begun yet
POLL_SECONDS = 0.25
FOLLOW_SECONDS = 600.0


def _cards(report: dict[str, Any] | None) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Findings and ruled-out hypotheses, each with the checks split by outcome."""

    def card(cause: dict[str, Any]) -> dict[str, Any]:
        checks = cause.get("verification", {}).get("checks", [])
        return {
            **cause,
            "failed": [c for c in checks if c.get("outcome") == "failed"],
            "passed": [c for c in checks if c.get("outcome") == "passed"],
            "unknown": [c for c in checks if c.get("outcome") == "unknown"],
        }

    report = report or {}
    return [card(c) for c in report.get("causes", [])], [card(c) for c in report.get("ruled_out", [])]


@router.get("/investigations")
def investigations_page(
    request: Request, viewer: Viewer = Depends(current_viewer), app: Autoheal = Depends(services)
) -> HTMLResponse:
    with app.sessions() as session:
        rows = session.scalars(
            select(store.InvestigationRow).order_by(store.InvestigationRow.started_at.desc()).limit(200)
        )
        items = [
            {
                "id": r.id,
                "subject": r.subject,
                "status": r.status,
                "started_at": r.started_at,
                "finished_at": r.finished_at,
                "top_service": r.top_service,
                "alerts": len(r.alert_fingerprints or []),
                "top": ((r.report or {}).get("causes") or [None])[0],
            }
            for r in rows
        ]
    return render(request, "investigations.html", viewer, investigations=items)


@router.get("/investigations/{investigation_id}")
def investigation_page(
    request: Request,
    investigation_id: str,
    viewer: Viewer = Depends(current_viewer),
    app: Autoheal = Depends(services),
) -> HTMLResponse:
    with app.sessions() as session:
        row = session.get(store.InvestigationRow, investigation_id)
        events = store.events(session, investigation_id) if row is not None else []
        if row is None and not investigation_id.startswith("inv-"):
            raise NotFoundError(f"no investigation {investigation_id!r}")
        info = {
            "id": investigation_id,
            "subject": row.subject if row else "(starting)",
            "status": row.status if row else "queued",
            "started_at": row.started_at if row else None,
            "finished_at": row.finished_at if row else None,
            "alerts": row.alert_fingerprints if row else [],
            "report": row.report if row else None,
        }
    causes, ruled_out = _cards(row.report if row else None)
    live = info["status"] in ("queued", "running")
    return render(
        request,
        "investigation.html",
        viewer,
        inv=info,
        causes=causes,
        ruled_out=ruled_out,
        events=events,
        last_seq=events[-1]["seq"] if events else -1,
        live=live,
    )


@router.get("/investigations/{investigation_id}/events")
def investigation_events(
    investigation_id: str,
    after: int = Query(-1, ge=-1),
    viewer: Viewer = Depends(current_viewer),
    app: Autoheal = Depends(services),
) -> StreamingResponse:
    """The investigation's events as server-sent events behind the session cookie (a browser's
    ``EventSource`` cannot send an ``Authorization`` header), each with the line of text the page
    shows for it, until the report, a failed run or ``FOLLOW_SECONDS``."""

    def stream() -> Iterator[str]:
        seen = after
        started = time.monotonic()
        while True:
            with app.sessions() as session:
                row = session.get(store.InvestigationRow, investigation_id)
                status = row.status if row is not None else "queued"
                found = store.events(session, investigation_id, seen) if row is not None else []
            for event in found:
                seen = event["seq"]
                line = {
                    "seq": seen,
                    "kind": event["kind"],
                    "at": event["at"],
                    "text": describe_event(event["payload"]),
                }
                yield f"id: {seen}\nevent: {event['kind']}\ndata: {json.dumps(line)}\n\n"
                if event["kind"] == "report":
                    return
            waited = time.monotonic() - started
            if (
                status == "failed"
                or (row is None and waited > WAIT_FOR_START_SECONDS)
                or waited > FOLLOW_SECONDS
            ):
                yield f"event: end\ndata: {json.dumps({'status': status})}\n\n"
                return
            time.sleep(POLL_SECONDS)

    return StreamingResponse(stream(), media_type="text/event-stream", headers={"Cache-Control": "no-store"})

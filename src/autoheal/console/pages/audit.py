"""The audit trail, newest first, with the result of ``autoheal audit verify`` (the same
``verify_chain``) at the top of the page."""

from __future__ import annotations

import json
import time
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select

from autoheal.api.auth import services
from autoheal.app import Autoheal
from autoheal.audit.store import AuditRecordRow
from autoheal.audit.verify import verify_chain
from autoheal.console.sessions import Viewer
from autoheal.console.web import ConsoleRoute, current_viewer, render

router = APIRouter(route_class=ConsoleRoute)

PAGE = 100
KINDS = ["tool_call", "model_call", "reasoning_step", "human_action"]


def _payload(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


@router.get("/audit")
def audit_page(
    request: Request,
    kind: str = Query("", pattern="^(|tool_call|model_call|reasoning_step|human_action)$"),
    actor: str = Query("", max_length=256),
    before: int | None = Query(None, ge=1, description="records with a smaller seq (older)"),
    viewer: Viewer = Depends(current_viewer),
    app: Autoheal = Depends(services),
) -> HTMLResponse:
    app.governance.audit.flush()  # async durability: what was appended is on the page
    started = time.perf_counter()
    report = verify_chain(app.engine)
    verify_ms = (time.perf_counter() - started) * 1000
    query = select(AuditRecordRow).order_by(AuditRecordRow.seq.desc()).limit(PAGE)
    if kind:
        query = query.where(AuditRecordRow.kind == kind)
    if actor:
        query = query.where(AuditRecordRow.actor.contains(actor))
    if before is not None:
        query = query.where(AuditRecordRow.seq < before)
    with app.sessions() as session:
        records = [
            {
                "seq": r.seq,
                "at": r.at,
                "kind": r.kind,
                "actor": r.actor,
                "payload": _payload(r.payload),
                "hash": r.hash,
            }
            for r in session.scalars(query)
        ]
    return render(
        request,
        "audit.html",
        viewer,
        records=records,
        report=report,
        verify_ms=verify_ms,
        kind=kind,
        actor=actor,
        kinds=KINDS,
        older=records[-1]["seq"] if len(records) == PAGE else None,
    )

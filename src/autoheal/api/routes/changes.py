"""``POST /api/v1/changes``: record deploys, config changes and feature-flag flips.

Accepts the generic JSON format, or GitHub ``deployment`` / ``deployment_status`` webhooks (told
apart by the ``X-GitHub-Event`` header); see :mod:`autoheal.tools.change_payloads`. Answers
``201 {"recorded": [ids]}`` once the changes are stored, ``200 {"recorded": [], "ignored": ...}``
for a GitHub ``ping``, 400 for a body that is not JSON, 413 above 1 MiB, 422 for JSON that is not a
change (the message says which field and why).

The store and the clock are the application's (``app.state.autoheal``); a test without one mounts
the router and overrides them::

    app.include_router(changes.router)
    app.dependency_overrides[changes.get_change_store] = lambda: telemetry.changes
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from autoheal.api.auth import configured
from autoheal.api.problems import problem
from autoheal.clock import Clock, SystemClock
from autoheal.errors import InputError, PayloadError
from autoheal.pipeline.ingest import parse_json
from autoheal.telemetry.stores import ChangeStore
from autoheal.tools.change_payloads import parse_generic, parse_github

router = APIRouter(tags=["changes"])

MAX_BODY = 1_048_576


async def get_change_store(request: Request) -> ChangeStore:
    """The application's change store (tests override it)."""
    store: ChangeStore = configured(
        request, "no change store is configured for POST /api/v1/changes"
    ).telemetry.changes
    return store


async def get_clock(request: Request) -> Clock:
    autoheal = getattr(request.app.state, "autoheal", None)
    clock: Clock = autoheal.clock if autoheal is not None else SystemClock()
    return clock


def _error(request: Request, status: int, message: str) -> JSONResponse:
    return problem(status, message, request.url.path)


@router.post("/api/v1/changes", status_code=201)
async def post_changes(
    request: Request,
    store: ChangeStore = Depends(get_change_store),
    clock: Clock = Depends(get_clock),
) -> JSONResponse:
    body = await request.body()
    if len(body) > MAX_BODY:
        return _error(request, 413, f"body exceeds the limit of {MAX_BODY} bytes")
    try:
        payload = parse_json(body)
    except InputError as exc:
        return _error(
            request,
            400,
            f"the body is not JSON ({exc.message}); send a change object or a GitHub deployment event",
        )
    now = clock.now()
    event = request.headers.get("x-github-event")
    try:
        if event:
            change = parse_github(event, payload, now)
            if change is None:
                return JSONResponse({"recorded": [], "ignored": f"GitHub {event} event"}, status_code=200)
            changes = [change]
        else:
            changes = parse_generic(payload, now)
    except PayloadError as exc:
        return _error(request, 422, exc.message)
    for change in changes:
        store.record_change(change)
    return JSONResponse({"recorded": [c.id for c in changes]}, status_code=201)

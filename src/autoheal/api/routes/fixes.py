"""Preventive fixes over HTTP (docs/fixes.md).

* ``GET /api/v1/fixes`` (viewer) — ``?status=&service=&kind=&limit=``, newest first, without files
* ``GET /api/v1/fixes/{id}`` (viewer) — one fix with its files, checks and figures
* ``GET /api/v1/fixes/{id}/patch`` (viewer) — a unified patch against ``fixes.rules_dir``
* ``POST /api/v1/fixes/{id}/accept`` | ``/reject`` | ``/merged`` (responder) — ``{"reason": "..."}``
  (a rejection needs one); audited under the caller's token fingerprint
* ``POST /api/v1/fixes/{id}/pull-request`` (responder) — open its GitHub pull request (``fixes.github``)
* ``POST /api/v1/fixes/generate`` (responder) — ``{"investigation_id": "..."}``: generate, check, offer
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, ConfigDict, Field

from autoheal.api.auth import require, services, token_actor
from autoheal.app import Autoheal
from autoheal.fixes import store
from autoheal.fixes.decisions import MAX_REASON, decide
from autoheal.fixes.delivery import unified_patch
from autoheal.store.tokens import Role

router = APIRouter(prefix="/api/v1/fixes", tags=["fixes"])


class DecisionBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str | None = Field(None, max_length=MAX_REASON)


class GenerateBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    investigation_id: str = Field(min_length=1, max_length=128)


@router.get("", dependencies=[Depends(require(Role.VIEWER))])
def list_fixes(
    status: str | None = None,
    service: str | None = None,
    kind: str | None = None,
    limit: int = Query(100, ge=1, le=1000),
    app: Autoheal = Depends(services),
) -> dict[str, Any]:
    with app.sessions() as session:
        rows = store.list_fixes(session, status=status, service=service, kind=kind, limit=limit)
        return {"fixes": [store.fix_to_dict(r, files=False) for r in rows]}


@router.post("/generate", dependencies=[Depends(require(Role.RESPONDER))])
def generate(body: GenerateBody, app: Autoheal = Depends(services)) -> dict[str, Any]:
    from autoheal.fixes.service import generate_for_investigation

    return generate_for_investigation(app, body.investigation_id).to_dict()


@router.get("/{fix_id}", dependencies=[Depends(require(Role.VIEWER))])
def get_fix(fix_id: int, app: Autoheal = Depends(services)) -> dict[str, Any]:
    with app.sessions() as session:
        return store.fix_to_dict(store.get_fix(session, fix_id))


@router.get("/{fix_id}/patch", dependencies=[Depends(require(Role.VIEWER))], response_class=PlainTextResponse)
def get_patch(fix_id: int, app: Autoheal = Depends(services)) -> PlainTextResponse:
    with app.sessions() as session:
        files = dict(store.get_fix(session, fix_id).files)
    return PlainTextResponse(unified_patch(files, app.settings.fixes.rules_dir), media_type="text/x-diff")


@router.post("/{fix_id}/pull-request", dependencies=[Depends(require(Role.RESPONDER))])
def pull_request(fix_id: int, request: Request, app: Autoheal = Depends(services)) -> dict[str, Any]:
    from autoheal.fixes.delivery import open_pull_request

    return open_pull_request(
        app.sessions,
        app.governance.audit,
        app.clock,
        fix_id,
        app.settings.fixes.github,
        by=token_actor(request),
    )


def _decision(name: str) -> Any:
    def endpoint(
        fix_id: int, body: DecisionBody, request: Request, app: Autoheal = Depends(services)
    ) -> dict[str, Any]:
        return decide(
            app.sessions,
            app.governance.audit,
            app.clock,
            fix_id,
            name,
            by=token_actor(request),
            reason=body.reason,
        )

    endpoint.__name__ = f"fix_{name}"
    return endpoint


for _name in ("accept", "reject", "merged"):
    router.add_api_route(
        f"/{{fix_id}}/{_name}",
        _decision(_name),
        methods=["POST"],
        dependencies=[Depends(require(Role.RESPONDER))],
    )

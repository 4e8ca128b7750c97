"""Silences and maintenance windows stored in the database (triage reads them with the config
file's ``triage.maintenance``; see :mod:`autoheal.store.silences`).

* ``GET /api/v1/silences`` (viewer) — active and pending ones; ``?include_expired=true`` for all.
* ``POST /api/v1/silences`` (responder) — ``{"name", "comment", "starts_at", "ends_at",
  "services", "matchers"}``; 201 with the stored silence.
* ``GET /api/v1/silences/{id}``, ``DELETE /api/v1/silences/{id}`` (responder: expire it now).
* The same under ``/api/v1/maintenance`` for maintenance windows.

Who created or expired one is recorded by their token's fingerprint (as approvals are).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request

from autoheal.api.auth import require, services, token_actor
from autoheal.api.params import id_path, offset_query
from autoheal.app import Autoheal
from autoheal.store import silences as store
from autoheal.store.tokens import Role


def _router(kind: store.Kind, prefix: str, noun: str) -> APIRouter:
    router = APIRouter(prefix=prefix, tags=["silences"])

    @router.get(
        "",
        summary=f"{noun.capitalize()}s: active and pending (or all)",
        dependencies=[Depends(require(Role.VIEWER))],
    )
    def list_(
        include_expired: bool = Query(False, description="also the expired ones"),
        limit: int = Query(100, ge=1, le=1000),
        offset: int = offset_query(),
        app: Autoheal = Depends(services),
    ) -> dict[str, Any]:
        now = app.clock.now()
        with app.sessions() as session:
            rows = store.list_(
                session, kind, now, include_expired=include_expired, limit=limit, offset=offset
            )
            return {f"{kind}s" if kind == "silence" else "windows": [store.to_dict(r, now) for r in rows]}

    @router.post(
        "", status_code=201, summary=f"Create a {noun}", dependencies=[Depends(require(Role.RESPONDER))]
    )
    def create(
        spec: store.SuppressionSpec, request: Request, app: Autoheal = Depends(services)
    ) -> dict[str, Any]:
        now = app.clock.now()
        with app.sessions() as session:
            return store.to_dict(store.create(session, kind, spec, token_actor(request), now), now)

    @router.get("/{item_id}", summary=f"One {noun}", dependencies=[Depends(require(Role.VIEWER))])
    def get(item_id: int = id_path(noun), app: Autoheal = Depends(services)) -> dict[str, Any]:
        with app.sessions() as session:
            return store.to_dict(store.get(session, kind, item_id), app.clock.now())

    @router.delete(
        "/{item_id}", summary=f"Expire a {noun} now", dependencies=[Depends(require(Role.RESPONDER))]
    )
    def expire(
        request: Request, item_id: int = id_path(noun), app: Autoheal = Depends(services)
    ) -> dict[str, Any]:
        now = app.clock.now()
        with app.sessions() as session:
            return store.to_dict(store.expire(session, kind, item_id, token_actor(request), now), now)

    return router


router = _router("silence", "/api/v1/silences", "silence")
maintenance_router = _router("maintenance", "/api/v1/maintenance", "maintenance window")

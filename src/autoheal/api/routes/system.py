"""Health, Autoheal's own metrics, and the OpenAPI document."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import text

from autoheal.api.auth import authenticate, require, services
from autoheal.app import Autoheal
from autoheal.selfmetrics import CONTENT_TYPE_LATEST
from autoheal.store.tokens import Role

router = APIRouter(tags=["system"])


@router.get("/healthz", summary="Liveness and database reachability (open)")
def healthz(app: Autoheal = Depends(services)) -> JSONResponse:
    try:
        with app.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:
        return JSONResponse({"status": "unhealthy", "database": str(exc.__class__.__name__)}, status_code=503)
    return JSONResponse({"status": "ok"})


@router.get("/metrics", summary="Prometheus exposition of Autoheal's own metrics (viewer token)")
def metrics(request: Request, app: Autoheal = Depends(services)) -> Response:
    if not app.settings.server.public_metrics:
        authenticate(app, request.headers)
    return Response(app.metrics.exposition(), media_type=CONTENT_TYPE_LATEST)


@router.get(
    "/api/v1/openapi.json", summary="The OpenAPI document", dependencies=[Depends(require(Role.VIEWER))]
)
def openapi(request: Request) -> dict[str, Any]:
    document: dict[str, Any] = request.app.openapi()
    return document

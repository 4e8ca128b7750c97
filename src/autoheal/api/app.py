"""``create_app``: the FastAPI application over an :class:`~autoheal.app.Autoheal`."""

from __future__ import annotations

import importlib
import logging

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse

from autoheal import __version__
from autoheal.api.auth import change_sender
from autoheal.api.routes import alerts, approvals, changes, investigations, system, triage, webhooks
from autoheal.app import Autoheal
from autoheal.errors import AutohealError

log = logging.getLogger(__name__)

# Routers of other areas, mounted when their module is present: (module, attribute).
OPTIONAL_ROUTERS: list[tuple[str, str]] = [
    ("autoheal.api.routes.incidents", "router"),
    ("autoheal.api.routes.fixes", "router"),
    ("autoheal.api.routes.reports", "router"),
]


def create_app(autoheal: Autoheal) -> FastAPI:
    api = FastAPI(
        title="Autoheal",
        version=__version__,
        description="Alert triage, root-cause investigation and incident response. "
        "Every endpoint except /healthz needs credentials.",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,  # served behind auth at /api/v1/openapi.json
    )
    api.state.autoheal = autoheal

    @api.exception_handler(AutohealError)
    async def _autoheal_error(request: Request, exc: AutohealError) -> JSONResponse:
        status = getattr(exc, "status_code", 500)
        if status >= 500:
            log.error("request failed", extra={"path": request.url.path, "error": exc.message})
            status = 503
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        return JSONResponse({"error": exc.message}, status_code=status, headers=headers)

    api.include_router(system.router)
    api.include_router(webhooks.router)
    api.include_router(alerts.router)
    api.include_router(changes.router, dependencies=[Depends(change_sender)])
    api.dependency_overrides[changes.get_change_store] = lambda: autoheal.telemetry.changes
    api.dependency_overrides[changes.get_clock] = lambda: autoheal.clock
    api.include_router(approvals.router)
    api.include_router(investigations.router)
    api.include_router(triage.router)
    api.dependency_overrides[approvals.get_approval_service] = lambda: autoheal.governance.approvals
    for module_name, attribute in OPTIONAL_ROUTERS:
        module = importlib.import_module(module_name)
        api.include_router(getattr(module, attribute))
    return api

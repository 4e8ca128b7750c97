"""``create_app``: the FastAPI application over an :class:`~autoheal.app.Autoheal`."""

from __future__ import annotations

import importlib
import logging

from fastapi import Depends, FastAPI

from autoheal import __version__
from autoheal.api import docs, problems
from autoheal.api.auth import change_sender
from autoheal.api.routes import (
    alerts,
    approvals,
    audit,
    changes,
    investigations,
    silences,
    system,
    tokens,
    tools,
    triage,
    webhooks,
)
from autoheal.app import Autoheal

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
    api.state.autoheal = autoheal  # what the dependencies read: no ``dependency_overrides`` here, since
    # while any is set FastAPI re-derives every dependency of every request (~3 % of a webhook's work)
    problems.install(api)  # RFC 9457 error bodies everywhere, declared in the OpenAPI document
    docs.install(api)  # Swagger UI from packaged assets at /docs

    api.include_router(system.router)
    api.include_router(webhooks.router)
    api.include_router(alerts.router)
    api.include_router(changes.router, dependencies=[Depends(change_sender)])
    api.include_router(approvals.router)
    api.include_router(investigations.router)
    api.include_router(triage.router)
    api.include_router(tokens.router)
    api.include_router(silences.router)
    api.include_router(silences.maintenance_router)
    api.include_router(tools.router)
    api.include_router(audit.router)
    from autoheal.console.app import router as console_router

    api.include_router(console_router)  # the web console under /console (session cookie auth)
    for module_name, attribute in OPTIONAL_ROUTERS:
        module = importlib.import_module(module_name)
        api.include_router(getattr(module, attribute))
    return api

"""The console's router: login and logout, static assets, and one module per page area.

Mounted by ``autoheal.api.app.create_app`` under ``/console``. To add an area: write
``console/pages/<area>.py`` with ``router = APIRouter(route_class=ConsoleRoute)``, its template in
``console/templates/``, and add the module to ``PAGES`` (and its link to ``web.NAV``).
"""

from __future__ import annotations

import importlib
import importlib.resources
import secrets
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import RedirectResponse

from autoheal.api.auth import services
from autoheal.app import Autoheal
from autoheal.clock import utc
from autoheal.console.sessions import COOKIE, LOGIN_COOKIE, SESSION_TTL, Viewer, check_csrf
from autoheal.console.web import (
    PREFIX,
    ConsoleRoute,
    acting,
    read_form,
    render,
    session_store,
)
from autoheal.errors import AuthError, NotFoundError
from autoheal.store.tokens import Role

# One module per page area under autoheal.console.pages, each exposing `router`.
PAGES: list[str] = [
    "alerts",
    "investigations",
    "incidents",
    "graph",
    "fixes",
    "reports",
    "approvals",
    "audit",
]

STATIC_TYPES = {".css": "text/css", ".js": "text/javascript", ".svg": "image/svg+xml"}

router = APIRouter(prefix=PREFIX, route_class=ConsoleRoute, include_in_schema=False)


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def _safe_next(target: str | None) -> str:
    """Only a path inside the console (no scheme, no host: no open redirect)."""
    if not target:
        return f"{PREFIX}/alerts"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith(PREFIX + "/") or "\\" in target:
        return f"{PREFIX}/alerts"
    return target


@router.get("")
@router.get("/")
def index() -> RedirectResponse:
    return RedirectResponse(f"{PREFIX}/alerts", status_code=303)


@router.get("/login")
def login_page(request: Request, next: str | None = None) -> Response:
    csrf = secrets.token_urlsafe(32)
    response = render(request, "login.html", None, csrf=csrf, next=_safe_next(next), error=None)
    response.set_cookie(
        LOGIN_COOKIE,
        csrf,
        httponly=True,
        samesite="strict",
        secure=_secure(request),
        path=PREFIX,
        max_age=3600,
    )
    return response


@router.post("/login")
async def login(request: Request, app: Autoheal = Depends(services)) -> Response:
    form = await read_form(request)
    check_csrf(request.cookies.get(LOGIN_COOKIE) or secrets.token_urlsafe(8), form.get("csrf"))
    target = _safe_next(form.get("next"))
    try:
        cookie = session_store(app).open_session(form.get("token", ""), utc(app.clock.now()))
    except AuthError as exc:
        csrf = secrets.token_urlsafe(32)
        refused = render(
            request, "login.html", None, status_code=401, csrf=csrf, next=target, error=exc.message
        )
        refused.set_cookie(
            LOGIN_COOKIE, csrf, httponly=True, samesite="strict", secure=_secure(request), path=PREFIX
        )
        return refused
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        COOKIE,
        cookie,
        httponly=True,
        samesite="strict",
        secure=_secure(request),
        path=PREFIX,
        max_age=int(SESSION_TTL.total_seconds()),
    )
    response.delete_cookie(LOGIN_COOKIE, path=PREFIX)
    return response


@router.post("/logout")
def logout(
    app: Autoheal = Depends(services),
    acted: tuple[Viewer, dict[str, str]] = Depends(acting(Role.VIEWER)),
) -> Response:
    session_store(app).close_session(acted[0])
    response = RedirectResponse(f"{PREFIX}/login", status_code=303)
    response.delete_cookie(COOKIE, path=PREFIX)
    return response


@router.get("/static/{name}")
def static(name: str) -> Response:
    suffix = "." + name.rpartition(".")[2]
    if "/" in name or name.startswith(".") or suffix not in STATIC_TYPES:
        raise NotFoundError(f"no console asset {name!r}")
    resource = importlib.resources.files("autoheal.console").joinpath("static", name)
    if not resource.is_file():
        raise NotFoundError(f"no console asset {name!r}")
    return Response(
        resource.read_bytes(),
        media_type=STATIC_TYPES[suffix],
        headers={"Cache-Control": "public, max-age=3600"},
    )


for _module in PAGES:
    router.include_router(importlib.import_module(f"autoheal.console.pages.{_module}").router)

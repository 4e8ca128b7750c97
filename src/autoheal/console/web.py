"""What every console page shares: the route class (HTML errors, login redirects, security
headers), the session dependencies, form parsing with CSRF, and template rendering."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Coroutine
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, quote

import jinja2
from fastapi import Depends, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from markupsafe import Markup

from autoheal.api.auth import services
from autoheal.app import Autoheal
from autoheal.clock import utc
from autoheal.console import charts
from autoheal.console.describe import describe_audit, describe_event
from autoheal.console.sessions import COOKIE, SessionStore, Viewer, check_csrf
from autoheal.errors import AutohealError, InputError
from autoheal.store.tokens import Role, hash_token

PREFIX = "/console"
MAX_FORM_BYTES = 16_384

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}

# The navigation: (path under /console, label). An area adds itself here and in app.PAGES.
NAV: list[tuple[str, str]] = [
    ("/alerts", "Alerts"),
    ("/investigations", "Investigations"),
    ("/incidents", "Incidents"),
    ("/graph", "Context graph"),
    ("/fixes", "Fixes"),
    ("/reports/oncall", "On-call report"),
    ("/approvals", "Approvals"),
    ("/audit", "Audit trail"),
]


class LoginRequired(Exception):
    """No valid session: the browser is sent to the login page."""


class ConsoleRoute(APIRoute):
    """Errors as HTML pages with the right status; no session -> the login page; security
    headers on every answer."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                response = await handler(request)
            except LoginRequired:
                target = request.url.path
                if request.url.query:
                    target += "?" + request.url.query
                where = (
                    f"{PREFIX}/login" if request.method != "GET" else f"{PREFIX}/login?next={quote(target)}"
                )
                response = RedirectResponse(where, status_code=303)
            except AutohealError as exc:
                status = getattr(exc, "status_code", 500)
                status = 503 if status >= 500 else status
                viewer = getattr(request.state, "viewer", None)
                response = render(request, "error.html", viewer, status_code=status, message=exc.message)
            for key, value in SECURITY_HEADERS.items():
                response.headers.setdefault(key, value)
            return response

        return route


def session_store(app: Autoheal) -> SessionStore:
    admin = app.settings.auth.admin_token
    return SessionStore(app.sessions, hash_token(admin.get_secret_value()) if admin is not None else None)


def current_viewer(request: Request, app: Autoheal = Depends(services)) -> Viewer:
    viewer = session_store(app).resolve(request.cookies.get(COOKIE), utc(app.clock.now()))
    if viewer is None:
        raise LoginRequired
    request.state.viewer = viewer
    return viewer


async def read_form(request: Request) -> dict[str, str]:
    """An ``application/x-www-form-urlencoded`` body as a dict (first value of each field)."""
    declared = request.headers.get("content-length", "0")
    if declared.isdigit() and int(declared) > MAX_FORM_BYTES:
        raise InputError(f"form larger than {MAX_FORM_BYTES} bytes")
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        raise InputError(f"form larger than {MAX_FORM_BYTES} bytes")
    try:
        fields = parse_qs(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
    except UnicodeDecodeError as exc:
        raise InputError("the form is not UTF-8") from exc
    return {k: v[0] for k, v in fields.items()}


def acting(role: Role) -> Callable[..., Coroutine[Any, Any, tuple[Viewer, dict[str, str]]]]:
    """Dependency of every form post: a session with at least ``role``, and a form whose CSRF
    token matches the session's. Answers (viewer, form fields)."""

    async def dependency(
        request: Request, viewer: Viewer = Depends(current_viewer)
    ) -> tuple[Viewer, dict[str, str]]:
        form = await read_form(request)
        check_csrf(viewer.csrf, form.get("csrf"))
        viewer.require(role)
        return viewer, form

    return dependency


def back(path: str) -> RedirectResponse:
    return RedirectResponse(PREFIX + path, status_code=303)


# --- rendering ----------------------------------------------------------------------------------
def _when(value: Any) -> str:
    if value is None or value == "":
        return "–"
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
    return utc(value).strftime("%Y-%m-%d %H:%M:%S")


def _pct(value: Any) -> str:
    try:
        return f"{float(value):.0%}"
    except (TypeError, ValueError):
        return "–"


def _pretty(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True, default=str, ensure_ascii=False)


@functools.cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("autoheal.console", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["when"] = _when
    env.filters["pct"] = _pct
    env.filters["pretty"] = _pretty
    env.filters["describe_event"] = describe_event
    env.filters["describe_audit"] = describe_audit
    env.globals["sparkline"] = lambda series, **kw: Markup(charts.sparkline(series, **kw))
    env.globals["series_of"] = charts.series_of
    env.globals["bar"] = lambda value, **kw: Markup(charts.bar(value, **kw))
    env.globals["Role"] = Role
    return env


def render(
    request: Request, template: str, viewer: Viewer | None, *, status_code: int = 200, **context: Any
) -> HTMLResponse:
    page = environment().get_template(template)
    html = page.render(
        prefix=PREFIX,
        nav=NAV,
        path=request.url.path,
        viewer=viewer,
        responder=viewer is not None and viewer.may(Role.RESPONDER),
        status_code=status_code,
        **context,
    )
    return HTMLResponse(html, status_code=status_code)

"""The Production Context Graph around a service: what it depends on and what depends on it, the
past incidents on it with what was learned from them (root cause, validity weight, check order,
what was ruled out), and which changes lowered or closed that knowledge — one server-rendered SVG
(:mod:`autoheal.console.graphsvg`) over :func:`autoheal.graph.context.service_context`, then the
same facts as tables."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from markupsafe import Markup

from autoheal.api.auth import services
from autoheal.app import Autoheal
from autoheal.console.graphsvg import context_svg
from autoheal.console.sessions import Viewer
from autoheal.console.web import PREFIX, ConsoleRoute, current_viewer, render
from autoheal.graph.context import graph_services, service_context
from autoheal.graph.store import GraphStore

router = APIRouter(route_class=ConsoleRoute)


@router.get("/graph", response_model=None)
def graph_index(
    request: Request,
    service: str = Query("", max_length=256),
    viewer: Viewer = Depends(current_viewer),
    app: Autoheal = Depends(services),
) -> HTMLResponse | RedirectResponse:
    if service.strip():
        from urllib.parse import quote

        return RedirectResponse(f"{PREFIX}/graph/{quote(service.strip(), safe='')}", status_code=303)
    with app.sessions() as session:
        store = GraphStore(session)
        names = graph_services(store)
        counts = store.counts()
    return render(request, "graph_index.html", viewer, services=names, counts=counts)


@router.get("/graph/{service}")
def graph_page(
    service: str,
    request: Request,
    viewer: Viewer = Depends(current_viewer),
    app: Autoheal = Depends(services),
) -> HTMLResponse:
    with app.sessions() as session:
        store = GraphStore(session)
        ctx = service_context(store, service)
        names = graph_services(store)
    return render(request, "graph.html", viewer, ctx=ctx, picture=Markup(context_svg(ctx)), services=names)

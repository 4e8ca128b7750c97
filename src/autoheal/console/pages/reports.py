"""The on-call report (docs/fixes.md, "The on-call report") for a team or a service over a window:
the funnel chart (:mod:`autoheal.reports.funnel`, drawn from the report's own figures), then every
figure with its definition and the rows behind it. Built by
:func:`autoheal.reports.oncall.build_report`, as the CLI and ``GET /api/v1/reports/oncall`` do."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from autoheal.api.auth import services
from autoheal.app import Autoheal
from autoheal.console.sessions import Viewer
from autoheal.console.web import ConsoleRoute, current_viewer, render
from autoheal.reports.funnel import funnel, funnel_svg
from autoheal.reports.oncall import build_report, parse_when
from autoheal.reports.scopes import known_scopes

router = APIRouter(route_class=ConsoleRoute)

ROWS_SHOWN = 50


def _scopes(app: Autoheal) -> tuple[list[str], list[str]]:
    with app.sessions() as session:
        return known_scopes(session, app.settings.reports)


@router.get("/reports/oncall")
def oncall_page(
    request: Request,
    team: str = Query("", max_length=256),
    service: str = Query("", max_length=256),
    since: str = Query("7d", max_length=64),
    until: str = Query("now", max_length=64),
    viewer: Viewer = Depends(current_viewer),
    app: Autoheal = Depends(services),
) -> HTMLResponse:
    teams, names = _scopes(app)
    if not team and not service:  # a sensible first view: the first team, else the busiest service
        if teams:
            team = teams[0]
        elif names:
            service = names[0]
    report: dict[str, Any] | None = None
    chart = Markup("")
    stages: list[dict[str, Any]] = []
    if team or service:
        now = app.clock.now()
        with app.sessions() as session:
            built = build_report(
                session,
                app.settings.reports,
                parse_when(since, now),
                parse_when(until, now),
                team=team or None,
                service=None if team else service,
            )
        found = funnel(built)
        stages = [s.to_dict() for s in found]
        chart = Markup(funnel_svg(found))
        report = built.to_dict()
    return render(
        request,
        "report.html",
        viewer,
        report=report,
        chart=chart,
        stages=stages,
        team=team,
        service="" if team else service,
        since=since,
        until=until,
        teams=teams,
        services=names,
        rows_shown=ROWS_SHOWN,
    )

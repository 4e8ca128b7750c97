"""``GET /api/v1/reports/oncall`` (viewer): the on-call report (docs/fixes.md) —
``?team=T`` or ``?service=S``, ``since`` / ``until`` (a duration back such as ``7d``, or an ISO
time; default the last 7 days), every figure with the rows behind it; ``?figure=NAME`` drills down
to that figure alone (its definition, value and rows).
``GET /api/v1/reports/oncall/funnel.svg`` (viewer), same parameters: the alerts -> no page -> pages
funnel chart.

``GET /api/v1/reports/shadow`` (viewer): what Autoheal would have paged, posted and suppressed,
and where it disagreed with the humans (docs/shadow.md) — ``since`` (default ``1d``) / ``until``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from autoheal.api.auth import require, services
from autoheal.app import Autoheal
from autoheal.store.tokens import Role

router = APIRouter(prefix="/api/v1/reports", tags=["reports"])


@router.get("/oncall", dependencies=[Depends(require(Role.VIEWER))])
def oncall(
    team: str | None = None,
    service: str | None = None,
    since: str = "7d",
    until: str = "now",
    figure: str | None = None,
    app: Autoheal = Depends(services),
) -> dict[str, Any]:
    report = _report(app, team, service, since, until)
    if figure is not None:
        names = [f.name for f in report.figures]
        if figure not in names:
            from autoheal.errors import InputError

            raise InputError(f"no figure {figure!r} in the on-call report; one of: {', '.join(names)}")
        return report.figure(figure).to_dict()
    out = report.to_dict()
    out["summary"] = report.summary()
    return out


@router.get("/oncall/funnel.svg", dependencies=[Depends(require(Role.VIEWER))], response_class=Response)
def funnel(
    team: str | None = None,
    service: str | None = None,
    since: str = "7d",
    until: str = "now",
    app: Autoheal = Depends(services),
) -> Response:
    from autoheal.reports.funnel import report_svg

    return Response(report_svg(_report(app, team, service, since, until)), media_type="image/svg+xml")


def _report(app: Autoheal, team: str | None, service: str | None, since: str, until: str) -> Any:
    from autoheal.reports.oncall import build_report, parse_when

    now = app.clock.now()
    with app.sessions() as session:
        return build_report(
            session,
            app.settings.reports,
            parse_when(since, now),
            parse_when(until, now),
            team=team,
            service=service,
        )


@router.get("/shadow", dependencies=[Depends(require(Role.VIEWER))])
def shadow(since: str = "1d", until: str = "now", app: Autoheal = Depends(services)) -> dict[str, Any]:
    from autoheal.reports.oncall import parse_when
    from autoheal.reports.shadow import build_shadow_report

    now = app.clock.now()
    with app.sessions() as session:
        report = build_shadow_report(
            session, parse_when(since, now), parse_when(until, now), mode=app.settings.pipeline.mode
        )
    return report.to_dict()

"""Preventive fixes to accept or reject: the list (filters by status, service, kind) and one fix
with its files, the checks it passed (real promtool / pytest), its figures and its history, and a
unified patch against the rules repository. A responder accepts, rejects (with the reason, which
the next generation learns from) or marks an accepted fix merged, through
:func:`autoheal.fixes.decisions.decide` — the code the CLI and the API call — audited under the
token's name."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from autoheal.api.auth import services
from autoheal.app import Autoheal
from autoheal.console.sessions import Viewer
from autoheal.console.web import ConsoleRoute, acting, back, current_viewer, render
from autoheal.fixes import store
from autoheal.fixes.decisions import DECISIONS, MAX_REASON, decide
from autoheal.fixes.delivery import unified_patch
from autoheal.fixes.model import TRANSITIONS, FixKind, FixStatus
from autoheal.store.tokens import Role

router = APIRouter(route_class=ConsoleRoute)

STATUS_PATTERN = "^(|" + "|".join(s.value for s in FixStatus) + ")$"
KIND_PATTERN = "^(|" + "|".join(k.value for k in FixKind) + ")$"
# the decision that moves a fix to each status (the forms a responder sees)
DECISION_FOR = {status: name for name, status in DECISIONS.items()}


@router.get("/fixes")
def fixes_page(
    request: Request,
    status: str = Query("", pattern=STATUS_PATTERN),
    service: str = Query("", max_length=256),
    kind: str = Query("", pattern=KIND_PATTERN),
    viewer: Viewer = Depends(current_viewer),
    app: Autoheal = Depends(services),
) -> HTMLResponse:
    with app.sessions() as session:
        rows = store.list_fixes(
            session, status=status or None, service=service or None, kind=kind or None, limit=500
        )
        fixes = [store.fix_to_dict(r, files=False) for r in rows]
    fixes.sort(key=lambda f: (f["status"] != FixStatus.PROPOSED.value, -f["id"]))
    return render(
        request,
        "fixes.html",
        viewer,
        fixes=fixes,
        status=status,
        service=service,
        kind=kind,
        statuses=[s.value for s in FixStatus],
        kinds=[k.value for k in FixKind],
    )


@router.get("/fixes/{fix_id}")
def fix_page(
    fix_id: int, request: Request, viewer: Viewer = Depends(current_viewer), app: Autoheal = Depends(services)
) -> HTMLResponse:
    with app.sessions() as session:
        fix = store.fix_to_dict(store.get_fix(session, fix_id))
    patch = unified_patch(dict(fix["files"]), app.settings.fixes.rules_dir)
    nexts = [DECISION_FOR[s] for s in TRANSITIONS[FixStatus(fix["status"])]]
    return render(request, "fix.html", viewer, fix=fix, patch=patch, decisions=nexts, max_reason=MAX_REASON)


def _decision(name: str) -> Callable[..., RedirectResponse]:
    def endpoint(
        fix_id: int,
        acted: tuple[Viewer, dict[str, str]] = Depends(acting(Role.RESPONDER)),
        app: Autoheal = Depends(services),
    ) -> RedirectResponse:
        viewer, form = acted
        reason = form.get("reason", "").strip() or None
        decide(app.sessions, app.governance.audit, app.clock, fix_id, name, by=viewer.actor, reason=reason)
        return back(f"/fixes/{fix_id}")

    endpoint.__name__ = f"console_fix_{name}"
    return endpoint


for _name in DECISIONS:
    router.add_api_route(f"/fixes/{{fix_id}}/{_name}", _decision(_name), methods=["POST"])

"""Approval requests for write actions: pending first; a responder or admin grants or refuses
through the same :class:`~autoheal.governance.approvals.ApprovalService` as the API and CLI
(which checks the approver roles and audits the decision)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from autoheal.api.auth import services
from autoheal.app import Autoheal
from autoheal.console.sessions import Viewer
from autoheal.console.web import ConsoleRoute, acting, back, current_viewer, render
from autoheal.governance.approvals import Principal
from autoheal.store.tokens import Role

router = APIRouter(route_class=ConsoleRoute)

STATUSES = ["pending", "granted", "refused", "used", "expired"]


@router.get("/approvals")
def approvals_page(
    request: Request,
    status: str = Query("", pattern="^(|pending|granted|refused|used|expired)$"),
    viewer: Viewer = Depends(current_viewer),
    app: Autoheal = Depends(services),
) -> HTMLResponse:
    requests = app.governance.approvals.list(status=status or None, limit=200)
    requests.sort(key=lambda r: (r.status != "pending", -r.id))
    return render(request, "approvals.html", viewer, approvals=requests, status=status, statuses=STATUSES)


@router.post("/approvals/{approval_id}/grant")
def grant(
    approval_id: int,
    acted: tuple[Viewer, dict[str, str]] = Depends(acting(Role.VIEWER)),
    app: Autoheal = Depends(services),
) -> RedirectResponse:
    viewer, form = acted
    app.governance.approvals.grant(approval_id, _principal(viewer), form.get("note", "")[:2000])
    return back("/approvals")


@router.post("/approvals/{approval_id}/deny")
def deny(
    approval_id: int,
    acted: tuple[Viewer, dict[str, str]] = Depends(acting(Role.VIEWER)),
    app: Autoheal = Depends(services),
) -> RedirectResponse:
    viewer, form = acted
    app.governance.approvals.refuse(approval_id, _principal(viewer), form.get("note", "")[:2000])
    return back("/approvals")


def _principal(viewer: Viewer) -> Principal:
    """As the API's ``get_principal``: the service itself refuses roles outside ``approver_roles``."""
    return Principal(name=viewer.actor, role=viewer.role.value)

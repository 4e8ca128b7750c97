"""Approval requests over HTTP: list them (viewer), grant or refuse one (responder or admin).

The service is the application's (``app.state.autoheal``); a test without one mounts the router
and overrides it::

    app.include_router(approvals.router)
    app.dependency_overrides[approvals.get_approval_service] = lambda: governance.approvals

The person deciding comes from :func:`get_principal`, which by default authenticates the bearer
token (``autoheal.api.auth``) and names the person after the token's fingerprint; override it when
the auth layer can name the token's owner. Errors map through ``AutohealError.status_code``
(403 wrong role, 404 unknown request, 400 already decided).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from autoheal.api.auth import configured, require, token_actor
from autoheal.api.params import NO_NUL, id_path
from autoheal.governance.approvals import ApprovalService, Principal
from autoheal.store.tokens import Role

router = APIRouter(prefix="/api/v1/approvals", tags=["approvals"])


async def get_approval_service(request: Request) -> ApprovalService:
    """The application's :class:`ApprovalService` (tests override it)."""
    app = configured(request, "no approval service is configured for /api/v1/approvals")
    service: ApprovalService = app.governance.approvals
    return service


def get_principal(request: Request, role: Role = Depends(require(Role.VIEWER))) -> Principal:
    """The authenticated caller. Authorisation to decide is checked by the service (approver roles)."""
    return Principal(name=token_actor(request), role=role.value)


class Decision(BaseModel):
    note: str = Field("", max_length=2000, pattern=NO_NUL)


@router.get("")
def list_approvals(
    status: str | None = Query(None, pattern="^(pending|granted|refused|used|expired)$"),
    limit: int = Query(100, ge=1, le=1000),
    service: ApprovalService = Depends(get_approval_service),
    _who: Principal = Depends(get_principal),
) -> list[dict[str, Any]]:
    return [r.to_dict() for r in service.list(status=status, limit=limit)]


@router.get("/{approval_id}")
def get_approval(
    approval_id: int = id_path("approval request"),
    service: ApprovalService = Depends(get_approval_service),
    _who: Principal = Depends(get_principal),
) -> dict[str, Any]:
    return service.get(approval_id).to_dict()


@router.post("/{approval_id}/grant")
def grant(
    approval_id: int = id_path("approval request"),
    body: Decision | None = None,
    service: ApprovalService = Depends(get_approval_service),
    who: Principal = Depends(get_principal),
) -> dict[str, Any]:
    return service.grant(approval_id, who, (body.note if body else "")).to_dict()


@router.post("/{approval_id}/deny")
def deny(
    approval_id: int = id_path("approval request"),
    body: Decision | None = None,
    service: ApprovalService = Depends(get_approval_service),
    who: Principal = Depends(get_principal),
) -> dict[str, Any]:
    return service.refuse(approval_id, who, (body.note if body else "")).to_dict()

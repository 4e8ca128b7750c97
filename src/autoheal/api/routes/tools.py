"""``GET /api/v1/tools`` (viewer): the server's governed tools, what its policy says about each for a
caller, and their limits — the same catalogue as ``autoheal tools list``; nothing is called."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query

from autoheal.api.auth import require, services
from autoheal.app import Autoheal
from autoheal.governance.gateway import ToolInfo
from autoheal.store.tokens import Role

router = APIRouter(prefix="/api/v1", tags=["tools"], dependencies=[Depends(require(Role.VIEWER))])


def tool_to_dict(info: ToolInfo) -> dict[str, Any]:
    return {
        "name": info.name,
        "access": info.access.value,
        "decision": info.decision,
        "rule": info.rule,
        "rate_limit": info.rate_limit,
        "concurrency": info.concurrency,
        "description": info.description,
    }


@router.get("/tools", summary="Governed tools, the policy's decision for a caller, their limits")
def list_tools(
    caller: str = Query("investigation", min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$"),
    app: Autoheal = Depends(services),
) -> dict[str, Any]:
    return {"tools": [tool_to_dict(i) for i in app.governance.gateway.catalog(caller=caller)]}

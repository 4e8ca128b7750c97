"""API tokens for people, managed by admins.

* ``POST /api/v1/tokens`` ``{"name": "alice", "role": "responder"}`` — 201 with the token's secret,
  shown this once (only its SHA-256 hash is stored).
* ``GET /api/v1/tokens`` — id, name, role, creation time; never a secret. ``?include_revoked=true``.
* ``DELETE /api/v1/tokens/{id}`` — revoke: the holder gets 401 from the next request on.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field

from autoheal.api.auth import require, services
from autoheal.api.params import id_path
from autoheal.app import Autoheal
from autoheal.store.tokens import Role, issue_token, list_tokens, revoke_token, token_to_dict

router = APIRouter(prefix="/api/v1/tokens", tags=["tokens"], dependencies=[Depends(require(Role.ADMIN))])


class NewToken(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(
        min_length=1, max_length=128, pattern=r"^[^\x00]+$", description="who or what it is for"
    )
    role: Role = Field(description="viewer, responder or admin")


@router.post("", status_code=201, summary="Create an API token (the secret is shown once)")
def create(body: NewToken, app: Autoheal = Depends(services)) -> dict[str, Any]:
    with app.sessions() as session:
        row, secret = issue_token(session, body.role, body.name, app.clock.now())
        return {**token_to_dict(row), "token": secret}


@router.get("", summary="API tokens (without their secrets)")
def list_(
    include_revoked: bool = Query(False, description="also list revoked tokens"),
    app: Autoheal = Depends(services),
) -> dict[str, Any]:
    with app.sessions() as session:
        return {"tokens": [token_to_dict(r) for r in list_tokens(session, include_revoked=include_revoked)]}


@router.delete("/{token_id}", summary="Revoke an API token")
def revoke(token_id: int = id_path("token"), app: Autoheal = Depends(services)) -> dict[str, Any]:
    with app.sessions() as session:
        return token_to_dict(revoke_token(session, token_id))

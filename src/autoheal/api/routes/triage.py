"""Triage verdicts: read one, and say what the alert turned out to be.

* ``GET /api/v1/triage?service=&kind=&outcome=&limit=&offset=`` (viewer) — verdicts, newest first.
* ``GET /api/v1/triage/{verdict_id}`` (viewer) — the verdict with its signals and outcome.
* ``POST /api/v1/triage/{verdict_id}/outcome`` (responder) —
  ``{"outcome": "actionable" | "not_actionable" | "known_issue" | "unknown", "reference": "INC-42"}``;
  a ``known_issue`` needs its reference. The decision is audited under the caller's token
  fingerprint (:func:`autoheal.api.auth.token_actor`). Triage uses the outcomes of a fingerprint's
  past verdicts (see :mod:`autoheal.reasoning.triage.outcomes`).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from autoheal.api.auth import require, services, token_actor
from autoheal.api.params import NO_NUL, id_path, offset_query
from autoheal.app import Autoheal
from autoheal.reasoning import store
from autoheal.reasoning.triage.outcomes import OutcomeDecision, parse_outcome, record_outcome
from autoheal.store.tokens import Role

router = APIRouter(prefix="/api/v1/triage", tags=["triage"])


class OutcomeBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    outcome: str = Field(min_length=1, max_length=32, pattern=NO_NUL)
    reference: str | None = Field(None, max_length=256, pattern=NO_NUL)


@router.get(
    "",
    summary="Triage verdicts, newest first (filters and paging)",
    dependencies=[Depends(require(Role.VIEWER))],
)
def list_verdicts(
    service: str | None = Query(None, max_length=256, description="only this service"),
    kind: str | None = Query(None, pattern="^(noise|duplicate|known_issue|signal)$"),
    outcome: str | None = Query(None, pattern="^(actionable|not_actionable|known_issue|unknown)$"),
    limit: int = Query(50, ge=1, le=1000),
    offset: int = offset_query(),
    app: Autoheal = Depends(services),
) -> dict[str, Any]:
    with app.sessions() as session:
        rows = store.recent_verdicts(session, service, kind, limit, offset=offset, outcome=outcome)
        return {
            "verdicts": [store.verdict_to_dict(r) for r in rows],
            "limit": limit,
            "offset": offset,
        }


@router.get("/{verdict_id}", dependencies=[Depends(require(Role.VIEWER))])
def get_verdict(
    verdict_id: int = id_path("triage verdict"), app: Autoheal = Depends(services)
) -> dict[str, Any]:
    with app.sessions() as session:
        return store.verdict_to_dict(store.get_verdict(session, verdict_id))


@router.post("/{verdict_id}/outcome", dependencies=[Depends(require(Role.RESPONDER))])
def set_outcome(
    body: OutcomeBody,
    request: Request,
    verdict_id: int = id_path("triage verdict"),
    app: Autoheal = Depends(services),
) -> dict[str, Any]:
    decision = OutcomeDecision(verdict_id, parse_outcome(body.outcome), body.reference, token_actor(request))
    return record_outcome(app.sessions, app.governance.audit, decision)

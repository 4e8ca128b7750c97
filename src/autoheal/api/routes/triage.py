"""Triage verdicts: read one, and say what the alert turned out to be.

* ``GET /api/v1/triage/{verdict_id}`` (viewer) — the verdict with its signals and outcome.
* ``POST /api/v1/triage/{verdict_id}/outcome`` (responder) —
  ``{"outcome": "actionable" | "not_actionable" | "known_issue" | "unknown", "reference": "INC-42"}``;
  a ``known_issue`` needs its reference. The decision is audited under the caller's token
  fingerprint (:func:`autoheal.api.auth.token_actor`). Triage uses the outcomes of a fingerprint's
  past verdicts (see :mod:`autoheal.reasoning.triage.outcomes`).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from autoheal.api.auth import require, services, token_actor
from autoheal.app import Autoheal
from autoheal.reasoning import store
from autoheal.reasoning.triage.outcomes import OutcomeDecision, parse_outcome, record_outcome
from autoheal.store.tokens import Role

router = APIRouter(prefix="/api/v1/triage", tags=["triage"])


class OutcomeBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    outcome: str = Field(min_length=1, max_length=32)
    reference: str | None = Field(None, max_length=256)


@router.get("/{verdict_id}", dependencies=[Depends(require(Role.VIEWER))])
def get_verdict(verdict_id: int, app: Autoheal = Depends(services)) -> dict[str, Any]:
    with app.sessions() as session:
        return store.verdict_to_dict(store.get_verdict(session, verdict_id))


@router.post("/{verdict_id}/outcome", dependencies=[Depends(require(Role.RESPONDER))])
def set_outcome(
    verdict_id: int, body: OutcomeBody, request: Request, app: Autoheal = Depends(services)
) -> dict[str, Any]:
    decision = OutcomeDecision(verdict_id, parse_outcome(body.outcome), body.reference, token_actor(request))
    return record_outcome(app.sessions, app.governance.audit, decision)

"""What an alert turned out to be, said by a person: the outcome of a triage verdict.

Triage learns from these: three or more past verdicts of a fingerprint judged ``not_actionable``
(and none ``actionable``) make the next one noise ("never actionable"); a ``known_issue`` with a
reference (ticket or incident id) makes the next one a known issue pointing at it. The outcome is
stored on the verdict and the decision is appended to the audit trail (kind ``decision``) with
who made it, so a reviewer can see why triage later called an alert noise.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from autoheal.audit.trail import AuditTrail
from autoheal.errors import InputError
from autoheal.reasoning import store
from autoheal.reasoning.triage.model import Outcome

MAX_REFERENCE = 256


@dataclass(frozen=True, slots=True)
class OutcomeDecision:
    verdict_id: int
    outcome: Outcome
    reference: str | None
    by: str


def parse_outcome(value: str) -> Outcome:
    try:
        return Outcome(value)
    except ValueError:
        allowed = ", ".join(o.value for o in Outcome)
        raise InputError(f"unknown outcome {value!r}: expected one of {allowed}") from None


def validate(decision: OutcomeDecision) -> None:
    reference = decision.reference
    if reference is not None and not (0 < len(reference.strip()) <= MAX_REFERENCE):
        raise InputError(f"reference must be 1 to {MAX_REFERENCE} characters")
    if decision.outcome is Outcome.KNOWN_ISSUE and not reference:
        raise InputError("a known_issue outcome needs a reference (the ticket or incident it belongs to)")
    if not decision.by.strip():
        raise InputError("the person deciding must be named")


def record_outcome(
    sessions: sessionmaker[Session], audit: AuditTrail, decision: OutcomeDecision
) -> dict[str, Any]:
    """Store the outcome on the verdict, then append the decision to the audit trail; returns
    the verdict as stored. Unknown verdicts raise :class:`NotFoundError` and change nothing."""
    validate(decision)
    reference = decision.reference.strip() if decision.reference else None
    with sessions() as session, session.begin():
        row = store.get_verdict(session, decision.verdict_id)
        previous = row.outcome
        store.set_outcome(session, decision.verdict_id, decision.outcome, reference)
        out = {
            "verdict_id": row.id,
            "group_key": row.group_key,
            "service": row.service,
            "kind": row.kind,
            "outcome": decision.outcome.value,
            "previous": previous,
            "reference": reference,
        }
    audit.append("decision", decision.by, {"action": "triage_outcome", **out})
    return out

"""What Autoheal concluded about an alert group: its latest triage verdict and investigation."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from autoheal.clock import utc
from autoheal.reasoning import store as reasoning_store


def conclusions(session: Session, group_key: str) -> dict[str, Any]:
    verdict = session.scalars(
        select(reasoning_store.TriageVerdictRow)
        .where(reasoning_store.TriageVerdictRow.group_key == group_key)
        .order_by(reasoning_store.TriageVerdictRow.id.desc())
        .limit(1)
    ).first()
    out: dict[str, Any] = {"triage": None, "investigation": None}
    if verdict is None:
        return out
    out["triage"] = {
        "id": verdict.id,
        "kind": verdict.kind,
        "score": verdict.score,
        "explanation": verdict.explanation,
        "reasons": verdict.reasons,
        "assessed_at": utc(verdict.assessed_at).isoformat(),
        "investigation_id": verdict.investigation_id,
    }
    investigation_id = next(
        (
            v.investigation_id
            for v in session.scalars(
                select(reasoning_store.TriageVerdictRow)
                .where(
                    reasoning_store.TriageVerdictRow.group_key == group_key,
                    reasoning_store.TriageVerdictRow.investigation_id.is_not(None),
                )
                .order_by(reasoning_store.TriageVerdictRow.id.desc())
                .limit(1)
            )
        ),
        None,
    )
    if investigation_id:
        row = session.get(reasoning_store.InvestigationRow, investigation_id)
        if row is not None:
            report = row.report or {}
            out["investigation"] = {
                "id": row.id,
                "status": row.status,
                "top_service": row.top_service,
                "causes": report.get("causes", []),
                "ruled_out": report.get("ruled_out", []),
            }
    return out

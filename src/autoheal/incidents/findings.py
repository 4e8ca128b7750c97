"""An investigation report as the incident carries it: the ``investigation_finding`` event's data
(top hypotheses with confidence and the evidence each cites, what the verifier refuted), and the
one-line root cause a page carries. Pure functions of the report's dict form."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from autoheal.incidents.model import EventKind, TimelineEvent

TOP = 3
EVIDENCE_PER_CAUSE = 4


def _cause(c: Mapping[str, Any]) -> dict[str, Any]:
    hyp = c.get("hypothesis", {}) or {}
    verification = c.get("verification", {}) or {}
    evidence = list(hyp.get("evidence") or [])
    for check in verification.get("checks") or []:
        evidence.extend(check.get("evidence") or [])
    seen: dict[str, dict[str, Any]] = {}
    for e in evidence:
        if e.get("id") and e["id"] not in seen:
            seen[e["id"]] = {
                "id": e["id"],
                "tool": e.get("tool", ""),
                "summary": str(e.get("summary", ""))[:300],
            }
    return {
        "rank": c.get("rank"),
        "hypothesis_id": hyp.get("id"),
        "service": hyp.get("service"),
        "kind": hyp.get("kind"),
        "statement": str(hyp.get("statement", ""))[:500],
        "confidence": round(float(c.get("confidence") or 0.0), 3),
        "verdict": verification.get("verdict"),
        "evidence": list(seen.values())[:EVIDENCE_PER_CAUSE],
    }


def causes_of(report: Mapping[str, Any], top: int = TOP) -> list[dict[str, Any]]:
    """The report's first ``top`` causes as the incident carries them (id, service, kind,
    statement, confidence, verdict, cited evidence)."""
    return [_cause(c) for c in (report.get("causes") or [])[:top]]


def findings_from_report(report: Mapping[str, Any], investigation_id: str | None = None) -> dict[str, Any]:
    causes = causes_of(report)
    ruled_out = [
        {
            "hypothesis_id": (c.get("hypothesis") or {}).get("id"),
            "statement": str((c.get("hypothesis") or {}).get("statement", ""))[:300],
            "reason": str((c.get("verification") or {}).get("reason", ""))[:300],
        }
        for c in (report.get("ruled_out") or [])[:5]
    ]
    return {
        "investigation_id": investigation_id,
        "subject": report.get("subject"),
        "causes": causes,
        "ruled_out": ruled_out,
        "next_checks": list(report.get("next_checks") or [])[:5],
        "cause": one_line_cause(causes),
    }


def one_line_cause(causes: Sequence[Mapping[str, Any]]) -> str | None:
    if not causes:
        return None
    top = causes[0]
    return f"{top.get('statement') or top.get('kind')} (confidence {float(top.get('confidence') or 0):.2f})"


def latest_findings(timeline: Sequence[TimelineEvent]) -> dict[str, Any] | None:
    for event in reversed(timeline):
        if event.kind == EventKind.INVESTIGATION_FINDING:
            return event.data
    return None


def hypothesis_states(timeline: Sequence[TimelineEvent]) -> dict[str, str]:
    """hypothesis id -> "confirmed" / "rejected" (the latest decision wins)."""
    out: dict[str, str] = {}
    for event in timeline:
        if event.kind == EventKind.HYPOTHESIS_CONFIRMED:
            out[str(event.data.get("hypothesis_id"))] = "confirmed"
        elif event.kind == EventKind.HYPOTHESIS_REJECTED:
            out[str(event.data.get("hypothesis_id"))] = "rejected"
    return out

"""Investigations: hypotheses, the evidence they rest on, the verifier's verdicts and the report.

Rule of the product: a claim is shown as a finding only when it cites evidence, and evidence is
always the query that was run (tool name and arguments) plus what it returned.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


@dataclass(frozen=True, slots=True)
class Evidence:
    """A query that was run through a governed tool, and what it showed."""

    id: str
    tool: str
    args: Mapping[str, Any]
    summary: str
    data: Any = None
    observed_at: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "tool": self.tool,
            "args": dict(self.args),
            "summary": self.summary,
            "data": self.data,
            "observed_at": self.observed_at.isoformat() if self.observed_at else None,
        }


@dataclass(slots=True)
class Hypothesis:
    """A candidate root cause raised by one generator, with the evidence that raised it.

    ``kind`` is a short fault class (``bad_deploy``, ``resource_saturation``, ``dependency_outage``,
    ``code_error``, ...); ``component`` narrows it inside the service when the data allows (a metric,
    a log template, an operation, a container).
    """

    id: str
    service: str
    kind: str
    statement: str
    generator: str
    score: float = 0.0
    component: str | None = None
    evidence: list[Evidence] = field(default_factory=list)
    attributes: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "service": self.service,
            "kind": self.kind,
            "statement": self.statement,
            "generator": self.generator,
            "score": self.score,
            "component": self.component,
            "evidence": [e.to_dict() for e in self.evidence],
            "attributes": self.attributes,
        }


class Verdict(StrEnum):
    SUPPORTED = "supported"
    REFUTED = "refuted"
    INCONCLUSIVE = "inconclusive"


class CheckOutcome(StrEnum):
    PASSED = "passed"  # the hypothesis survived this attack
    FAILED = "failed"  # the attack falsified the hypothesis
    UNKNOWN = "unknown"  # not enough data to say


@dataclass(frozen=True, slots=True)
class VerificationCheck:
    """One falsification attempt (temporal precedence, topology, specificity, peers, recovery...)."""

    name: str
    outcome: CheckOutcome
    detail: str
    evidence: tuple[Evidence, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "outcome": self.outcome.value,
            "detail": self.detail,
            "evidence": [e.to_dict() for e in self.evidence],
        }


@dataclass(frozen=True, slots=True)
class Verification:
    hypothesis_id: str
    verdict: Verdict
    checks: tuple[VerificationCheck, ...]
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "hypothesis_id": self.hypothesis_id,
            "verdict": self.verdict.value,
            "checks": [c.to_dict() for c in self.checks],
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class RankedCause:
    rank: int
    hypothesis: Hypothesis
    verification: Verification
    confidence: float
    # the engine's own confidence when ``confidence`` is calibrated (reasoning/calibration.py)
    raw_confidence: float | None = None

    def to_dict(self) -> dict[str, Any]:
        out = {
            "rank": self.rank,
            "confidence": round(self.confidence, 4),
            "hypothesis": self.hypothesis.to_dict(),
            "verification": self.verification.to_dict(),
        }
        if self.raw_confidence is not None:
            out["raw_confidence"] = round(self.raw_confidence, 4)
        return out


@dataclass(slots=True)
class InvestigationReport:
    subject: str
    started_at: datetime
    finished_at: datetime | None = None
    causes: list[RankedCause] = field(default_factory=list)
    ruled_out: list[RankedCause] = field(default_factory=list)
    next_checks: list[str] = field(default_factory=list)
    narrative: str = ""
    usage: dict[str, Any] = field(default_factory=dict)
    # similar past incidents and what became of them (anchored on one, or checked and not confirmed)
    memory: dict[str, Any] = field(default_factory=dict)
    # evidence the investigation asked for and did not get, and what it leaves unjudged
    # (autoheal.reasoning.coverage): [{"modality", "missing", "detail"}]
    evidence_gaps: list[dict[str, str]] = field(default_factory=list)
    # the modalities asked for and answered, and the factor every confidence was scaled by for
    # the missing ones (autoheal.reasoning.coverage.scale): {"asked", "answered", "confidence_scale"}
    evidence_coverage: dict[str, Any] = field(default_factory=dict)

    @property
    def top(self) -> RankedCause | None:
        return self.causes[0] if self.causes else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "subject": self.subject,
            "started_at": self.started_at.isoformat(),
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
            "causes": [c.to_dict() for c in self.causes],
            "ruled_out": [c.to_dict() for c in self.ruled_out],
            "next_checks": list(self.next_checks),
            "narrative": self.narrative,
            "usage": dict(self.usage),
            "memory": dict(self.memory),
            "evidence_gaps": [dict(g) for g in self.evidence_gaps],
            "evidence_coverage": dict(self.evidence_coverage),
        }


@dataclass(frozen=True, slots=True)
class InvestigationEvent:
    """One step of an investigation as it streams: ``kind`` is one of
    started, step, evidence, hypothesis, verification, report, error."""

    kind: str
    at: datetime
    payload: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "at": self.at.isoformat(), "payload": dict(self.payload)}

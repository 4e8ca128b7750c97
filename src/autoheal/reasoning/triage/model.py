"""Triage's plain types: the verdict, the signals behind it, and what history provides."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from autoheal.domain.investigation import Evidence


class TriageKind(StrEnum):
    NOISE = "noise"  # acknowledged with a one-line explanation instead of a page
    DUPLICATE = "duplicate"  # belongs to an open incident / recent signal on the same service
    KNOWN_ISSUE = "known_issue"  # a recurrence of something already tracked
    SIGNAL = "signal"  # goes on to a deep investigation

    @property
    def pages(self) -> bool:
        """Only a signal pages; a duplicate or known issue joins what is open, noise is
        acknowledged with its reason."""
        return self is TriageKind.SIGNAL


# The verdicts that are right for an alert that turned out to be noise, or actionable (a duplicate
# is right for both: it joins what is already open). The simulator's judge and the backtest share them.
RIGHT_FOR_NOISE = frozenset({TriageKind.NOISE, TriageKind.DUPLICATE})
RIGHT_FOR_ACTIONABLE = frozenset({TriageKind.SIGNAL, TriageKind.KNOWN_ISSUE, TriageKind.DUPLICATE})


class Lean(StrEnum):
    """Which way a signal pushes the verdict."""

    NOISE = "noise"
    SIGNAL = "signal"  # a veto: while any is present the alert is never called noise
    NEUTRAL = "neutral"


@dataclass(frozen=True, slots=True)
class TriageSignal:
    """One reasoning step of triage: what was looked at, what it showed, and the evidence."""

    name: str
    lean: Lean
    weight: float  # log-odds contribution to the signal score (negative = towards noise)
    detail: str
    evidence: tuple[Evidence, ...] = ()
    facts: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "lean": self.lean.value,
            "weight": round(self.weight, 3),
            "detail": self.detail,
            "evidence": [e.to_dict() for e in self.evidence],
            "facts": self.facts,
        }


@dataclass(slots=True)
class TriageVerdict:
    group_key: str
    kind: TriageKind
    score: float  # 0..1, how likely this needs a human (the verdict itself follows the rules)
    explanation: str  # one line; for noise it is what the acknowledgement says
    reasons: list[str]
    signals: list[TriageSignal]
    assessed_at: datetime
    service: str | None = None
    fingerprints: tuple[str, ...] = ()
    related: str | None = None  # duplicate of / known issue reference
    duration_ms: float = 0.0

    @property
    def needs_investigation(self) -> bool:
        return self.kind is TriageKind.SIGNAL

    def to_dict(self) -> dict[str, Any]:
        return {
            "group_key": self.group_key,
            "kind": self.kind.value,
            "score": round(self.score, 4),
            "explanation": self.explanation,
            "reasons": list(self.reasons),
            "signals": [s.to_dict() for s in self.signals],
            "assessed_at": self.assessed_at.isoformat(),
            "service": self.service,
            "fingerprints": list(self.fingerprints),
            "related": self.related,
            "duration_ms": round(self.duration_ms, 3),
        }


def logistic(log_odds: float) -> float:
    return 1.0 / (1.0 + math.exp(-log_odds))


# --- what triage needs from the store ----------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Transition:
    fingerprint: str
    status: str  # firing | resolved
    at: datetime


class Outcome(StrEnum):
    """What a past alert turned out to be, once someone (or an investigation) said so."""

    ACTIONABLE = "actionable"
    NOT_ACTIONABLE = "not_actionable"
    KNOWN_ISSUE = "known_issue"
    UNKNOWN = "unknown"


# Vetoes that describe the alert's state at that moment and lapse when it resolves: "critical and
# still firing" (severity) and "still true and worsening" (trend). The others (a change, a restart,
# an actionable history, an earlier verdict on evidence) remain facts after the resolution.
PRECAUTIONS = frozenset({"severity", "trend"})


@dataclass(frozen=True, slots=True)
class PastVerdict:
    fingerprint: str
    kind: TriageKind
    at: datetime
    outcome: Outcome = Outcome.UNKNOWN
    reference: str | None = None  # ticket / incident id for a known issue
    vetoes: tuple[str, ...] = ()  # the signals that vetoed noise in that verdict (``Lean.SIGNAL``)
    # the stored verdict's id: one verdict on a group covers each of its fingerprints, and counts once
    verdict_id: int | None = None

    @property
    def binding(self) -> bool:
        """Whether this verdict keeps the rest of its episode out of noise (the ``episode`` veto):
        a duplicate or known issue, or a signal backed by evidence. A signal whose only vetoes were
        precautions that lapse with the alert's state (``PRECAUTIONS``), or that had no veto at all
        ("no reason to believe it is noise"), does not bind: once the alert has resolved, it is
        judged again on what is known then."""
        if self.kind in (TriageKind.DUPLICATE, TriageKind.KNOWN_ISSUE):
            return True
        return self.kind is TriageKind.SIGNAL and any(v not in PRECAUTIONS for v in self.vetoes)


@dataclass(frozen=True, slots=True)
class RecentSignal:
    """An open incident or a recent signal verdict on a service (what a duplicate belongs to)."""

    group_key: str
    service: str
    at: datetime
    reference: str  # incident id or triage verdict id
    open: bool = True
    firing: bool = False  # its alert group is still firing: an open incident, however old the verdict

"""Preventive fixes as plain data: what kind, for which service, the files it consists of, the
checks it passed (real ``promtool``), and the figures behind it. No I/O here."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class FixKind(StrEnum):
    LEADING_INDICATOR = "leading_indicator"  # an alert on the metric that moved first
    SLO_BURN_RATE = "slo_burn_rate"  # multiwindow, multi-burn-rate SLO rules
    NOISY_ALERT_TUNING = "noisy_alert_tuning"  # a quieter for: / threshold for an alert called noise
    REGRESSION_TEST = "regression_test"  # a pytest file exercising the failing code path
    RUNBOOK = "runbook"  # a runbook section from what was done


class FixStatus(StrEnum):
    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    MERGED = "merged"


# a decision moves a fix along this table (anything else is refused with a clear message)
TRANSITIONS: dict[FixStatus, tuple[FixStatus, ...]] = {
    FixStatus.PROPOSED: (FixStatus.ACCEPTED, FixStatus.REJECTED),
    FixStatus.ACCEPTED: (FixStatus.MERGED, FixStatus.REJECTED),
    FixStatus.REJECTED: (),
    FixStatus.MERGED: (),
}


@dataclass(frozen=True, slots=True)
class Check:
    """One validation a fix went through: ``promtool check rules``, ``promtool test rules``, the
    backtest, or the pytest run of a regression test with and without the fault."""

    name: str
    ok: bool
    detail: str
    output: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "ok": self.ok, "detail": self.detail, "output": self.output}


@dataclass(slots=True)
class Fix:
    """A proposed preventive fix. ``files`` maps a path relative to the rules (or tests, docs)
    repository to its full content; ``shape`` says *how* it is proposed (kind, target, the
    parameters that matter), so a rejected shape is not proposed again; ``figures`` are the numbers
    it rests on (lead time, firings silenced, ...)."""

    kind: FixKind
    service: str
    title: str
    summary: str
    target: str
    shape: str
    files: dict[str, str]
    figures: dict[str, Any] = field(default_factory=dict)
    checks: list[Check] = field(default_factory=list)
    # the rule file (key of ``files``) and its promtool unit test, when the fix is a rule
    rule_file: str | None = None
    test_file: str | None = None

    @property
    def valid(self) -> bool:
        """Every check passed, and there was at least one (an unchecked fix is never offered)."""
        return bool(self.checks) and all(c.ok for c in self.checks)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "service": self.service,
            "title": self.title,
            "summary": self.summary,
            "target": self.target,
            "shape": self.shape,
            "files": dict(self.files),
            "figures": dict(self.figures),
            "checks": [c.to_dict() for c in self.checks],
            "rule_file": self.rule_file,
            "test_file": self.test_file,
            "valid": self.valid,
        }

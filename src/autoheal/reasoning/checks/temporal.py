"""Temporal precedence: a cause must begin before (or with) the symptoms it explains."""

from __future__ import annotations

from autoheal.domain.investigation import CheckOutcome, Hypothesis, VerificationCheck
from autoheal.reasoning import probe, reading
from autoheal.reasoning.base import InvestigationContext
from autoheal.reasoning.checks import _scope
from autoheal.reasoning.config import EngineConfig


class TemporalPrecedenceCheck:
    name = "temporal_precedence"

    def __init__(self, config: EngineConfig | None = None) -> None:
        self.config = config or EngineConfig()

    def attack(self, hypothesis: Hypothesis, ctx: InvestigationContext) -> VerificationCheck:
        symptoms_at = probe.onset(ctx)
        cause_at = reading.to_datetime(hypothesis.attributes.get("cause_at"))
        evidence = tuple(hypothesis.evidence[:1])
        if cause_at is None:
            shifts = _scope.anomalies(ctx, self.config, [hypothesis.service]).get(hypothesis.service, [])
            cause_at = probe.earliest(shifts)
            evidence = tuple(ctx.cite(s.evidence, s.describe(), s.data()) for s in shifts[:1])
        if cause_at is None:
            return VerificationCheck(
                self.name,
                CheckOutcome.UNKNOWN,
                f"no start time known for the suspected cause on {hypothesis.service}",
            )
        lead = (symptoms_at - cause_at).total_seconds()
        if lead >= -self.config.onset_tolerance_seconds:
            return VerificationCheck(
                self.name,
                CheckOutcome.PASSED,
                f"the cause began at {cause_at:%H:%M:%S}, {_minutes(lead)} before the symptoms at {symptoms_at:%H:%M:%S}"
                if lead >= 0
                else f"the cause began at {cause_at:%H:%M:%S}, with the symptoms at {symptoms_at:%H:%M:%S} (within tolerance)",
                evidence,
            )
        return VerificationCheck(
            self.name,
            CheckOutcome.FAILED,
            f"it began at {cause_at:%H:%M:%S}, {_minutes(-lead)} after the symptoms had started at "
            f"{symptoms_at:%H:%M:%S}: it cannot have caused them",
            evidence,
        )


def _minutes(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.0f} min"

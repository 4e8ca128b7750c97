"""Recovery after mitigation: when the suspect was rolled back (or a mitigation time is known),
the symptoms must have ended soon after; if they carried on, the suspect was not the cause."""

from __future__ import annotations

from datetime import timedelta

from autoheal.domain.investigation import CheckOutcome, Evidence, Hypothesis, VerificationCheck
from autoheal.reasoning import probe, reading
from autoheal.reasoning.base import InvestigationContext
from autoheal.reasoning.config import EngineConfig

RECOVERY_SECONDS = 900.0


class RecoveryCheck:
    name = "recovery"

    def __init__(self, config: EngineConfig | None = None) -> None:
        self.config = config or EngineConfig()

    def attack(self, hypothesis: Hypothesis, ctx: InvestigationContext) -> VerificationCheck:
        mitigated = reading.to_datetime(hypothesis.attributes.get("mitigated_at"))
        evidence: tuple[Evidence, ...] = ()
        if mitigated is None:
            changes, ev, _ = probe.changes(ctx, self.config)
            cause_at = reading.to_datetime(hypothesis.attributes.get("cause_at")) or probe.onset(ctx)
            rollbacks = [
                c
                for c in changes
                if c.kind == "rollback" and c.service == hypothesis.service and c.at >= cause_at
            ]
            if not rollbacks:
                return VerificationCheck(
                    self.name, CheckOutcome.UNKNOWN, f"no mitigation of {hypothesis.service} known"
                )
            mitigated = rollbacks[0].at
            evidence = (ctx.cite(ev, f"rollback of {hypothesis.service} at {mitigated:%H:%M:%S}"),)
        ends = [a.ends_at for a in ctx.alerts if a.ends_at is not None]
        all_resolved = len(ends) == len(ctx.alerts) and bool(ends)
        now = ctx.clock.now()
        if all_resolved:
            recovered = max(e for e in ends if e is not None)
            delay = (recovered - mitigated).total_seconds()
            if -self.config.onset_tolerance_seconds <= delay <= RECOVERY_SECONDS:
                return VerificationCheck(
                    self.name,
                    CheckOutcome.PASSED,
                    f"symptoms ended at {recovered:%H:%M:%S}, {max(delay, 0):.0f} s after the mitigation",
                    evidence,
                )
            if delay < 0:
                return VerificationCheck(
                    self.name, CheckOutcome.UNKNOWN, "the symptoms ended before the mitigation", evidence
                )
            return VerificationCheck(
                self.name,
                CheckOutcome.FAILED,
                f"symptoms lasted {delay / 60:.0f} min after the mitigation at {mitigated:%H:%M:%S}",
                evidence,
            )
        if now - mitigated > timedelta(seconds=RECOVERY_SECONDS):
            return VerificationCheck(
                self.name,
                CheckOutcome.FAILED,
                f"mitigated at {mitigated:%H:%M:%S} but the alerts are still firing",
                evidence,
            )
        return VerificationCheck(self.name, CheckOutcome.UNKNOWN, "mitigation too recent to judge", evidence)

"""Specificity: the anomaly must be specific to the suspect (and what depends on it), not a shift
of every service at once (a platform-wide event, a load change, a monitoring artefact)."""

from __future__ import annotations

from autoheal.domain.investigation import CheckOutcome, Hypothesis, VerificationCheck
from autoheal.reasoning import probe, reading
from autoheal.reasoning.base import InvestigationContext
from autoheal.reasoning.config import EngineConfig


class SpecificityCheck:
    name = "specificity"

    def __init__(self, config: EngineConfig | None = None) -> None:
        self.config = config or EngineConfig()

    def attack(self, hypothesis: Hypothesis, ctx: InvestigationContext) -> VerificationCheck:
        suspect = hypothesis.service
        graph, _ = probe.graph(ctx)
        symptoms = probe.symptomatic(ctx)
        universe, _ = ctx.call(reading.LABEL_VALUES, {"label": "service"}, "known services")
        known = [str(v) for v in universe.data] if universe.ok and isinstance(universe.data, list) else []
        services = sorted(set(ctx.services) | set(known[: self.config.max_services]) | symptoms | {suspect})
        anomalous = probe.anomalies(ctx, self.config, services)
        related = {suspect} | graph.dependents(suspect) | graph.dependencies(suspect, 1)
        if not graph.edges:
            related |= symptoms
        unrelated = [s for s in services if s not in related]
        evidence = tuple(
            ctx.cite(v[0].evidence, v[0].describe(), v[0].data())
            for s, v in sorted(anomalous.items())
            if s in related
        )[:3]
        if len(unrelated) < 2:
            return VerificationCheck(
                self.name, CheckOutcome.UNKNOWN, "too few unrelated services to compare with", evidence
            )
        moved = [s for s in unrelated if s in anomalous]
        share = len(moved) / len(unrelated)
        if share >= self.config.global_shift_fraction:
            return VerificationCheck(
                self.name,
                CheckOutcome.FAILED,
                f"not specific to {suspect}: {len(moved)} of {len(unrelated)} unrelated services shifted too "
                f"({', '.join(moved[:5])}) — a global shift",
                evidence
                + tuple(
                    ctx.cite(anomalous[s][0].evidence, anomalous[s][0].describe(), anomalous[s][0].data())
                    for s in moved[:2]
                ),
            )
        shifted_related = sorted(s for s in related if s in anomalous)
        if not shifted_related:
            return VerificationCheck(
                self.name,
                CheckOutcome.UNKNOWN,
                f"neither {suspect} nor its dependents shifted on the symptom metrics",
                evidence,
            )
        return VerificationCheck(
            self.name,
            CheckOutcome.PASSED,
            f"specific: {', '.join(shifted_related)} shifted while only {len(moved)} of {len(unrelated)} "
            "unrelated services did",
            evidence,
        )

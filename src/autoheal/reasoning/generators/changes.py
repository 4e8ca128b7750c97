"""Change correlation: deploys, config changes and feature flags around the onset.

Every change from ``change_lookback`` before the onset to the end of the incident window becomes a
hypothesis (closest to the onset first); changes *after* the onset are raised too, so that the
verifier can rule them out in the open instead of silently ignoring them.

A change on an alerted service that landed at most ``incident_before_onset_seconds`` before the
symptoms began is a *prime suspect* (``attributes["prime_suspect"]``): the strongest evidence a
responder has, which only a strong refutation sets aside (:func:`autoheal.reasoning.verifier.verify`).
"""

from __future__ import annotations

import math

from autoheal.domain.investigation import Hypothesis
from autoheal.reasoning import probe
from autoheal.reasoning.base import InvestigationContext
from autoheal.reasoning.config import EngineConfig

KINDS = {
    "deploy": "bad_deploy",
    "config": "config_change",
    "feature_flag": "feature_flag",
    "infra": "infra_change",
}
CHANGE_KINDS = frozenset(KINDS.values())


class ChangeGenerator:
    name = "changes"

    def __init__(self, config: EngineConfig | None = None) -> None:
        self.config = config or EngineConfig()

    def generate(self, ctx: InvestigationContext) -> list[Hypothesis]:
        changes, ev, _ok = probe.changes(ctx, self.config)
        start = probe.onset(ctx)
        alerted = probe.symptomatic(ctx)
        candidates = [c for c in changes if c.kind in KINDS]
        candidates.sort(key=lambda c: abs((c.at - start).total_seconds()))
        out: list[Hypothesis] = []
        for i, change in enumerate(candidates[: self.config.max_change_hypotheses]):
            lead = (start - change.at).total_seconds()
            if lead >= 0:
                score = 0.9 * math.exp(-lead / (self.config.change_lookback_seconds / 3))
                when = f"{lead / 60:.0f} min before the symptoms began"
            else:
                score = 0.2
                when = f"{-lead / 60:.0f} min after the symptoms began"
            what = f"{change.kind} {change.version or ''}".strip()
            cited = ctx.cite(
                ev,
                f"{what} on {change.service} at {change.at:%H:%M:%S} ({change.summary})",
                data={
                    "id": change.id,
                    "service": change.service,
                    "kind": change.kind,
                    "version": change.version,
                    "at": change.at.isoformat(),
                    "summary": change.summary,
                    "seconds_before_symptoms": round(lead, 1),
                },
            )
            out.append(
                Hypothesis(
                    id=f"changes:{change.service}:{i}",
                    service=change.service,
                    kind=KINDS[change.kind],
                    statement=f"{what} on {change.service}, {when}, caused the incident",
                    generator=self.name,
                    score=round(score, 4),
                    component=change.version,
                    evidence=[cited],
                    attributes={
                        "cause_at": change.at.isoformat(),
                        "change_id": change.id,
                        "change_kind": change.kind,
                        "summary": change.summary,
                        "lead_seconds": round(lead, 1),
                        "prime_suspect": change.service in alerted
                        and 0 <= lead <= self.config.incident_before_onset_seconds,
                    },
                )
            )
        return out

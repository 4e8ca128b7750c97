"""Resource saturation: CPU, memory, connection pool or disk near their limit during the incident
while they were not, typically, in the reference window.

Only chronic saturation is skipped: a resource whose reference *median* was already at its limit.
A reference window that touched the limit once (the previous cycle of a leak that an OOM kill
reset, a batch job) does not make the incident's saturation old news; its typical level does."""

from __future__ import annotations

import statistics
from datetime import UTC, datetime

from autoheal.domain.investigation import Hypothesis
from autoheal.reasoning import probe, reading
from autoheal.reasoning.base import InvestigationContext
from autoheal.reasoning.config import EngineConfig


class SaturationGenerator:
    name = "saturation"

    def __init__(self, config: EngineConfig | None = None) -> None:
        self.config = config or EngineConfig()

    def generate(self, ctx: InvestigationContext) -> list[Hypothesis]:
        services = list(ctx.services)
        window = probe.horizon(ctx)
        step = reading.step_for(window, 240)
        ref_hi, inc_lo = ctx.reference.end.timestamp(), ctx.incident.start.timestamp()
        out: list[Hypothesis] = []
        for resource in self.config.resources:
            query = probe.selector(resource.name, services)
            result, ev = ctx.call(
                reading.QUERY_RANGE, reading.range_args(query, window, step), f"{resource.name} per service"
            )
            if not result.ok:
                continue
            for service, pts in probe.per_service(reading.read_series(result.data)).items():
                ref = [v for t, v in pts if t <= ref_hi]
                inc = [(t, v) for t, v in pts if t >= inc_lo]
                peak = max((v for _, v in inc), default=0.0)
                before = statistics.median(ref) if ref else 0.0
                if peak < resource.limit or before >= resource.limit:
                    continue
                first = next(t for t, v in inc if v >= resource.limit)
                at = datetime.fromtimestamp(first, UTC)
                cited = ctx.cite(
                    ev,
                    f"{resource.name} of {service} reached {peak:.2f} (limit {resource.limit}) at {at:%H:%M:%S}; "
                    f"typically {before:.2f} (median) in the reference window",
                )
                out.append(
                    Hypothesis(
                        id=f"saturation:{service}:{resource.name}",
                        service=service,
                        kind="resource_saturation",
                        statement=f"{service} saturated its {resource.name.removesuffix('_ratio')}",
                        generator=self.name,
                        score=round(min(1.0, 0.5 + (peak - before)), 4),
                        component=resource.name,
                        evidence=[cited],
                        attributes={"cause_at": at.isoformat(), "peak": peak, "reference_median": before},
                    )
                )
        return out

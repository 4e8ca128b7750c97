"""Resource saturation: CPU, memory, connection pool or disk near their limit during the incident
while they were not, typically, in the reference window.

Only chronic saturation is skipped: a resource whose reference *median* was already at its limit.
A reference window that touched the limit once (the previous cycle of a leak that an OOM kill
reset, a batch job) does not make the incident's saturation old news; its typical level does.

**What saturated it** (docs/investigation.md, "Causes that look alike"). A saturation is read
against two more series of the same service, asked only once something saturated:

* its traffic (``traffic_metric``): when the incident's peak rate is at least ``surge_factor``
  times the reference median *and* the saturated resource tracks it (Pearson correlation of the
  two over the incident window at least ``surge_correlation``), the resource followed the load:
  a ``load_surge`` (memory that climbs whatever the load is a leak: ``resource_saturation``);
* for CPU, its own throttling (``throttling_metric``): usage at the limit while the limit
  throttles it (incident peak at least ``throttling_limit``, reference median below) is the
  service's own process burning CPU: a ``runaway_process``.

Without those series (a data set without traffic or throttling metrics) a saturation stays
``resource_saturation``, as before."""

from __future__ import annotations

import statistics
from datetime import UTC, datetime

import numpy as np

from autoheal.domain.investigation import Evidence, Hypothesis
from autoheal.reasoning import probe, reading
from autoheal.reasoning.base import InvestigationContext, Window
from autoheal.reasoning.config import EngineConfig

Series = list[tuple[float, float]]


def correlation(a: Series, b: Series) -> float | None:
    """Pearson correlation of two series at their common timestamps (None: too few or flat)."""
    other = dict(b)
    pairs = [(v, other[t]) for t, v in a if t in other]
    if len(pairs) < 5:
        return None
    x, y = np.array(pairs).T
    if float(np.std(x)) == 0.0 or float(np.std(y)) == 0.0:
        return None
    return float(np.corrcoef(x, y)[0, 1])


class _Related:
    """One metric for every candidate service, asked once, and only when needed."""

    def __init__(self, ctx: InvestigationContext, metric: str, window: Window, step: float) -> None:
        self.ctx, self.metric, self.window, self.step = ctx, metric, window, step
        self._series: dict[str, Series] | None = None
        self.evidence: Evidence | None = None

    def of(self, service: str) -> Series:
        if self._series is None:
            result, ev = self.ctx.call(
                reading.QUERY_RANGE,
                reading.range_args(
                    probe.selector(self.metric, list(self.ctx.services)), self.window, self.step
                ),
                f"{self.metric} per service",
            )
            self.evidence = ev
            self._series = probe.per_service(reading.read_series(result.data)) if result.ok else {}
        return self._series.get(service, [])


def _split(pts: Series, ref_hi: float, inc_lo: float) -> tuple[list[float], Series]:
    return [v for t, v in pts if t <= ref_hi], [(t, v) for t, v in pts if t >= inc_lo]


class SaturationGenerator:
    name = "saturation"

    def __init__(self, config: EngineConfig | None = None) -> None:
        self.config = config or EngineConfig()

    def generate(self, ctx: InvestigationContext) -> list[Hypothesis]:
        services = list(ctx.services)
        window = probe.horizon(ctx)
        step = reading.step_for(window, 240)
        ref_hi, inc_lo = ctx.reference.end.timestamp(), ctx.incident.start.timestamp()
        traffic = _Related(ctx, self.config.traffic_metric, window, step)
        throttling = _Related(ctx, self.config.throttling_metric, window, step)
        out: list[Hypothesis] = []
        for resource in self.config.resources:
            query = probe.selector(resource.name, services)
            result, ev = ctx.call(
                reading.QUERY_RANGE, reading.range_args(query, window, step), f"{resource.name} per service"
            )
            if not result.ok:
                continue
            for service, pts in probe.per_service(reading.read_series(result.data)).items():
                ref, inc = _split(pts, ref_hi, inc_lo)
                peak = max((v for _, v in inc), default=0.0)
                before = statistics.median(ref) if ref else 0.0
                if peak < resource.limit or before >= resource.limit:
                    continue
                first = next(t for t, v in inc if v >= resource.limit)
                at = datetime.fromtimestamp(first, UTC)
                what = resource.name.removesuffix("_ratio")
                cited = ctx.cite(
                    ev,
                    f"{resource.name} of {service} reached {peak:.2f} (limit {resource.limit}) at {at:%H:%M:%S}; "
                    f"typically {before:.2f} (median) in the reference window",
                )
                evidence: list[Evidence | None] = [cited]
                kind, statement, component = (
                    "resource_saturation",
                    f"{service} saturated its {what}",
                    resource.name,
                )
                surge = self._surge(ctx, traffic, service, inc, ref_hi, inc_lo)
                if surge is not None:
                    factor, corr = surge
                    kind, component = "load_surge", self.config.traffic_metric
                    statement = (
                        f"a load surge on {service}: its traffic rose to {factor:.1f}x its usual level and its "
                        f"{what} followed it (correlation {corr:.2f}) to {peak:.2f}"
                    )
                    evidence.append(
                        self._cite_related(
                            ctx,
                            traffic,
                            service,
                            f"{service}'s traffic rose to {factor:.1f}x its reference median; {resource.name} tracked it (r = {corr:.2f})",
                        )
                    )
                elif resource.name == "cpu_usage_ratio":
                    throttled = self._throttled(throttling, service, ref_hi, inc_lo)
                    if throttled is not None:
                        kind = "runaway_process"
                        statement = (
                            f"a runaway process on {service}: its own CPU usage rose to its limit ({peak:.2f}) "
                            f"and the limit throttled it ({throttled:.0%} of periods)"
                        )
                        evidence.append(
                            self._cite_related(
                                ctx,
                                throttling,
                                service,
                                f"{self.config.throttling_metric} of {service} reached {throttled:.2f} (limit {self.config.throttling_limit})",
                            )
                        )
                elif resource.name == "memory_usage_ratio" and traffic.of(service):
                    statement = (
                        f"{service} saturated its {what} without a surge of its traffic to follow (a leak)"
                    )
                out.append(
                    Hypothesis(
                        id=f"saturation:{service}:{resource.name}",
                        service=service,
                        kind=kind,
                        statement=statement,
                        generator=self.name,
                        score=round(min(1.0, 0.5 + (peak - before)), 4),
                        component=component,
                        evidence=[e for e in evidence if e is not None],
                        attributes={
                            "cause_at": at.isoformat(),
                            "peak": peak,
                            "reference_median": before,
                            "resource": resource.name,
                        },
                    )
                )
        return out

    def _surge(
        self,
        ctx: InvestigationContext,
        traffic: _Related,
        service: str,
        inc: Series,
        ref_hi: float,
        inc_lo: float,
    ) -> tuple[float, float] | None:
        """(traffic multiple, correlation) when the saturation followed a rise of traffic."""
        ref_rate, inc_rate = _split(traffic.of(service), ref_hi, inc_lo)
        if not ref_rate or not inc_rate:
            return None
        usual = statistics.median(ref_rate)
        factor = max(v for _, v in inc_rate) / usual if usual > 0 else 0.0
        corr = correlation(inc, inc_rate)
        if factor < self.config.surge_factor or corr is None or corr < self.config.surge_correlation:
            return None
        return factor, corr

    def _throttled(self, throttling: _Related, service: str, ref_hi: float, inc_lo: float) -> float | None:
        ref, inc = _split(throttling.of(service), ref_hi, inc_lo)
        peak = max((v for _, v in inc), default=0.0)
        limit = self.config.throttling_limit
        if peak < limit or (ref and statistics.median(ref) >= limit):
            return None
        return peak

    @staticmethod
    def _cite_related(
        ctx: InvestigationContext, related: _Related, service: str, summary: str
    ) -> Evidence | None:
        return ctx.cite(related.evidence, summary) if related.evidence is not None else None

"""CPU contention by a noisy neighbour: the service waits for CPU that another workload on its
node takes, while its own usage stays below its limit.

Read per candidate service (docs/investigation.md, "Causes that look alike"): the time its
threads were runnable but got no CPU (``steal_metric``: steal, or CPU pressure) rose to at least
``steal_limit`` in the incident window while its reference median was below; its own CPU usage
(the first ``resources`` entry whose name starts with ``cpu``) stayed below that resource's limit
(at its limit it is the service's own load: the saturation generator's runaway process or load
surge); and, when the node's CPU (``node_cpu_metric``) is recorded, whether it rose (the
neighbour). Nothing is raised without the steal series: the generator asks one query and
abstains when it has no answer."""

from __future__ import annotations

import statistics
from datetime import UTC, datetime

from autoheal.domain.investigation import Evidence, Hypothesis
from autoheal.reasoning import probe, reading
from autoheal.reasoning.base import InvestigationContext
from autoheal.reasoning.config import EngineConfig

NODE_RISE = 0.15  # the node's CPU rose by at least this (of its capacity): a neighbour took it


class ContentionGenerator:
    name = "contention"

    def __init__(self, config: EngineConfig | None = None) -> None:
        self.config = config or EngineConfig()

    def _series(
        self, ctx: InvestigationContext, metric: str, summary: str
    ) -> tuple[dict[str, list[tuple[float, float]]], Evidence]:
        window = probe.horizon(ctx)
        step = reading.step_for(window, 240)  # as the saturation generator asks (shared answers)
        result, ev = ctx.call(
            reading.QUERY_RANGE,
            reading.range_args(probe.selector(metric, list(ctx.services)), window, step),
            summary,
        )
        return (probe.per_service(reading.read_series(result.data)) if result.ok else {}), ev

    def generate(self, ctx: InvestigationContext) -> list[Hypothesis]:
        cfg = self.config
        ref_hi, inc_lo = ctx.reference.end.timestamp(), ctx.incident.start.timestamp()
        steal, steal_ev = self._series(ctx, cfg.steal_metric, f"{cfg.steal_metric} per service")
        waiting: list[tuple[str, float, float, float]] = []
        for service, pts in steal.items():
            ref = [v for t, v in pts if t <= ref_hi]
            inc = [(t, v) for t, v in pts if t >= inc_lo]
            peak = max((v for _, v in inc), default=0.0)
            before = statistics.median(ref) if ref else 0.0
            if peak >= cfg.steal_limit and before < cfg.steal_limit:
                first = next(t for t, v in inc if v >= cfg.steal_limit)
                waiting.append((service, peak, before, first))
        if not waiting:
            return []
        cpu = next((r for r in cfg.resources if r.name.startswith("cpu")), None)
        own: dict[str, list[tuple[float, float]]] = {}
        own_ev: Evidence | None = None
        if cpu is not None:
            own, own_ev = self._series(ctx, cpu.name, f"{cpu.name} per service")
        node, node_ev = self._series(ctx, cfg.node_cpu_metric, f"{cfg.node_cpu_metric} per service")
        out: list[Hypothesis] = []
        for service, peak, before, first in waiting:
            usage = [v for t, v in own.get(service, []) if t >= inc_lo]
            if cpu is not None and usage and max(usage) >= cpu.limit:
                continue  # its own usage is at its limit: not a neighbour's doing
            at = datetime.fromtimestamp(first, UTC)
            evidence = [
                ctx.cite(
                    steal_ev,
                    f"{cfg.steal_metric} of {service} reached {peak:.2f} at {at:%H:%M:%S}; typically {before:.2f}",
                )
            ]
            note = ""
            if cpu is not None and usage and own_ev is not None:
                evidence.append(
                    ctx.cite(
                        own_ev, f"{cpu.name} of {service} stayed at most {max(usage):.2f} (limit {cpu.limit})"
                    )
                )
                note = f", its own CPU usage at most {max(usage):.2f}"
            node_pts = node.get(service, [])
            node_ref = [v for t, v in node_pts if t <= ref_hi]
            node_inc = [v for t, v in node_pts if t >= inc_lo]
            if node_ref and node_inc and max(node_inc) - statistics.median(node_ref) >= NODE_RISE:
                evidence.append(
                    ctx.cite(
                        node_ev,
                        f"{cfg.node_cpu_metric} of {service}'s node rose to {max(node_inc):.2f} "
                        f"from {statistics.median(node_ref):.2f}",
                    )
                )
                note += f"; its node's CPU rose to {max(node_inc):.2f} (a neighbour)"
            out.append(
                Hypothesis(
                    id=f"contention:{service}",
                    service=service,
                    kind="cpu_contention",
                    statement=f"CPU contention on {service}: it waited for CPU ({peak:.0%} steal){note}",
                    generator=self.name,
                    score=round(min(1.0, 0.5 + (peak - before)), 4),
                    component=cfg.steal_metric,
                    evidence=evidence,
                    attributes={"cause_at": at.isoformat(), "peak": peak, "reference_median": before},
                )
            )
        return out

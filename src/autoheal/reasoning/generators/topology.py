"""Topology: the anomalous dependency furthest upstream of the symptoms.

From the declared dependencies and the call graph seen in traces, walk from the symptomatic
services along "depends on" edges; among the services whose symptom metrics shifted, keep those
none of whose own dependencies shifted: the furthest-upstream anomalies. A dependency that stopped
receiving requests while a direct caller degraded at the same time counts as anomalous too
(:func:`probe.unreachable`: its callers cannot reach it).
"""

from __future__ import annotations

from autoheal.domain.investigation import Hypothesis
from autoheal.reasoning import probe
from autoheal.reasoning.base import InvestigationContext
from autoheal.reasoning.config import EngineConfig


class TopologyGenerator:
    name = "topology"

    def __init__(self, config: EngineConfig | None = None) -> None:
        self.config = config or EngineConfig()

    def generate(self, ctx: InvestigationContext) -> list[Hypothesis]:
        graph, graph_ev = probe.graph(ctx)
        symptoms = probe.symptomatic(ctx)
        if not graph.edges or not symptoms:
            return []
        reach = set(symptoms)
        for s in symptoms:
            reach |= graph.dependencies(s, self.config.topology_depth)
        anomalous = probe.anomalies(ctx, self.config, sorted(reach))
        traffic, _ = probe.metric_shifts(ctx, self.config, probe.traffic(self.config), sorted(reach))
        cut_off = probe.unreachable(self.config, graph, anomalous, traffic)
        anomalous.update({s: [shift] for s, shift in cut_off.items()})
        roots = [
            s
            for s in anomalous
            if not any(d in anomalous for d in graph.dependencies(s, self.config.topology_depth))
        ]
        out: list[Hypothesis] = []
        for service in sorted(roots, key=lambda s: -anomalous[s][0].z):
            shifts = anomalous[service]
            downstream = sorted(graph.dependents(service) & reach & set(anomalous))
            cited = [ctx.cite(sh.evidence, sh.describe(), sh.data()) for sh in shifts]
            onset = probe.earliest(shifts)
            why = f"; {', '.join(downstream)} depend on it and degraded too" if downstream else ""
            if service in cut_off:
                callers = ", ".join(downstream) or "its callers"
                why = f": its inbound traffic collapsed while {callers} degraded (they cannot reach it)"
            out.append(
                Hypothesis(
                    id=f"topology:{service}",
                    service=service,
                    kind="dependency_fault" if service not in symptoms else "service_fault",
                    statement=f"{service} is the furthest-upstream anomalous service{why}",
                    generator=self.name,
                    score=round(min(1.0, shifts[0].z / (4 * self.config.anomaly_z)) * 0.8 + 0.1, 4),
                    component=shifts[0].metric,
                    evidence=[*graph_ev, *cited],
                    attributes={
                        "cause_at": onset.isoformat() if onset else None,
                        "downstream": downstream,
                        "z": round(shifts[0].z, 3),
                    },
                )
            )
        return out

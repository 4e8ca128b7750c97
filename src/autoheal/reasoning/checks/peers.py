"""Peers: comparable services (called by the same callers) that did not share the suspected cause
must be unaffected; if they degraded the same way, the suspect's difference does not explain it.
Only peers with data for a symptom metric are compared; with none, the check cannot judge."""

from __future__ import annotations

from autoheal.domain.investigation import CheckOutcome, Hypothesis, VerificationCheck
from autoheal.reasoning import probe
from autoheal.reasoning.base import InvestigationContext
from autoheal.reasoning.checks import _scope
from autoheal.reasoning.config import EngineConfig
from autoheal.reasoning.generators.changes import CHANGE_KINDS


class PeersCheck:
    name = "peers"

    def __init__(self, config: EngineConfig | None = None) -> None:
        self.config = config or EngineConfig()

    def attack(self, hypothesis: Hypothesis, ctx: InvestigationContext) -> VerificationCheck:
        suspect = hypothesis.service
        graph, graph_ev = probe.graph(ctx)
        peers = set()
        for caller in graph.callers(suspect):
            peers |= graph.callees(caller)
        peers -= {suspect} | graph.dependencies(suspect) | graph.dependents(suspect)
        if hypothesis.kind in CHANGE_KINDS:
            changes, _, _ = probe.changes(ctx, self.config)
            peers -= {c.service for c in changes}
            what = "without the change"
        else:
            what = "sharing its callers"
        if not peers:
            return VerificationCheck(
                self.name, CheckOutcome.UNKNOWN, f"no comparable service {what}", tuple(graph_ev)
            )
        # a peer without data for any symptom metric can show neither a degradation nor its absence
        names = sorted(_scope.measured(ctx, self.config, peers))
        if not names:
            return VerificationCheck(
                self.name,
                CheckOutcome.UNKNOWN,
                f"no symptom metrics for the services {what} ({', '.join(sorted(peers)[:5])})",
                tuple(graph_ev),
            )
        anomalous = _scope.anomalies(ctx, self.config, peers | {suspect})
        hit = [p for p in names if p in anomalous]
        evidence = tuple(graph_ev) + tuple(
            ctx.cite(anomalous[p][0].evidence, anomalous[p][0].describe(), anomalous[p][0].data())
            for p in hit[:2]
        )
        if hit and len(hit) * 2 >= len(names):
            return VerificationCheck(
                self.name,
                CheckOutcome.FAILED,
                f"peers {what} degraded the same way ({', '.join(hit)}): {suspect}'s difference does not explain it",
                evidence,
            )
        return VerificationCheck(
            self.name,
            CheckOutcome.PASSED,
            f"peers {what} are unaffected ({', '.join(n for n in names if n not in hit)})",
            evidence,
        )

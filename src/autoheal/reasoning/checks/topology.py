"""Topological consistency: the suspect must be a symptomatic service or one of their (transitive)
dependencies; and a symptom-type hypothesis on a service whose own dependency degraded first is a
victim, not a cause. A dependency its callers cannot reach (:func:`probe.unreachable`) counts as
degraded though its own errors and latency stay flat. Coverage: a degraded suspect whose degraded
callers (its witnesses) all also call another degraded service, which strictly more callers saw
degrade, is the weaker explanation of the same symptoms (:meth:`TopologyCheck._better_explained`;
PetShop's front page sees the search load balancer fail, while the search service behind it is
seen failing by the front page and by its other clients)."""

from __future__ import annotations

from autoheal.domain.investigation import CheckOutcome, Evidence, Hypothesis, VerificationCheck
from autoheal.reasoning import probe, reading
from autoheal.reasoning.base import InvestigationContext
from autoheal.reasoning.checks import _scope
from autoheal.reasoning.config import EngineConfig
from autoheal.reasoning.generators.changes import CHANGE_KINDS
from autoheal.reasoning.reading import Graph


class TopologyCheck:
    name = "topological_consistency"

    def __init__(self, config: EngineConfig | None = None) -> None:
        self.config = config or EngineConfig()

    def attack(self, hypothesis: Hypothesis, ctx: InvestigationContext) -> VerificationCheck:
        graph, graph_ev = probe.graph(ctx)
        symptoms = probe.symptomatic(ctx)
        suspect = hypothesis.service
        evidence = tuple(graph_ev)
        if not symptoms:
            return VerificationCheck(self.name, CheckOutcome.UNKNOWN, "no symptomatic service in the alerts")
        if not graph.edges or (suspect not in graph.nodes and suspect not in symptoms):
            return VerificationCheck(
                self.name,
                CheckOutcome.UNKNOWN,
                f"no dependency data connecting {suspect} to the symptoms",
                evidence,
            )
        depth = self.config.topology_depth
        explains = sorted(s for s in symptoms if s == suspect or suspect in graph.dependencies(s, depth))
        if not explains:
            callers_of = sorted(s for s in symptoms if s in graph.dependencies(suspect, depth))
            hole = None if callers_of else _hole_above(ctx, graph, suspect, depth)
            if hole:
                return VerificationCheck(
                    self.name,
                    CheckOutcome.UNKNOWN,
                    f"the call graph seen does not reach {suspect} from the symptoms: nobody is seen "
                    f"calling {', '.join(hole[:3])}, which no declared dependency starts, so their "
                    f"callers' spans are missing (a partial trace), not shown absent",
                    evidence,
                )
            where = (
                f"it depends on {', '.join(callers_of)} (downstream of the symptoms)"
                if callers_of
                else "it is not a dependency of any of them"
            )
            return VerificationCheck(
                self.name,
                CheckOutcome.FAILED,
                f"{suspect} cannot explain the symptoms on {', '.join(sorted(symptoms))}: {where}",
                evidence,
            )
        if hypothesis.kind not in CHANGE_KINDS:
            silent = (
                None
                if _rests_on_logs_or_traces(hypothesis)
                else self._no_symptom_shift(ctx, graph, suspect, symptoms)
            )
            if silent is not None:
                return VerificationCheck(self.name, CheckOutcome.FAILED, silent[0], evidence + silent[1])
            victim = self._upstream_culprit(ctx, graph, hypothesis, graph.dependencies(suspect, depth))
            if victim is not None:
                return VerificationCheck(self.name, CheckOutcome.FAILED, victim[0], evidence + victim[1])
            covered = self._better_explained(ctx, graph, suspect, symptoms)
            if covered is not None:
                return VerificationCheck(self.name, CheckOutcome.FAILED, covered[0], evidence + covered[1])
        upstream_of = [e for e in explains if e != suspect]
        detail = (
            f"{suspect} is upstream of {', '.join(upstream_of)}"
            if upstream_of
            else f"{suspect} is itself the symptomatic service"
        )
        return VerificationCheck(self.name, CheckOutcome.PASSED, detail, evidence)

    def _no_symptom_shift(
        self, ctx: InvestigationContext, graph: Graph, suspect: str, symptoms: set[str]
    ) -> tuple[str, tuple[Evidence, ...]] | None:
        """A fault that reaches the symptomatic services through calls shows on the suspect's own
        errors or latency, or on its callers no longer reaching it. Only a suspect with data for
        those metrics and no shift is refuted."""
        if suspect in symptoms or self._unreachable(ctx, graph, {suspect}):
            return None
        seen: list[str] = []
        cited: list[Evidence] = []
        for metric in self.config.symptom_metrics:
            shift = _scope.metric_shifts(ctx, self.config, metric, [suspect]).get(suspect)
            if shift is None:
                continue
            if shift.beyond(self.config.anomaly_z):
                return None
            seen.append(f"{metric.name} z={shift.z:.1f}")
            cited.append(shift.cite(ctx))
        if not seen:
            return None
        return (
            f"{suspect} shows no error or latency increase ({', '.join(seen)}) that could carry a fault "
            f"to {', '.join(sorted(symptoms))}",
            tuple(cited),
        )

    def _unreachable(
        self, ctx: InvestigationContext, graph: Graph, services: set[str]
    ) -> dict[str, probe.Shift]:
        """:func:`probe.unreachable` among ``services`` (their callers' shifts as the gate)."""
        callers = set().union(*(graph.callers(s) for s in services))
        anomalous = _scope.anomalies(ctx, self.config, callers | services)
        traffic = _scope.metric_shifts(ctx, self.config, probe.traffic(self.config), services)
        return probe.unreachable(self.config, graph, anomalous, traffic)

    def _upstream_culprit(
        self, ctx: InvestigationContext, graph: Graph, hypothesis: Hypothesis, dependencies: set[str]
    ) -> tuple[str, tuple[Evidence, ...]] | None:
        if not dependencies:
            return None
        services = sorted(dependencies | {hypothesis.service})
        anomalous = _scope.anomalies(ctx, self.config, services)
        cut_off = self._unreachable(ctx, graph, dependencies - set(anomalous))
        anomalous.update({s: [shift] for s, shift in cut_off.items()})
        # the suspect's own degradation began at its earliest shift, else when the symptoms began
        own = probe.earliest(anomalous.get(hypothesis.service, [])) or probe.onset(ctx)
        tolerance = self.config.onset_tolerance_seconds
        for dep in sorted(dependencies & set(anomalous), key=lambda d: -anomalous[d][0].z):
            dep_onset = probe.earliest(anomalous[dep])
            if dep_onset is not None and (dep_onset - own).total_seconds() <= tolerance:
                shift = anomalous[dep][0]
                return (
                    f"{hypothesis.service} is a victim: its dependency {dep} degraded "
                    f"{'first' if dep_onset < own else 'at the same time'} ({shift.describe()})",
                    (shift.cite(ctx),),
                )
        return None

    def _better_explained(
        self, ctx: InvestigationContext, graph: Graph, suspect: str, symptoms: set[str]
    ) -> tuple[str, tuple[Evidence, ...]] | None:
        """Its degraded callers are the witnesses of a service's fault. A degraded suspect is the
        weaker explanation of the symptoms when every caller that saw it degrade also calls another
        degraded service that strictly more callers saw degrade, whose degradation reaches the
        symptoms through degraded callers (:func:`probe.observers`), which is not known to have
        begun later (beyond ``onset_tolerance_seconds``; on 5-minute samples the onset is often
        unknown), and which neither calls the suspect nor is called by it (a degraded dependency
        is the victim rule's case). Only direct callers are witnesses: the
        callers above one of them saw its degradation, not a second view of the suspect's (a chain
        of wrappers around one call repeats one observation). "Degraded" is the alerted symptom
        when the alert names one (:func:`probe.alerted_metrics`)."""
        if suspect in symptoms:
            return None
        metrics = probe.alerted_metrics(ctx, self.config)
        degraded = _scope.anomalies(ctx, self.config, graph.nodes | {suspect}, metrics)
        mine = graph.callers(suspect) & set(degraded)
        if suspect not in degraded or not mine:  # no witness: nothing to explain away
            return None
        above = probe.observers(graph, suspect, degraded)
        tolerance = self.config.onset_tolerance_seconds
        own = probe.earliest(degraded[suspect]) or probe.onset(ctx)
        for other in sorted(set(degraded) - above - {suspect}, key=lambda d: (-degraded[d][0].z, d)):
            theirs = graph.callers(other) & set(degraded)
            reach = probe.observers(graph, other, degraded)
            if suspect in reach or not reach & symptoms or not mine < theirs:
                continue
            began = probe.earliest(degraded[other])
            if began is not None and (began - own).total_seconds() > tolerance:
                continue  # only a known later start vetoes: coverage is about who saw what
            shift = degraded[other][0]
            seen = ", ".join(sorted(mine))
            more = ", ".join(sorted(theirs - mine))
            return (
                f"{other} explains what {suspect} would, and more: every degraded caller of "
                f"{suspect} ({seen}) also calls {other}, which {more} saw degrade too "
                f"({shift.describe()})",
                (shift.cite(ctx),),
            )
        return None


def _hole_above(ctx: InvestigationContext, graph: Graph, suspect: str, depth: int) -> list[str]:
    """The services at the top of what is seen above ``suspect`` that nobody is seen calling and
    that the declared topology does not name: there the graph seen in traces has lost their
    callers' spans (minutes or spans missing; a service is called by someone or is a declared
    entry), so "not connected to the symptoms" is a hole in the evidence, not a finding. Without
    traces, with every top named by the declared topology, or with no declared topology (then a
    trace's root service cannot be told from a lost caller), nothing is missing (empty list)."""
    declared, _ = ctx.call(reading.TOPOLOGY, {}, "declared service dependencies")
    named = reading.read_graph(declared.data).nodes if declared.ok else set()
    if not named:  # no declared entry: a trace root cannot be told from a lost caller
        return []
    above = graph.dependents(suspect, depth) | {suspect}
    return sorted(n for n in above if not graph.callers(n) and n not in named)


def _rests_on_logs_or_traces(hypothesis: Hypothesis) -> bool:
    """A claim raised from logs or traces (a code-level fault) is not refuted by quiet metrics."""
    return any(e.tool.startswith(("logs.", "traces.")) for e in hypothesis.evidence)

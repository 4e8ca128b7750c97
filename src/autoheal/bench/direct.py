"""The benchmark's direct analysis: the generators' scoring functions applied to a case's records
without going through tools (used to iterate on the analysis and as a cross-check of the engine
path, which must give the same services)."""

from __future__ import annotations

import networkx as nx

from autoheal.analysis.ranking import call_graph, combine, rank, upstream_adjust
from autoheal.analysis.signals import log_signal, metric_signal, trace_signal
from autoheal.bench.model import BenchCase, Bundle, Interval

# One weight per signal, the same for every data set (docs/benchmarks.md).
WEIGHTS = {"metrics": 1.0, "logs": 1.0, "traces": 1.0}


def _in(ts: float, window: Interval) -> bool:
    return window[0] <= ts < window[1]


def scores(case: BenchCase, bundle: Bundle) -> dict[str, dict[str, float]]:
    signals: dict[str, dict[str, float]] = {}
    metric_scores, _ = metric_signal(bundle.series, case.reference, case.incident)
    signals["metrics"] = metric_scores
    log_ref = case.log_reference or case.reference
    if bundle.logs:
        ref = [r for r in bundle.logs if _in(r.at.timestamp(), log_ref)]
        inc = [r for r in bundle.logs if _in(r.at.timestamp(), case.incident)]
        signals["logs"] = log_signal(
            ref,
            inc,
            reference_seconds=log_ref[1] - log_ref[0],
            incident_seconds=_observed(inc, case.incident),
        ).scores
    if bundle.spans:
        ref_s = [s for s in bundle.spans if _in(s.start.timestamp(), log_ref)]
        inc_s = [s for s in bundle.spans if _in(s.start.timestamp(), case.incident)]
        t = trace_signal(
            ref_s,
            inc_s,
            reference_seconds=log_ref[1] - log_ref[0],
            incident_seconds=_observed(inc_s, case.incident),
        )
        signals["traces"] = t.scores
        signals["_edges"] = {f"{a}\t{b}": 1.0 for a, b in t.edges}
    return signals


def _observed(records: list, window: Interval) -> float:
    """Seconds of the window that hold data (logs and traces stop after three minutes)."""
    if not records:
        return window[1] - window[0]
    stamps = [r.at.timestamp() if hasattr(r, "at") else r.start.timestamp() for r in records]
    return max(max(stamps) - window[0], 60.0)


def ranking(case: BenchCase, bundle: Bundle) -> list[str]:
    signals = scores(case, bundle)
    edges = list(bundle.edges)
    edges += [tuple(k.split("\t")) for k in signals.pop("_edges", {})]  # type: ignore[misc]
    graph = call_graph(edges)
    combined = combine(signals, WEIGHTS)
    if case.target and case.target in graph:
        allowed = {case.target} | nx.descendants(graph, case.target)
        combined = {s: v for s, v in combined.items() if s in allowed}
    adjusted = upstream_adjust(combined, graph)
    return rank(adjusted)

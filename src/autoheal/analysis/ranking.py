"""Combining per-signal service scores into one ranking, and using the call graph.

* :func:`normalise` scales one signal's scores to [0, 1] by its largest value, so that signals with
  different units (robust z-scores, log ratios, template scores) can be added.
* :func:`combine` adds normalised signals with weights.
* :func:`upstream_adjust`: when a service and one of its dependencies (a callee, directly or
  further down) are both anomalous, the dependency explains the caller's symptoms: the caller's
  score is multiplied by ``CALLER_PENALTY``. "Anomalous" means at least ``ANOMALOUS_FRACTION`` of
  the best score.
* :func:`upstream_support`: the other way round. A fault propagates from callee to caller, so a
  cause's anomaly shows again in its callers, and it accumulates along the calls (the data set
  baselines that walk the graph score a cause by the anomaly along its path to the alert). A
  service's support is the sum of the raw scores of the anomalous services above it (callers,
  directly or further up, through anomalous services only). :func:`calibrate` adds
  ``SUPPORT_WEIGHT`` times the part of the support beyond the service's own raw score, to the
  anomalous services only: among services about as anomalous as each other (robust z-scores
  saturate at the scale floor), the one whose anomaly its callers carried on ranks first; an
  anomaly that reached no caller gets nothing, and a service that is not anomalous is not made
  one by its callers. "Anomalous" here is at least ``ANOMALOUS_FRACTION`` of the best, or, for a
  signal with its own significance threshold (``floor``: the metric generator raises a service only
  at a robust z of 3), that threshold: every service such a signal scores has shifted significantly.

Parameters chosen once, the same for every data set (docs/benchmarks.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import networkx as nx

ANOMALOUS_FRACTION = 0.5
CALLER_PENALTY = 0.5
SUPPORT_WEIGHT = 0.1


def normalise(scores: Mapping[str, float]) -> dict[str, float]:
    top = max((v for v in scores.values() if v > 0), default=0.0)
    if top <= 0:
        return {k: 0.0 for k in scores}
    return {k: max(v, 0.0) / top for k, v in scores.items()}


def combine(
    signals: Mapping[str, Mapping[str, float]], weights: Mapping[str, float] | None = None
) -> dict[str, float]:
    """Weighted sum of normalised signals: ``{signal: {service: score}} -> {service: score}``."""
    out: dict[str, float] = {}
    for name, scores in signals.items():
        w = 1.0 if weights is None else weights.get(name, 1.0)
        for svc, v in normalise(scores).items():
            out[svc] = out.get(svc, 0.0) + w * v
    return out


def call_graph(edges: Iterable[tuple[str, str]]) -> nx.DiGraph:
    """A caller -> callee graph (self loops dropped)."""
    g: nx.DiGraph = nx.DiGraph()
    g.add_edges_from((a, b) for a, b in edges if a != b)
    return g


def upstream_adjust(
    scores: Mapping[str, float],
    graph: nx.DiGraph,
    *,
    fraction: float = ANOMALOUS_FRACTION,
    penalty: float = CALLER_PENALTY,
) -> dict[str, float]:
    """Penalise anomalous callers whose anomalous dependency explains them."""
    top = max(scores.values(), default=0.0)
    if top <= 0:
        return dict(scores)
    anomalous = {s for s, v in scores.items() if v >= fraction * top}
    out = dict(scores)
    for svc in anomalous:
        if svc not in graph:
            continue
        below = nx.descendants(graph, svc) & anomalous
        if below:
            out[svc] = scores[svc] * penalty
    return out


def upstream_support(
    scores: Mapping[str, float], graph: nx.DiGraph, *, fraction: float = ANOMALOUS_FRACTION
) -> dict[str, float]:
    """Per service, the sum of the raw scores of the anomalous services above it (callers,
    directly or further up) reachable through anomalous services only: the anomaly it could
    explain. Each caller is counted once, so cycles are safe; linear in the graph per service."""
    top = max(scores.values(), default=0.0)
    if top <= 0:
        return {s: 0.0 for s in scores}
    anomalous = {s for s, v in scores.items() if v >= fraction * top}
    out: dict[str, float] = {}
    for svc in scores:
        reached = {svc}
        stack = [svc] if svc in graph else []
        while stack:
            node = stack.pop()
            for caller in graph.predecessors(node):
                if caller in anomalous and caller not in reached:
                    reached.add(caller)
                    stack.append(caller)
        out[svc] = sum(max(scores[s], 0.0) for s in reached if s != svc)
    return out


def rank(scores: Mapping[str, float]) -> list[str]:
    """Services by descending score (ties by name, for reproducible output)."""
    return [s for s, _ in sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))]


def squash(value: float, half: float) -> float:
    """``value / (value + half)``: 0..1, one half at ``half``, order preserved."""
    value = max(value, 0.0)
    return value / (value + half) if half > 0 else float(value > 0)


def calibrate(
    scores: Mapping[str, float],
    edges: Iterable[tuple[str, str]],
    *,
    half: float | None = None,
    floor: float | None = None,
) -> dict[str, float]:
    """Per-service scores on 0..1 for one investigation. The fault propagates from callee to
    caller: a caller whose anomalous dependency (directly or further down) explains it is
    multiplied by ``CALLER_PENALTY``; a service's raw score is raised by ``SUPPORT_WEIGHT`` times
    the anomaly of the callers it explains beyond its own (:func:`upstream_support`).

    With ``half`` the strength is absolute (:func:`squash`: a signal's raw score of ``half`` is
    0.5), so a weak signal stays weak beside another generator's strong one; without it, relative
    to the strongest service of the same signal (the strongest is 1.0 whatever its size).
    ``floor``: the signal's own significance threshold, if it has one (:func:`supported`)."""
    graph = call_graph(edges)
    relative = normalise(scores)
    adjusted = upstream_adjust(relative, graph)
    factor = {s: adjusted[s] / relative[s] if relative[s] > 0 else 1.0 for s in scores}
    raised = supported(scores, graph, floor=floor)
    if half is None:
        return {s: v * factor[s] for s, v in normalise(raised).items()}
    return {s: squash(v, half) * factor[s] for s, v in raised.items()}


def supported(
    scores: Mapping[str, float],
    graph: nx.DiGraph,
    *,
    weight: float = SUPPORT_WEIGHT,
    floor: float | None = None,
) -> dict[str, float]:
    """Raw scores raised by ``weight`` times the support beyond the service's own score, for the
    anomalous services only (at least ``ANOMALOUS_FRACTION`` of the best): support orders causes
    that are about as anomalous as each other, it does not make one of a service that is not (a
    quiet callee of anomalous callers rose above the anomalous services themselves).

    A signal with its own significance threshold passes it as ``floor``: then every service at or
    above it is anomalous. The relative rule judges a cause against the strongest score, which
    may be the alerted service's own symptom (PetShop's front page, robust z 15-34, against the
    search service behind it at 7-14: no support for the search service, the front page first).
    Signals without an absolute threshold (log and trace scores: every positive score is raised)
    keep the relative rule: raising every service with a positive score cost Nezha a cause in
    its top 5 (measured, docs/benchmarks.md)."""
    support = upstream_support(scores, graph)
    top = max(scores.values(), default=0.0)
    out = {}
    for s, v in scores.items():
        own = max(v, 0.0)
        anomalous = top > 0 and v >= (ANOMALOUS_FRACTION * top if floor is None else floor)
        out[s] = own + weight * max(0.0, support[s] - own) if anomalous else own
    return out

"""Sampled traces following the call graph, with durations and errors taken from the metrics.

Each trace enters at a service nobody calls (the frontend by default) and calls each dependency
with probability equal to the edge weight. A span fails when its service fails on its own or when
a child failed; its duration is its own latency plus its children's (called in sequence).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np

from autoheal.sim.metrics import ServiceMetrics, service_rng
from autoheal.sim.topology import Topology
from autoheal.telemetry.model import Span

MAX_TRACES = 3000
MAX_SPANS_PER_TRACE = 40


def generate_traces(
    topology: Topology,
    start: datetime,
    step: float,
    metrics: dict[str, ServiceMetrics],
    traces_per_minute: int,
    seed: int,
) -> list[Span]:
    n = len(next(iter(metrics.values())).values["error_ratio"])
    if traces_per_minute <= 0 or n == 0:
        return []
    rng = service_rng(seed, "*", "traces")
    lam = min(traces_per_minute * step / 60.0, MAX_TRACES / n)
    roots = [s for s in topology.names() if not topology.callers(s)]
    spans: list[Span] = []
    counter = 0
    for i in range(n):  # bounded by steps; traces capped by MAX_TRACES overall
        for _ in range(int(rng.poisson(lam))):
            counter += 1
            trace_id = f"{seed & 0xFFFF:04x}{counter:028x}"
            root = roots[int(rng.integers(0, len(roots)))]
            at = start + timedelta(seconds=i * step + float(rng.uniform(0, step)))
            budget = [MAX_SPANS_PER_TRACE]
            _span(topology, metrics, root, None, trace_id, at, i, rng, spans, budget)
    return spans


def _span(
    topology: Topology,
    metrics: dict[str, ServiceMetrics],
    name: str,
    parent: str | None,
    trace_id: str,
    at: datetime,
    i: int,
    rng: np.random.Generator,
    out: list[Span],
    budget: list[int],
) -> tuple[float, bool]:
    budget[0] -= 1
    span_id = f"{rng.integers(0, 2**62):016x}"
    m = metrics[name].values
    p50, p99 = float(m["latency_p50_ms"][i]), float(m["latency_p99_ms"][i])
    sigma = max(0.05, np.log(max(p99, p50 * 1.01) / p50) / 2.326)
    own_ms = float(p50 * rng.lognormal(0.0, sigma)) * 0.6
    children_ms = 0.0
    child_failed = False
    index = len(out)
    out.append(Span(trace_id, span_id, parent, name, "", at, 0.0))  # placeholder, filled below
    caller_err = float(metrics[name].caller_err[i])
    silent_arr = metrics[name].silent_err
    silent = float(silent_arr[i]) if silent_arr is not None else 0.0
    if silent > 0:  # its own span answers fine; the caller fails on what it returned
        caller_err = 1.0 - (1.0 - caller_err) / (1.0 - silent) if silent < 1 else 0.0
    for dep in topology.get(name).depends_on:
        if budget[0] <= 0 or rng.uniform() >= dep.weight:
            continue
        ms, failed = _span(
            topology,
            metrics,
            dep.service,
            span_id,
            trace_id,
            at + timedelta(milliseconds=own_ms / 2 + children_ms),
            i,
            rng,
            out,
            budget,
        )
        children_ms += ms
        child_failed = child_failed or failed
    own_err = float(m["error_ratio"][i])
    error = bool(child_failed and rng.uniform() < 0.9) or bool(
        rng.uniform() < max(caller_err, own_err) * (0.3 if child_failed else 1.0)
    )
    duration = own_ms + children_ms
    returned_bad = silent > 0 and bool(rng.uniform() < silent)  # no draw without a code fault
    operation = f"{name}.{'query' if topology.get(name).kind.value in {'database', 'cache'} else 'handle'}"
    out[index] = Span(
        trace_id,
        span_id,
        parent,
        name,
        operation,
        at,
        round(duration, 3),
        error,
        {"http.status_code": 500 if error else 200},
    )
    return duration, error or returned_bad

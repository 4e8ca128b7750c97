"""Observations shared by generators and checks: the dependency graph, metric shifts per service,
and the changes in the investigation's horizon.

Everything goes through ``ctx.call`` (governed, recorded as evidence, answered once per
investigation), so a check asking the same question as a generator costs nothing more.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from autoheal.domain.investigation import Evidence
from autoheal.reasoning import reading
from autoheal.reasoning.base import InvestigationContext, Window
from autoheal.reasoning.config import EngineConfig, SymptomMetric
from autoheal.reasoning.reading import Change, Graph, Points
from autoheal.reasoning.symptoms import alert_symptoms


def horizon(ctx: InvestigationContext) -> Window:
    """Reference start to incident end: one query serves both windows."""
    return Window(ctx.reference.start, ctx.incident.end)


def onset(ctx: InvestigationContext) -> datetime:
    """When the symptoms began: the earliest alert start (the incident window's anchor otherwise)."""
    starts = [a.starts_at for a in ctx.alerts]
    return min(starts) if starts else ctx.incident.start


def symptomatic(ctx: InvestigationContext) -> set[str]:
    return {a.service for a in ctx.alerts if a.service}


def graph(ctx: InvestigationContext) -> tuple[Graph, list[Evidence]]:
    """Declared dependencies (topology.graph) merged with the call graph seen in traces."""
    declared, ev1 = ctx.call(reading.TOPOLOGY, {}, "declared service dependencies")
    seen, ev2 = ctx.call(
        reading.SERVICE_GRAPH, reading.window_args(ctx.incident), "service call graph from traces"
    )
    g = Graph()
    cited: list[Evidence] = []
    for result, ev in ((declared, ev1), (seen, ev2)):
        if result.ok:
            g = g.merge(reading.read_graph(result.data))
            cited.append(ev)
    return g, cited


@dataclass(frozen=True, slots=True)
class Shift:
    service: str
    metric: str
    z: float  # robust z in the bad direction (positive = worse)
    reference: float
    incident: float
    onset: datetime | None
    evidence: Evidence
    min_change: float = 0.0  # the metric's SymptomMetric.min_change
    points: tuple[tuple[float, float], ...] = ()  # the service's series over the horizon

    def cite(self, ctx: InvestigationContext) -> Evidence:
        """This shift as cited evidence: the query, what it showed, and the service's series (at
        most ``CHART_POINTS``) so a reader can see it (the console draws it)."""
        series = series_data(self.metric, self.service, self.points) or {}
        return ctx.cite(self.evidence, self.describe(), {**self.data(), **series})

    def beyond(self, z_limit: float) -> bool:
        """A shift: robust z at least ``z_limit`` and a change of at least ``min_change``."""
        return self.z >= z_limit and abs(self.incident - self.reference) >= self.min_change

    def data(self) -> dict[str, Any]:
        """What the shift measured, for the evidence item that cites it."""
        return {
            "service": self.service,
            "metric": self.metric,
            "reference": round(self.reference, 6),
            "incident": round(self.incident, 6),
            "robust_z": round(self.z, 3),
            "onset": self.onset.isoformat() if self.onset else None,
        }

    def describe(self) -> str:
        when = f", from {self.onset:%H:%M:%S}" if self.onset else ""
        return f"{self.metric} of {self.service} {self.reference:.4g} -> {self.incident:.4g} (z={self.z:.1f}{when})"


CHART_POINTS = 60


def series_data(metric: str, service: str, points: Sequence[tuple[float, float]]) -> dict[str, Any] | None:
    """A series as evidence data, ``{"series": {"metric", "service", "points": [[unix_s, value]]}}``,
    thinned to at most ``CHART_POINTS`` points (each bucket keeps its most extreme value, so a
    spike stays visible). ``None`` without points."""
    if not points:
        return None
    pts = list(points)
    if len(pts) > CHART_POINTS:
        size = len(pts) / CHART_POINTS
        centre = statistics.median(v for _, v in pts)
        buckets = [pts[int(i * size) : int((i + 1) * size)] for i in range(CHART_POINTS)]
        pts = [max(b, key=lambda p: abs(p[1] - centre)) for b in buckets if b]
    return {"series": {"metric": metric, "service": service, "points": [[t, v] for t, v in pts]}}


_REGEX_META = set(".^$*+?()[]{}|\\")


def regex_literal(value: str) -> str:
    """``value`` as a literal inside a PromQL ``=~"..."`` matcher: regex metacharacters escaped with
    a backslash, itself doubled for the PromQL string (``a.b`` -> ``a\\\\.b``). ``-`` needs nothing."""
    return "".join("\\\\" + c if c in _REGEX_META else c for c in value)


def selector(metric: str, services: list[str]) -> str:
    if not services:
        return metric
    alternatives = "|".join(regex_literal(s) for s in sorted(services))
    return f'{metric}{{service=~"{alternatives}"}}'


def per_service(points: list[Points]) -> dict[str, list[tuple[float, float]]]:
    """Pods of one service folded into one series: the worst (max) value at each timestamp."""
    by: dict[str, dict[float, float]] = defaultdict(dict)
    for p in points:
        if not p.service:
            continue
        slot = by[p.service]
        for t, v in zip(p.times, p.values, strict=False):
            slot[t] = max(v, slot.get(t, v))
    return {s: sorted(v.items()) for s, v in by.items()}


def metric_shifts(
    ctx: InvestigationContext, config: EngineConfig, metric: SymptomMetric, services: list[str]
) -> tuple[dict[str, Shift], Evidence | None]:
    window = horizon(ctx)
    step = reading.step_for(window, 240)
    query = selector(metric.name, services)
    result, ev = ctx.call(
        reading.QUERY_RANGE, reading.range_args(query, window, step), f"{metric.name} per service"
    )
    if not result.ok:
        return {}, ev
    shifts: dict[str, Shift] = {}
    ref_lo, ref_hi = ctx.reference.start.timestamp(), ctx.reference.end.timestamp()
    inc_lo, inc_hi = ctx.incident.start.timestamp(), ctx.incident.end.timestamp()
    for service, pts in per_service(reading.read_series(result.data)).items():
        ref = [v for t, v in pts if ref_lo <= t <= ref_hi]
        inc = [(t, v) for t, v in pts if inc_lo <= t <= inc_hi]
        if len(ref) < 3 or not inc:
            continue
        level = _sustained(ref, [v for _, v in inc], metric.direction)
        z = reading.robust_z(ref, [level])
        if metric.direction == "down":
            z = -z
        elif metric.direction == "both":
            z = abs(z)
        shifts[service] = Shift(
            service,
            metric.name,
            z,
            _median(ref),
            level,
            _onset(ref, inc, metric.direction, config.anomaly_z),
            ev,
            metric.min_change,
            tuple(pts),
        )
    return shifts, ev


def _sustained(ref: list[float], inc: list[float], direction: str) -> float:
    """The worst level the incident window held for three consecutive points (the median of each
    run of three), in the metric's bad direction: a shift that started late in the window counts,
    a single spike does not."""
    if len(inc) < 3:
        return _median(inc)
    runs = [_median(inc[i : i + 3]) for i in range(len(inc) - 2)]
    if direction == "up":
        return max(runs)
    if direction == "down":
        return min(runs)
    centre = _median(ref)
    return max(runs, key=lambda v: abs(v - centre))


def _median(values: list[float]) -> float:
    return statistics.median(values)


def _onset(
    ref: list[float], inc: list[tuple[float, float]], direction: str, z_limit: float
) -> datetime | None:
    """First time in the incident window from which two consecutive points are beyond ``z_limit``
    (a single point when that is all there is)."""
    previous: float | None = None
    for t, v in inc:
        z = reading.robust_z(ref, [v])
        z = -z if direction == "down" else (abs(z) if direction == "both" else z)
        if z < z_limit:
            previous = None
            continue
        if previous is not None or len(inc) == 1:
            return datetime.fromtimestamp(previous if previous is not None else t, tz=UTC)
        previous = t
    return None


def anomalies(
    ctx: InvestigationContext,
    config: EngineConfig,
    services: list[str],
    metrics: Sequence[SymptomMetric] | None = None,
) -> dict[str, list[Shift]]:
    """Services whose symptom metrics (``metrics``, default the configured ones) shifted beyond
    ``anomaly_z`` (and the metric's ``min_change``), worst first."""
    found: dict[str, list[Shift]] = defaultdict(list)
    for metric in config.symptom_metrics if metrics is None else metrics:
        shifts, _ = metric_shifts(ctx, config, metric, services)
        for service, shift in shifts.items():
            if shift.beyond(config.anomaly_z):
                found[service].append(shift)
    return {s: sorted(v, key=lambda x: -x.z) for s, v in found.items()}


def alerted_metrics(ctx: InvestigationContext, config: EngineConfig) -> list[SymptomMetric]:
    """What "degraded" means for this investigation's symptoms: the metrics the alerts' own
    expressions name (the series that paged, read "up": the metric generator's symptom focus reads
    them the same way), else the configured ``symptom_metrics``."""
    named = alert_symptoms(ctx.alerts)
    if named:
        return [SymptomMetric(name=s.metric) for s in named]
    return list(config.symptom_metrics)


def observers(graph: Graph, service: str, degraded: Collection[str]) -> set[str]:
    """The degraded services that saw ``service``'s degradation: its degraded callers, and theirs,
    reached through degraded services only (a fault travels from callee to caller; a healthy
    caller stops it)."""
    seen: set[str] = set()
    stack = [service]
    while stack:
        for caller in graph.callers(stack.pop()):
            if caller in degraded and caller not in seen and caller != service:
                seen.add(caller)
                stack.append(caller)
    return seen


def traffic(config: EngineConfig) -> SymptomMetric:
    """The inbound-traffic metric, read in its bad direction (down)."""
    return SymptomMetric(name=config.traffic_metric, direction="down")


def unreachable(
    config: EngineConfig,
    graph: Graph,
    anomalous: dict[str, list[Shift]],
    traffic_shifts: dict[str, Shift],
) -> dict[str, Shift]:
    """Services that stopped receiving requests while a direct caller degraded at the same time:
    the callers cannot reach them. Their own errors and latency, measured on the few requests that
    still arrive, may stay flat, so :func:`anomalies` misses them.

    Gated three ways, so that the callees of a caller that broke on its own do not all look like
    roots: the traffic fell to at most ``traffic_collapse_fraction`` of its reference median
    (beyond ``anomaly_z``), a *direct* caller's symptom metrics shifted, and the two began within
    ``onset_tolerance_seconds`` of each other. A caller that fails only some of its requests, or
    one callee among several callers, leaves most of the traffic in place."""
    out: dict[str, Shift] = {}
    tolerance = config.onset_tolerance_seconds
    for service, shift in traffic_shifts.items():
        if service in anomalous or shift.z < config.anomaly_z or shift.onset is None:
            continue
        if shift.incident > config.traffic_collapse_fraction * shift.reference:
            continue
        for caller in graph.callers(service):
            began = earliest(anomalous.get(caller, []))
            if began is not None and abs((began - shift.onset).total_seconds()) <= tolerance:
                out[service] = shift
                break
    return out


def earliest(shifts: list[Shift]) -> datetime | None:
    times = [s.onset for s in shifts if s.onset]
    return min(times) if times else None


def changes(ctx: InvestigationContext, config: EngineConfig) -> tuple[list[Change], Evidence, bool]:
    """Every change (all services) from ``change_lookback`` before onset to the incident's end."""
    start = onset(ctx) - timedelta(seconds=config.change_lookback_seconds)
    window = Window(min(start, ctx.incident.start), ctx.incident.end)
    result, ev = ctx.call(reading.CHANGES, reading.window_args(window), "deploys, config and flag changes")
    return (reading.read_changes(result.data) if result.ok else []), ev, result.ok

"""Per-service signal scores from plain telemetry records (the shared core of the generators and
of the benchmark's direct analysis). Windows are ``(start, end)`` epoch seconds, end excluded."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from autoheal.analysis.logs import TemplateSurge, template_surges
from autoheal.analysis.metrics import MetricScore, robust_scores, service_scores
from autoheal.analysis.traces import ServiceTraceShift, SpanLike, SpanWindow, trace_shifts
from autoheal.telemetry.model import LogRecord, Series

Interval = tuple[float, float]

# Each surge contributes its score; info-level surges count for this fraction only (the template
# mix of healthy services moves with the workload; errors and warnings are what faults add).
INFO_WEIGHT = 0.1


def split_series(series: Series, reference: Interval, incident: Interval) -> tuple[np.ndarray, np.ndarray]:
    ts = np.asarray(series.timestamps, dtype=float)
    vs = np.asarray(series.values, dtype=float)
    ref = vs[(ts >= reference[0]) & (ts < reference[1])]
    inc = vs[(ts >= incident[0]) & (ts < incident[1])]
    return ref, inc


def metric_signal(
    series: Iterable[Series], reference: Interval, incident: Interval
) -> tuple[dict[str, float], list[MetricScore]]:
    items = []
    for s in series:
        ref, inc = split_series(s, reference, incident)
        items.append((s.service or "", s.name, ref, inc))
    scores = robust_scores(items)
    return service_scores(scores), scores


@dataclass(frozen=True, slots=True)
class LogSignal:
    scores: dict[str, float]
    surges: dict[str, list[TemplateSurge]]


def log_signal(
    reference: Iterable[LogRecord],
    incident: Iterable[LogRecord],
    *,
    reference_seconds: float,
    incident_seconds: float,
) -> LogSignal:
    ref: dict[str, list[str]] = defaultdict(list)
    inc: dict[str, list[str]] = defaultdict(list)
    for r in reference:
        ref[r.service].append(r.line)
    for r in incident:
        inc[r.service].append(r.line)
    scores: dict[str, float] = {}
    surges: dict[str, list[TemplateSurge]] = {}
    for svc, lines in inc.items():
        found = template_surges(
            ref.get(svc, []),
            lines,
            reference_seconds=reference_seconds,
            incident_seconds=incident_seconds,
        )
        surges[svc] = found
        scores[svc] = sum(s.score * (INFO_WEIGHT if s.level == "info" else 1.0) for s in found)
    return LogSignal(scores, surges)


@dataclass(frozen=True, slots=True)
class TraceSignal:
    scores: dict[str, float]
    shifts: list[ServiceTraceShift]
    edges: set[tuple[str, str]]


def trace_signal(
    reference: Sequence[SpanLike] | SpanWindow,
    incident: Sequence[SpanLike] | SpanWindow,
    *,
    reference_seconds: float,
    incident_seconds: float,
) -> TraceSignal:
    shifts = trace_shifts(
        reference, incident, reference_seconds=reference_seconds, incident_seconds=incident_seconds
    )
    return TraceSignal(
        scores={s.service: s.score for s in shifts},
        shifts=shifts,
        edges=trace_edges([*SpanWindow.of(reference).spans, *SpanWindow.of(incident).spans]),
    )


def trace_edges(spans: Iterable[SpanLike]) -> set[tuple[str, str]]:
    """Caller -> callee service pairs seen in the spans."""
    items = list(spans)
    owner = {(s.trace_id, s.span_id): s.service for s in items}
    out: set[tuple[str, str]] = set()
    for s in items:
        if s.parent_id:
            parent = owner.get((s.trace_id, s.parent_id))
            if parent and parent != s.service:
                out.add((parent, s.service))
    return out

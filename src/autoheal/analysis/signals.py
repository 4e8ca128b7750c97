"""Per-service signal scores from plain telemetry records (the shared core of the generators and
of the benchmark's direct analysis). Windows are ``(start, end)`` epoch seconds, end excluded."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from autoheal.analysis.logs import TemplateSurge, template_surges
from autoheal.analysis.metrics import MetricScore, robust_scores, service_scores
from autoheal.analysis.traces import ServiceTraceShift, SpanLike, trace_shifts
from autoheal.telemetry.model import LogRecord, Series

Interval = tuple[float, float]

# Each surge contributes its score; info-level surges count for this fraction only (the template
# mix of healthy services moves with the workload; errors and warnings are what faults add).
INFO_WEIGHT = 0.1
# A template new to the reference windows that the service logged in its recent history
# (:func:`with_history`) counts for the same fraction: it belongs to the service's usual mix over
# a day (a retry error, a peer that is sometimes missing), like the info templates. Its rate
# against the history is unknown (the history is searched for presence only), so it is not
# scored as a surge either.
RECURRING_WEIGHT = INFO_WEIGHT


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
        scores[svc] = _score(found)
    return LogSignal(scores, surges)


def _score(surges: Iterable[TemplateSurge]) -> float:
    total = 0.0
    for s in surges:
        if s.recurring:
            total += s.score * RECURRING_WEIGHT
        else:
            total += s.score * (INFO_WEIGHT if s.level == "info" else 1.0)
    return total


def with_history(signal: LogSignal, recurring: Mapping[str, set[str]]) -> LogSignal:
    """``signal`` with the new templates that each service already logged in its history
    (``recurring``: service -> templates) marked recurring and the services' scores recomputed;
    the recurring templates move after the others (each part keeps its order)."""
    surges: dict[str, list[TemplateSurge]] = {}
    for svc, found in signal.surges.items():
        known = recurring.get(svc, set())
        marked = [replace(s, recurring=True) if s.new and s.template in known else s for s in found]
        marked.sort(key=lambda s: s.recurring)
        surges[svc] = marked
    return LogSignal({svc: _score(found) for svc, found in surges.items()}, surges)


@dataclass(frozen=True, slots=True)
class TraceSignal:
    scores: dict[str, float]
    shifts: list[ServiceTraceShift]
    edges: set[tuple[str, str]]


def trace_signal(
    reference: Sequence[SpanLike],
    incident: Sequence[SpanLike],
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
        edges=trace_edges([*reference, *incident]),
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

"""Trace attribution: which service's *own* work got slower or started failing.

A span's self time is its duration minus the time covered by its children (clamped at zero), so a
service that only waits on a slow dependency does not look slow itself. When a span calls into
another service (its child belongs to a different service), the difference between the caller's
span and the callee's span is time on the wire and in queues; it is attributed to the callee as
``network`` time, since a delay on the callee's network shows up there first.

An *exit span* is a span whose parent belongs to its own service and whose only child belongs to
another (OpenTelemetry's client span: the caller's ``HTTP GET`` inside its handler, the callee's
server span below it). Its time beyond the child's is the call itself, not the caller's work, so
it counts once, as the callee's network time, and not also in the caller's self time: otherwise
a delay on the callee's network made every caller of it look as slow as the callee. A span that
is its service's entry (no parent, or a parent in another service) and has one remote child does
its own work before and after the call, so its gap stays in its self time too.

:func:`trace_shifts` compares the incident window with the reference window per service.
Parameters (chosen once; see docs/benchmarks.md): ``MIN_SPANS = 5`` spans per service and window
before any latency comparison; the latency score is ``log2`` of the ratio of mean self (or
network) time, counted only when the incident mean also exceeds the reference 90th percentile;
the same comparison is made per operation of the service (its own endpoints: a fault in one code
path hides in the service-wide mean when other operations dominate the volume), and the service's
latency score is the larger of the two. A service called fewer than ``MIN_SPANS`` times in the
reference has its network time compared with the network time of every call in the reference
(the wire is the cluster's, not the callee's code: a call's network time is of one size across
services, and a service that is rarely called would otherwise have no network baseline at all).
Network time counts only when the *median* incident call into the service also exceeds that
90th percentile: a delay on a pod's network delays every packet to it, so the typical call into it
is slower than nearly every reference call; a mean raised by a few slow calls (a retry, a pause,
a slow reader on the caller's side) is not the callee's wire. Self time keeps the mean alone: a
slow code path that a fraction of the requests take is the service's own.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

MIN_SPANS = 5


class SpanLike(Protocol):
    @property
    def trace_id(self) -> str: ...
    @property
    def span_id(self) -> str: ...
    @property
    def parent_id(self) -> str | None: ...
    @property
    def service(self) -> str: ...
    @property
    def operation(self) -> str: ...
    @property
    def duration_ms(self) -> float: ...
    @property
    def error(self) -> bool: ...


@dataclass(frozen=True, slots=True)
class SpanRecord:
    """A plain span (what a ``traces.spans`` answer becomes): the fields :class:`SpanLike` reads."""

    trace_id: str
    span_id: str
    parent_id: str | None
    service: str
    operation: str
    duration_ms: float
    error: bool = False


@dataclass(frozen=True, slots=True)
class ServiceTimes:
    self_ms: list[float]
    network_ms: list[float]
    spans: int
    errors: int
    operations: Mapping[str, int]


def unique_spans(spans: Iterable[SpanLike]) -> list[SpanLike]:
    """The spans with each (trace id, span id) once: a span exported twice (Nezha's minute files
    repeat some rows) would otherwise count as two children of its parent, its time subtracted
    twice from the parent's self time and the call no longer seen as one call into one service."""
    seen: set[tuple[str, str]] = set()
    out: list[SpanLike] = []
    for s in spans:
        key = (s.trace_id, s.span_id)
        if key not in seen:
            seen.add(key)
            out.append(s)
    return out


def service_times(spans: Iterable[SpanLike] | SpanWindow) -> dict[str, ServiceTimes]:
    """Per service: self times of its spans, network gaps of calls into it, span and error counts."""
    window = SpanWindow.of(spans)
    counts: dict[str, int] = defaultdict(int)
    errors: dict[str, int] = defaultdict(int)
    ops: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for s in window.spans:
        counts[s.service] += 1
        errors[s.service] += int(bool(s.error))
        ops[s.service][s.operation] += 1
    return {
        svc: ServiceTimes(
            self_ms=[v for v, _ in window.measures(svc, network=False)],
            network_ms=[v for v, _ in window.measures(svc, network=True)],
            spans=counts[svc],
            errors=errors[svc],
            operations=dict(ops[svc]),
        )
        for svc in counts
    }


def exit_spans(spans: Iterable[SpanLike]) -> set[tuple[str, str]]:
    """Keys of the exit spans: a parent in the span's own service and one child, in another."""
    return SpanWindow.of(spans).exits


@dataclass(frozen=True, slots=True)
class SpanWindow:
    """One window's spans indexed once: each span once, the children of every span, the exit spans
    (:meth:`of`); :func:`trace_shifts` and :class:`Onsets` take a window or the spans, so a caller
    asking both about the same spans indexes them once."""

    spans: list[SpanLike]
    children: dict[tuple[str, str], list[SpanLike]]
    exits: set[tuple[str, str]]
    # measures per kind (network or self time) -> service -> (value, span); filled on first use
    measured: dict[bool, dict[str, list[tuple[float, SpanLike]]]] = field(default_factory=dict, compare=False)

    @classmethod
    def of(cls, spans: Iterable[SpanLike] | SpanWindow) -> SpanWindow:
        if isinstance(spans, SpanWindow):
            return spans
        items = unique_spans(spans)
        children: dict[tuple[str, str], list[SpanLike]] = defaultdict(list)
        for s in items:
            if s.parent_id:
                children[(s.trace_id, s.parent_id)].append(s)
        owner = {(s.trace_id, s.span_id): s.service for s in items}
        exits = {
            (s.trace_id, s.span_id)
            for s in items
            if s.parent_id
            and owner.get((s.trace_id, s.parent_id)) == s.service
            and len(below := children.get((s.trace_id, s.span_id), [])) == 1
            and below[0].service != s.service
        }
        return cls(items, children, exits)

    def measures(self, service: str, network: bool) -> list[tuple[float, SpanLike]]:
        """The service's per-span self times (or the network gaps of calls into it, as in
        :func:`service_times`), each with the service's span it was measured on. Every service's
        are measured in one pass over the window, the first time either kind is asked for."""
        return self.by_service(network).get(service, [])

    def by_service(self, network: bool) -> dict[str, list[tuple[float, SpanLike]]]:
        """:meth:`measures` of every service at once (measured on first use)."""
        if network not in self.measured:
            self.measured[network] = self._measure_all(network)
        return self.measured[network]

    def _measure_all(self, network: bool) -> dict[str, list[tuple[float, SpanLike]]]:
        out: dict[str, list[tuple[float, SpanLike]]] = defaultdict(list)
        for s in self.spans:
            kids = self.children.get((s.trace_id, s.span_id), [])
            if not network and (s.trace_id, s.span_id) not in self.exits:
                out[s.service].append((max(s.duration_ms - sum(k.duration_ms for k in kids), 0.0), s))
            elif network and len(kids) == 1 and kids[0].service != s.service:
                out[kids[0].service].append((max(s.duration_ms - kids[0].duration_ms, 0.0), kids[0]))
        return out


@dataclass(frozen=True, slots=True)
class ServiceTraceShift:
    service: str
    latency_score: float  # log2 ratio of mean self time, 0 when not shifted
    network_score: float  # log2 ratio of mean network time of calls into the service
    error_score: float  # growth of the error rate (log2, smoothed)
    reference_self_ms: float
    incident_self_ms: float
    reference_spans: int
    incident_spans: int
    incident_errors: int
    volume_change: float  # log2 of incident / reference span rate
    operation: str | None  # the operation whose self time grew most
    reference_errors: int = 0
    operation_reference_ms: float = 0.0  # mean self time of ``operation`` in each window
    operation_incident_ms: float = 0.0

    @property
    def score(self) -> float:
        return max(self.latency_score, self.network_score) + self.error_score


def _shift(ref: list[float], inc: list[float], *, typical: bool = False) -> float:
    """log2 ratio of the means, 0 unless the incident mean (``typical``: also its median) exceeds
    the reference 90th percentile."""
    if len(ref) < MIN_SPANS or len(inc) < MIN_SPANS:
        return 0.0
    ref_mean = float(np.mean(ref))
    inc_mean = float(np.mean(inc))
    bar = float(np.percentile(ref, 90))
    if inc_mean <= bar or (typical and float(np.median(inc)) <= bar):
        return 0.0
    return max(math.log2((inc_mean + 1.0) / (ref_mean + 1.0)), 0.0)


def trace_shifts(
    reference: Iterable[SpanLike] | SpanWindow,
    incident: Iterable[SpanLike] | SpanWindow,
    *,
    reference_seconds: float = 1.0,
    incident_seconds: float = 1.0,
) -> list[ServiceTraceShift]:
    """Per service change between the windows, most shifted first."""
    ref_window, inc_window = SpanWindow.of(reference), SpanWindow.of(incident)
    ref = service_times(ref_window)
    inc = service_times(inc_window)
    op_self = _operation_self_times(inc_window), _operation_self_times(ref_window)
    every_call = _every_call(ref_window)
    out: list[ServiceTraceShift] = []
    for svc, now in inc.items():
        before = ref.get(svc)
        ref_self = before.self_ms if before else []
        ref_net = before.network_ms if before else []
        ref_n = before.spans if before else 0
        ref_err = before.errors if before else 0
        op_shift, op = _worst_operation(svc, *op_self)
        op_inc, op_ref = (op_self[0].get((svc, op), []), op_self[1].get((svc, op), [])) if op else ([], [])
        latency = max(_shift(ref_self, now.self_ms), op_shift)
        network = _shift(ref_net if len(ref_net) >= MIN_SPANS else every_call, now.network_ms, typical=True)
        ref_rate = (ref_err + 0.5) / (ref_n + 1)
        inc_rate = (now.errors + 0.5) / (now.spans + 1)
        error = max(math.log2(inc_rate / ref_rate), 0.0) if now.errors else 0.0
        volume = math.log2(
            ((now.spans + 1) / max(incident_seconds, 1e-9)) / ((ref_n + 1) / max(reference_seconds, 1e-9))
        )
        out.append(
            ServiceTraceShift(
                service=svc,
                latency_score=latency,
                network_score=network,
                error_score=error,
                reference_self_ms=float(np.mean(ref_self)) if ref_self else 0.0,
                incident_self_ms=float(np.mean(now.self_ms)) if now.self_ms else 0.0,
                reference_spans=ref_n,
                incident_spans=now.spans,
                incident_errors=now.errors,
                volume_change=volume,
                operation=op,
                reference_errors=ref_err,
                operation_reference_ms=float(np.mean(op_ref)) if op_ref else 0.0,
                operation_incident_ms=float(np.mean(op_inc)) if op_inc else 0.0,
            )
        )
    out.sort(key=lambda s: (-s.score, s.service))
    return out


def _every_call(window: SpanWindow) -> list[float]:
    """The network time of every call in a window: the baseline of a rarely called service."""
    return [ms for calls in window.by_service(network=True).values() for ms, _ in calls]


def _operation_self_times(window: SpanWindow) -> dict[tuple[str, str], list[float]]:
    """Self times per (service, operation), from the window's per-service measures."""
    out: dict[tuple[str, str], list[float]] = defaultdict(list)
    for service, measured in window.by_service(network=False).items():
        for ms, span in measured:
            out[(service, span.operation)].append(ms)
    return out


def _worst_operation(
    service: str,
    incident: dict[tuple[str, str], list[float]],
    reference: dict[tuple[str, str], list[float]],
) -> tuple[float, str | None]:
    best: tuple[float, str] | None = None
    for (svc, op), times in incident.items():
        if svc != service:
            continue
        shift = _shift(reference.get((svc, op), []), times)
        if shift > 0 and (best is None or shift > best[0]):
            best = (shift, op)
    return best if best else (0.0, None)


class Onsets:
    """When each service's shift first showed (:meth:`of`), over two windows indexed once (a
    generator asks about every shifted service)."""

    def __init__(
        self,
        reference: Iterable[SpanLike] | SpanWindow,
        incident: Iterable[SpanLike] | SpanWindow,
        started: Mapping[tuple[str, str], float],
    ) -> None:
        self.reference = SpanWindow.of(reference)
        self.incident = SpanWindow.of(incident)
        self.started = started

    def of(self, service: str, *, network: bool = False) -> float | None:
        """The start (``started[(trace_id, span_id)]``) of the service's earliest incident span
        whose self time (``network``: the network time of the call into it) exceeds the reference
        90th percentile, the bar :func:`trace_shifts` uses for the mean (network time of a service
        called fewer than ``MIN_SPANS`` times: every call's, as there); ``None`` with fewer than
        ``MIN_SPANS`` reference measurements or none above the bar."""
        ref = [v for v, _ in self.reference.measures(service, network)]
        if network and len(ref) < MIN_SPANS:
            ref = _every_call(self.reference)
        if len(ref) < MIN_SPANS:
            return None
        bar = float(np.percentile(ref, 90))
        times = [
            self.started[(s.trace_id, s.span_id)]
            for v, s in self.incident.measures(service, network)
            if v > bar and (s.trace_id, s.span_id) in self.started
        ]
        return min(times, default=None)


def shift_onset(
    reference: Iterable[SpanLike],
    incident: Iterable[SpanLike],
    service: str,
    started: Mapping[tuple[str, str], float],
    *,
    network: bool = False,
) -> float | None:
    """:meth:`Onsets.of` for one service."""
    return Onsets(reference, incident, started).of(service, network=network)

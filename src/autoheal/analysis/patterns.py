"""Broken execution paths: log-event transitions per unit of work, reference vs incident.

A fault inside one method (an early ``return``, an ``exception``) rarely adds log volume; it
changes *which log events follow which* in the requests that reach it: the line after the faulty
call is never written, or an error line is written instead. Volume comparisons cannot see this
when the workload differs between the windows; transition ratios can, because each is relative
to its own predecessor (the same request path), not to the window's traffic.

A *unit* is one service's log lines of one unit of work: one span where the lines carry a span id,
else one trace (lines with neither are not units). Its
events are its lines' logging statements where the line's header names the code location (the
same message written at two places is two events; one statement printing values of any length
is one), else the lines' Drain templates, and,
where spans are known, its calls into other services (:func:`call_events`: ``call <service>
<operation>`` at the callee span's start; an exception that aborts a method also skips the calls
after it, even when nothing is logged) in time order, bracketed by ``START`` and ``END``. Where the
lines carry span ids, every span is a unit that opens with ``span <operation>``
(:func:`span_events`): a request that reached the method and then wrote none of its lines (an
exception at its first statement) still shows, as ``span -> END`` where it was ``span -> <line>``;
each consecutive pair is a *transition* ``A -> B`` (the edges of Nezha's event graphs, FSE'23).
For every transition seen in either window, the reference gives the share of ``A`` events
followed by ``B`` (smoothed: ``(n_AB + 0.5) / (n_A + 1)``); in the incident, ``A`` occurred
``m_A`` times, so ``B`` is expected ``m_A * p`` times. The deviation of the observed count is a
binomial z-score, in both directions (a path that stopped, or one that started). A transition's
score is the change of its share times its significance, ``|share_inc - share_ref| * min(|z|,
Z_CAP)``: a path that all requests took and none takes any more scores ``Z_CAP``, a small drift
in a busy path scores little however significant. A service's score is that of its strongest
transition among those whose source event occurs at least ``MIN_SUPPORT`` times in each window.

Parameters (chosen once, the same for every data set; docs/benchmarks.md): ``MIN_SUPPORT = 5``,
``Z_CAP = 10``.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

START = "<START>"
END = "<END>"
MIN_SUPPORT = 5
Z_CAP = 10.0


@dataclass(frozen=True, slots=True)
class UnitEvent:
    """One log line reduced to what the transition analysis needs."""

    service: str
    unit: str  # trace id, or trace id and span id: the unit of work the line belongs to
    at: float  # epoch seconds
    event: str  # template (or any event name)
    opens: bool = False  # the unit's opening event (its span's start): first, whatever the clocks say


@dataclass(frozen=True, slots=True)
class PathBreak:
    service: str
    source: str
    target: str
    reference_share: float  # share of source events followed by target, reference
    incident_share: float
    incident_source: int  # source events in the incident
    z: float  # signed binomial z: negative = the transition became rarer

    @property
    def score(self) -> float:
        return abs(self.incident_share - self.reference_share) * min(abs(self.z), Z_CAP)

    def describe(self) -> str:
        way = "stopped following" if self.z < 0 else "started following"
        return (
            f"{self.target[:120]!r} {way} {self.source[:120]!r} "
            f"({self.reference_share:.0%} -> {self.incident_share:.0%} of {self.incident_source}, z={self.z:.1f})"
        )


Transitions = dict[str, tuple[Counter[str], Counter[tuple[str, str]]]]


@dataclass(frozen=True, slots=True)
class CallSpan:
    """The parts of a span that :func:`call_events` needs."""

    trace_id: str
    span_id: str
    parent_id: str | None
    service: str
    operation: str
    at: float  # epoch seconds of the span's start


def call_events(spans: Iterable[CallSpan]) -> list[UnitEvent]:
    """One event per cross-service call, in the caller's unit (its span): ``call <callee> <op>``."""
    items = list(spans)
    owner = {(s.trace_id, s.span_id): s for s in items}
    out = []
    for s in items:
        parent = owner.get((s.trace_id, s.parent_id)) if s.parent_id else None
        if parent is not None and parent.service != s.service:
            unit = f"{parent.trace_id}/{parent.span_id}"
            out.append(UnitEvent(parent.service, unit, s.at, f"call {s.service} {s.operation}"))
    return out


def span_events(spans: Iterable[CallSpan]) -> list[UnitEvent]:
    """One opening event per span, ``span <operation>``, in the span's own unit."""
    return [
        UnitEvent(s.service, f"{s.trace_id}/{s.span_id}", s.at, f"span {s.operation}", opens=True)
        for s in spans
    ]


def _in_order(unit: Iterable[UnitEvent]) -> list[UnitEvent]:
    return sorted(unit, key=lambda e: (not e.opens, e.at))


def transitions(events: Iterable[UnitEvent]) -> Transitions:
    """Per service: source-event counts and transition counts over all its units."""
    units: dict[tuple[str, str], list[UnitEvent]] = defaultdict(list)
    for e in events:
        if e.unit:
            units[(e.service, e.unit)].append(e)
    out: Transitions = {}
    for (service, _), unit in units.items():
        sources, pairs = out.setdefault(service, (Counter(), Counter()))
        seq = [START, *(e.event for e in _in_order(unit)), END]
        for a, b in itertools.pairwise(seq):
            sources[a] += 1
            pairs[(a, b)] += 1
    return out


def path_breaks(
    reference: Iterable[UnitEvent], incident: Iterable[UnitEvent], *, min_support: int = MIN_SUPPORT
) -> list[PathBreak]:
    """The strongest transition change of each service, strongest first."""
    ref = transitions(reference)
    inc = transitions(incident)
    out: list[PathBreak] = []
    for service, (inc_src, inc_pairs) in inc.items():
        if service not in ref:
            continue
        ref_src, ref_pairs = ref[service]
        best: PathBreak | None = None
        for a, b in sorted(set(ref_pairs) | set(inc_pairs)):  # sorted: ties resolve the same way every run
            n_a, m_a = ref_src.get(a, 0), inc_src.get(a, 0)
            if n_a < min_support or m_a < min_support:
                continue
            p = (ref_pairs.get((a, b), 0) + 0.5) / (n_a + 1.0)
            observed = inc_pairs.get((a, b), 0)
            z = _binomial_z(observed, m_a, p)
            found = PathBreak(service, a, b, ref_pairs.get((a, b), 0) / n_a, observed / m_a, m_a, z)
            if best is None or found.score > best.score:
                best = found
        if best is not None:
            out.append(best)
    out.sort(key=lambda b: (-b.score, b.service))
    return out


def break_onset(events: Iterable[UnitEvent], brk: PathBreak) -> float | None:
    """When the break first showed in ``events`` (the incident's): the earliest unit of the
    service where the source event is followed by another event than the target (a path that
    stopped, ``z < 0``) or by the target (a path that started); the time of the first event after
    the source (the unit's last event for ``END``). ``None`` when no unit shows it."""
    units: dict[str, list[UnitEvent]] = defaultdict(list)
    for e in events:
        if e.service == brk.service and e.unit:
            units[e.unit].append(e)
    first: float | None = None
    for unit in units.values():
        timed = _in_order(unit)
        seq = [(timed[0].at, START), *((e.at, e.event) for e in timed), (max(e.at for e in timed), END)]
        for (_, a), (at_b, b) in itertools.pairwise(seq):
            if a == brk.source and (b == brk.target) == (brk.z > 0):
                first = at_b if first is None else min(first, at_b)
                break
    return first


def _binomial_z(k: int, n: int, p: float) -> float:
    """(k - n p) / sqrt(n p (1 - p)) with a continuity correction toward zero."""
    mean = n * p
    sd = math.sqrt(max(n * p * (1.0 - p), 1e-12))
    dev = k - mean
    dev = math.copysign(max(abs(dev) - 0.5, 0.0), dev)
    return dev / sd


def break_scores(breaks: Sequence[PathBreak]) -> dict[str, float]:
    """Per-service score of its strongest break."""
    return {b.service: b.score for b in breaks}

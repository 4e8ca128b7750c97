"""Log template spikes and broken execution paths, per service.

``logs.query`` over the reference window(s) and the incident window, each window split in halves
while the answer is truncated (:func:`fetch_all`, every call within the policy's line and byte
limits). Lines are mined by one Drain miner (:mod:`autoheal.analysis.logs`); two signals per
service:

* **surges** (:func:`autoheal.analysis.signals.log_signal`): new or surging warning / error
  templates; a template seen in any reference window is known;
* **broken paths** (:func:`autoheal.analysis.patterns.path_breaks`): where lines carry a trace id
  (and a ``span_id`` label), which log event or outgoing call (from ``traces.spans`` over the same
  windows) follows which within one unit of work; a path that requests took in the reference and
  stopped taking (an early return, an exception) or a new one.

Each line feeds one signal: the trace-linked lines of a service the path analysis could judge
(one of its events seen ``MIN_SUPPORT`` times in both windows) are read as paths only, as the share of its requests whose path
they changed; the surges read the other lines. Counting an error line twice (by volume as a new
template, and in the path) let a chronic error in a few requests of a healthy service outrank a
path that every request of the faulty one stopped taking. The service's raw score is the sum of
both; it is calibrated on 0..1 with ``HALF`` (absolute, so
a weak signal stays weak beside another generator's strong one), callers explained by an
anomalous dependency halved. Every hypothesis is raised (no cap on their number) and carries
``cause_at``, when its evidence first showed: the first incident unit that took the changed path,
or the first incident line at the surging template's level. With no line at all in the reference
window(s) there is no baseline: nothing is raised (every template would read as new). ``reference`` overrides the context's reference window for logs when the
fault-free logs live elsewhere (a list of windows is pooled).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from autoheal.analysis.logs import TemplateMiner, TemplateSurge, log_level, parse_line
from autoheal.analysis.patterns import (
    END,
    CallSpan,
    PathBreak,
    UnitEvent,
    break_onset,
    call_events,
    path_breaks,
    span_events,
)
from autoheal.analysis.signals import log_signal
from autoheal.domain.investigation import Evidence, Hypothesis, InvestigationEvent
from autoheal.reasoning.base import InvestigationContext, Window
from autoheal.reasoning.generators._windows import calibrated, epoch, fetch_all, reference_windows
from autoheal.telemetry.model import LogRecord

MAX_LINES = 5000
MAX_BYTES = 1_048_576
MAX_SPANS = 10_000
# No cap on the number of hypotheses: every service with a positive score is raised. A cap cut
# before the report fuses the generators' evidence about one service dropped causes that were
# sixth in every generator (the report, not the generator, decides what ranks first).
MAX_HYPOTHESES: int | None = None
HALF = 5.0  # a raw log score of 5 is 0.5: a path every request took, half of them no longer take


def incident_lines(ctx: InvestigationContext) -> tuple[list[dict[str, Any]], list[Evidence], bool]:
    """The incident window's log lines, asked exactly as this generator asks them (so the
    investigation's shared answers serve the trace-paths generator's question too)."""
    return fetch_all(
        ctx,
        "logs.query",
        ctx.incident,
        "lines",
        "logs, incident window",
        limit=MAX_LINES,
        max_bytes=MAX_BYTES,
    )


def _records(entries: Sequence[dict[str, Any]]) -> list[LogRecord]:
    out = []
    for entry in entries:
        out.append(
            LogRecord(
                at=datetime.fromtimestamp(epoch(entry["at"]), UTC),
                service=str(entry.get("service") or ""),
                level=str(entry.get("level") or "info"),
                line=str(entry.get("line") or ""),
                labels={str(k): str(v) for k, v in (entry.get("labels") or {}).items()},
                trace_id=entry.get("trace_id") or None,
            )
        )
    return out


class _Names:
    """The path analysis' events as people read them. A line whose header names its code location
    is the event of that logging statement, ``@<location>``, whatever the values it printed (a list
    of a varying number of items made a new Drain template for the same statement); it reads as the
    template of its first line and the location. Other lines are their template (its cluster id)."""

    def __init__(self, miner: TemplateMiner) -> None:
        self.miner = miner
        self.first: dict[str, int] = {}

    def event(self, where: str | None, cluster: int) -> str:
        if where is None:
            return str(cluster)
        key = f"@{where}"
        self.first.setdefault(key, cluster)
        return key

    def text(self, event: str) -> str:
        cluster = self.first.get(event) if event.startswith("@") else None
        try:
            template = self.miner.template(int(event) if cluster is None else cluster)
        except (KeyError, ValueError):
            return event
        return f"{template} ({event[1:]})" if cluster is not None else template


def _units(
    records: Sequence[LogRecord], clusters: Sequence[int], locations: Sequence[str | None], names: _Names
) -> list[UnitEvent]:
    """Each trace-linked line as an event of its unit (:class:`_Names`)."""
    out = []
    for r, cluster, where in zip(records, clusters, locations, strict=True):
        if not r.trace_id:
            continue
        unit = f"{r.trace_id}/{r.labels.get('span_id', '')}"
        out.append(UnitEvent(r.service, unit, r.at.timestamp(), names.event(where, cluster)))
    return out


def _call_spans(entries: Sequence[dict[str, Any]]) -> list[CallSpan]:
    return [
        CallSpan(
            str(e["trace_id"]),
            str(e["span_id"]),
            e.get("parent_id") or None,
            str(e.get("service") or ""),
            str(e.get("operation") or ""),
            epoch(e["start"]),
        )
        for e in entries
        if e.get("trace_id") and e.get("span_id") and e.get("start") is not None
    ]


def _breaks(
    ref: Sequence[LogRecord],
    inc: Sequence[LogRecord],
    ref_spans: Sequence[CallSpan] = (),
    inc_spans: Sequence[CallSpan] = (),
) -> tuple[list[PathBreak], _Names, list[UnitEvent]]:
    """Path breaks over one miner: every line mined first, then each line read back in its final
    cluster (so the same event has the same id in both windows); the spans add each unit's calls
    and, where the lines carry span ids (a unit is a span), each span's opening event.
    Also returns the incident's unit events (for :func:`break_onset`)."""
    miner = TemplateMiner()
    parsed = [parse_line(r.line) for r in (*ref, *inc)]  # the header read once per line
    contents = [content for content, _ in parsed]
    locations = [where for _, where in parsed]
    ids = [miner.add(c) for c in contents]
    final = [miner.final(c, i) for c, i in zip(contents, ids, strict=True)]
    names = _Names(miner)
    n = len(ref)
    reference = _units(ref, final[:n], locations[:n], names) + call_events(ref_spans)
    incident = _units(inc, final[n:], locations[n:], names) + call_events(inc_spans)
    if any(r.labels.get("span_id") for r in inc):
        reference += span_events(ref_spans)
        incident += span_events(inc_spans)
    return path_breaks(reference, incident), names, incident


class LogTemplateGenerator:
    name = "logs"

    def __init__(
        self,
        *,
        reference: Window | Sequence[Window] | None = None,
        max_hypotheses: int | None = MAX_HYPOTHESES,
    ) -> None:
        self.references = reference_windows(reference)
        self.max_hypotheses = max_hypotheses

    def generate(self, ctx: InvestigationContext) -> list[Hypothesis]:
        references = self.references or [ctx.reference]
        ref_entries: list[dict[str, Any]] = []
        evidence: list[Evidence] = []
        for window in references:
            got, cited, _ = fetch_all(
                ctx,
                "logs.query",
                window,
                "lines",
                "logs, reference window",
                limit=MAX_LINES,
                max_bytes=MAX_BYTES,
            )
            ref_entries += got
            evidence += cited[:2]
        inc_entries, inc_cited, _ = incident_lines(ctx)
        if not inc_cited or not evidence:  # no fault-free lines: nothing tells new from usual
            return []
        if not ref_entries:
            # no baseline: with no line in any reference window every template would read as
            # new, which says nothing (telemetry that began minutes ago, a retention gap)
            ctx.emit(
                InvestigationEvent(
                    "step",
                    ctx.clock.now(),
                    {"step": "logs", "note": "no log lines in the reference window: no baseline to compare"},
                )
            )
            return []
        evidence += inc_cited[:4]
        ref = _records(ref_entries)
        inc = _records(inc_entries)
        observed = max((r.at for r in inc), default=ctx.incident.end) - ctx.incident.start
        reference_seconds = sum(w.seconds for w in references)
        ref_spans: list[CallSpan] = []
        inc_spans: list[CallSpan] = []
        if any(r.trace_id for r in inc):  # trace-linked logs: the units' calls come from the spans
            for window in references:
                got, _, _ = fetch_all(
                    ctx, "traces.spans", window, "spans", "spans, reference window", limit=MAX_SPANS
                )
                ref_spans += _call_spans(got)
            got, _, _ = fetch_all(
                ctx, "traces.spans", ctx.incident, "spans", "spans, incident window", limit=MAX_SPANS
            )
            inc_spans = _call_spans(got)
        breaks, names, inc_events = _breaks(ref, inc, ref_spans, inc_spans)
        # Each line feeds one signal: a trace-linked line of a service the path analysis judged
        # is read there (as the share of requests whose path it changed), not counted again by
        # volume as a template surge.
        judged = {b.service for b in breaks}
        signal = log_signal(
            [r for r in ref if not (r.trace_id and r.service in judged)],
            [r for r in inc if not (r.trace_id and r.service in judged)],
            reference_seconds=reference_seconds,
            incident_seconds=max(observed.total_seconds(), 60.0),
        )
        by_break = {b.service: b for b in breaks if b.score > 0}
        raw: dict[str, float] = {}
        for svc, value in signal.scores.items():
            if value > 0:
                raw[svc] = value
        for svc, b in by_break.items():
            raw[svc] = raw.get(svc, 0.0) + b.score
        weight = calibrated(ctx, raw, half=HALF) if raw else {}
        ranked = sorted(raw, key=lambda svc: (-weight[svc], svc))
        out = []
        for service in ranked[: self.max_hypotheses]:
            surges = [s for s in signal.surges.get(service, []) if s.level != "info"] or signal.surges.get(
                service, []
            )
            path = by_break.get(service)
            top = surges[0] if surges else None
            began: float | None
            if path is not None and (top is None or path.score >= signal.scores.get(service, 0.0)):
                statement = f"{service}: its requests changed path: {_describe(path, names)}"
                kind = "code_error"
                # where the path changed: the new event, or the last one before the path stopped
                where = path.target if path.z > 0 and path.target != END else path.source
                component = names.text(where)[:200]
                began = break_onset(inc_events, path)
            elif top is not None:
                began = _first_line(inc, service, top.level)
                what = "new" if top.new else f"{top.ratio:.1f}x more frequent"
                statement = f"{service} logs a {what} {top.level} template: {top.template[:160]}"
                kind = "code_error" if top.level == "error" else "log_anomaly"
                component = top.template[:200]
            else:
                continue
            out.append(
                Hypothesis(
                    id=f"logs:{service}",
                    service=service,
                    kind=kind,
                    statement=statement,
                    generator=self.name,
                    score=round(weight[service], 4),
                    component=component,
                    evidence=[
                        ctx.cite(
                            inc_cited[0],
                            statement[:300],
                            data={
                                "templates": [_surge_dict(s) for s in surges[:5]],
                                **({"path_break": _break_dict(path, names)} if path is not None else {}),
                            },
                        ),
                        *evidence,
                    ],
                    attributes={
                        "log_score": round(raw[service], 3),
                        **({"cause_at": datetime.fromtimestamp(began, UTC).isoformat()} if began else {}),
                        **({"path_break": _break_dict(path, names)} if path is not None else {}),
                        "templates": [_surge_dict(s) for s in surges[:5]],
                    },
                )
            )
        return out


def _surge_dict(s: TemplateSurge) -> dict[str, Any]:
    return {
        "template": s.template[:200],
        "level": s.level,
        "new": s.new,
        "reference": s.reference_count,
        "incident": s.incident_count,
        "p_value": None if s.p_value is None else float(f"{s.p_value:.3g}"),
    }


def _first_line(records: Sequence[LogRecord], service: str, level: str) -> float | None:
    """When the service's first incident line at the surging template's level was written (the
    earliest time the surge can have begun; any level for an info-level surge)."""
    times = [
        r.at.timestamp()
        for r in records
        if r.service == service and (level == "info" or log_level(r.line) == level)
    ]
    return min(times, default=None)


def _describe(b: PathBreak, names: _Names) -> str:
    way = "no longer follows" if b.z < 0 else "now follows"
    return (
        f"{names.text(b.target)[:100]!r} {way} {names.text(b.source)[:100]!r} "
        f"({b.reference_share:.0%} of the time before, {b.incident_share:.0%} of {b.incident_source} now)"
    )


def _break_dict(b: PathBreak, names: _Names) -> dict[str, Any]:
    return {
        "source": names.text(b.source)[:200],
        "target": names.text(b.target)[:200],
        "reference_share": round(b.reference_share, 3),
        "incident_share": round(b.incident_share, 3),
        "incident_source": b.incident_source,
        "z": round(b.z, 2),
        "score": round(b.score, 3),
    }

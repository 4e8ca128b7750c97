"""Trace attribution: which service's own spans gained latency or errors, excluding its callees.

``traces.spans`` over the reference window(s) and the incident window, each split in halves while
the answer is truncated (:func:`fetch_all`, every call within the policy's span limit);
per-service self time, network time of calls into the service and error counts are compared by
:func:`autoheal.analysis.signals.trace_signal`. ``reference`` overrides the context's reference
window for traces, as for logs (a list of windows is pooled). Scores are calibrated on 0..1 with
``HALF`` (a log2 ratio of 2, four times the reference self or network time, is 0.5), callers explained by an
anomalous dependency halved.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from autoheal.analysis.signals import trace_signal
from autoheal.analysis.traces import Onsets, ServiceTraceShift, SpanRecord, SpanWindow
from autoheal.domain.investigation import Hypothesis
from autoheal.reasoning.base import InvestigationContext, Window
from autoheal.reasoning.generators._windows import calibrated, epoch, fetch_all, reference_windows

MAX_SPANS = 10_000
# No cap on the number of hypotheses: every service with a positive score is raised. A cap cut
# before the report fuses the generators' evidence about one service dropped causes that were
# sixth in every generator (the report, not the generator, decides what ranks first).
MAX_HYPOTHESES: int | None = None
HALF = 2.0  # log2 ratio 2 (self or network time four times the reference) is 0.5


def _spans(entries: Sequence[dict[str, Any]]) -> list[SpanRecord]:
    return [
        SpanRecord(
            str(s["trace_id"]),
            str(s["span_id"]),
            s.get("parent_id"),
            str(s["service"]),
            str(s.get("operation", "")),
            float(s["duration_ms"]),
            bool(s.get("error", False)),
        )
        for s in entries
    ]


class TraceAttributionGenerator:
    name = "traces"

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
        ref_cited = []
        for window in references:
            got, cited, _ = fetch_all(
                ctx, "traces.spans", window, "spans", "spans, reference window", limit=MAX_SPANS
            )
            ref_entries += got
            ref_cited += cited[:2]
        inc_entries, inc_cited, _ = fetch_all(
            ctx, "traces.spans", ctx.incident, "spans", "spans, incident window", limit=MAX_SPANS
        )
        if not inc_cited or not ref_cited:
            return []
        evidence = [*ref_cited, *inc_cited[:4]]
        # each window indexed once, for the shifts and for their onsets
        ref_spans, inc_spans = SpanWindow.of(_spans(ref_entries)), SpanWindow.of(_spans(inc_entries))
        started = {
            (str(e["trace_id"]), str(e["span_id"])): epoch(e["start"])
            for e in inc_entries
            if e.get("start") is not None
        }
        signal = trace_signal(
            ref_spans,
            inc_spans,
            reference_seconds=sum(w.seconds for w in references),
            incident_seconds=ctx.incident.seconds,
        )
        shifted = {s.service: s for s in signal.shifts if s.score > 0}
        weight = calibrated(ctx, {svc: s.score for svc, s in shifted.items()}, half=HALF) if shifted else {}
        ordered = sorted(shifted.values(), key=lambda s: (-weight[s.service], s.service))
        onsets = Onsets(ref_spans, inc_spans, started)
        out = []
        for shift in ordered[: self.max_hypotheses]:
            kind, what = _describe(shift)
            began = onsets.of(shift.service, network=kind == "network_latency")
            out.append(
                Hypothesis(
                    id=f"traces:{shift.service}",
                    service=shift.service,
                    kind=kind,
                    statement=f"{shift.service}: {what}",
                    generator=self.name,
                    score=round(weight[shift.service], 4),
                    component=shift.operation,
                    evidence=list(evidence),
                    attributes={
                        "trace_score": round(shift.score, 3),
                        **({"cause_at": datetime.fromtimestamp(began, UTC).isoformat()} if began else {}),
                        "latency_score": round(shift.latency_score, 3),
                        "network_score": round(shift.network_score, 3),
                        "error_score": round(shift.error_score, 3),
                        "callees": sorted(b for a, b in signal.edges if a == shift.service),
                    },
                )
            )
        return out


def _describe(shift: ServiceTraceShift) -> tuple[str, str]:
    """The hypothesis kind and what the spans show: the larger of network and self-time growth;
    errors alone (neither grew) are ``span_errors`` (a kind of their own: the spans do not say whether
    code, a crash or an outage failed them), not a slower service."""
    errors = (
        f"{shift.incident_errors} of {shift.incident_spans} spans failed "
        f"({shift.reference_errors} of {shift.reference_spans} in the reference)"
    )
    if shift.network_score <= 0 and shift.latency_score <= 0:
        return "span_errors", f"its spans fail more often: {errors}"
    if shift.network_score > shift.latency_score:
        what, kind = "calls into it spend longer on the network", "network_latency"
    elif shift.incident_self_ms > shift.reference_self_ms or not shift.operation:
        what = (
            f"its own spans got slower ({shift.reference_self_ms:.1f} -> "
            f"{shift.incident_self_ms:.1f} ms self time)"
        )
        kind = "latency"
    else:  # the service's mean did not grow: one operation's self time did
        what = (
            f"its {shift.operation} spans got slower ({shift.operation_reference_ms:.1f} -> "
            f"{shift.operation_incident_ms:.1f} ms self time)"
        )
        kind = "latency"
    if shift.error_score > 0:
        what += f"; {errors}"
    return kind, what

"""Trace attribution: which service's own spans gained latency or errors, excluding its callees.

Two ``traces.spans`` calls (reference and incident windows); per-service self time, network time
of calls into the service and error counts are compared by
:func:`autoheal.analysis.signals.trace_signal`. ``reference`` overrides the context's reference
window for traces, as for logs. Scores are calibrated on 0..1 as in the metric generator.
"""

from __future__ import annotations

from dataclasses import dataclass

from autoheal.analysis.signals import trace_signal
from autoheal.domain.investigation import Hypothesis
from autoheal.reasoning.base import InvestigationContext, Window
from autoheal.reasoning.generators._windows import calibrated, window_args

MAX_SPANS = 10_000
MAX_HYPOTHESES = 5


@dataclass(frozen=True, slots=True)
class _Span:
    trace_id: str
    span_id: str
    parent_id: str | None
    service: str
    operation: str
    duration_ms: float
    error: bool


def _spans(data: object) -> list[_Span]:
    return [
        _Span(
            str(s["trace_id"]),
            str(s["span_id"]),
            s.get("parent_id"),
            str(s["service"]),
            str(s.get("operation", "")),
            float(s["duration_ms"]),
            bool(s.get("error", False)),
        )
        for s in (data or {}).get("spans", [])  # type: ignore[union-attr]
    ]


class TraceAttributionGenerator:
    name = "traces"

    def __init__(self, *, reference: Window | None = None, max_hypotheses: int = MAX_HYPOTHESES) -> None:
        self.reference = reference
        self.max_hypotheses = max_hypotheses

    def generate(self, ctx: InvestigationContext) -> list[Hypothesis]:
        reference = self.reference or ctx.reference
        ref_res, ref_ev = ctx.call(
            "traces.spans", window_args(reference, limit=MAX_SPANS), "spans, reference window"
        )
        inc_res, inc_ev = ctx.call(
            "traces.spans", window_args(ctx.incident, limit=MAX_SPANS), "spans, incident window"
        )
        if not inc_res.ok or not ref_res.ok:
            return []
        signal = trace_signal(
            _spans(ref_res.data),
            _spans(inc_res.data),
            reference_seconds=reference.seconds,
            incident_seconds=ctx.incident.seconds,
        )
        shifted = {s.service: s for s in signal.shifts if s.score > 0}
        weight = calibrated(ctx, {svc: s.score for svc, s in shifted.items()}) if shifted else {}
        ordered = sorted(shifted.values(), key=lambda s: (-weight[s.service], s.service))
        out = []
        for shift in ordered[: self.max_hypotheses]:
            if shift.network_score > shift.latency_score:
                what = "calls into it spend longer on the network"
                kind = "network_latency"
            else:
                what = f"its own spans got slower ({shift.reference_self_ms:.1f} -> {shift.incident_self_ms:.1f} ms self time)"
                kind = "latency"
            if shift.error_score > 0:
                what += f"; {shift.incident_errors} error spans"
            out.append(
                Hypothesis(
                    id=f"traces:{shift.service}",
                    service=shift.service,
                    kind=kind,
                    statement=f"{shift.service}: {what}",
                    generator=self.name,
                    score=round(weight[shift.service], 4),
                    component=shift.operation,
                    evidence=[ref_ev, inc_ev],
                    attributes={
                        "trace_score": round(shift.score, 3),
                        "latency_score": round(shift.latency_score, 3),
                        "network_score": round(shift.network_score, 3),
                        "error_score": round(shift.error_score, 3),
                        "callees": sorted(b for a, b in signal.edges if a == shift.service),
                    },
                )
            )
        return out

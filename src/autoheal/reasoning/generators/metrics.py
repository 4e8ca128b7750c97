"""Metric anomaly ranking across services (BARO-style robust statistics).

One ``prometheus.query_range`` over every series carrying a ``service`` label, from the start of
the reference window to the end of the incident window; each series is scored with
:func:`autoheal.analysis.metrics.robust_scores` (reference vs incident) and every service whose
best metric reaches ``MIN_SCORE`` becomes a hypothesis, strongest first. The hypothesis score is
calibrated on 0..1 (:func:`autoheal.analysis.ranking.calibrate`: a robust z of ``HALF`` is 0.5,
callers explained by an anomalous dependency halved); the robust z is kept in the attributes.
"""

from __future__ import annotations

from datetime import timedelta

from autoheal.analysis.metrics import MetricScore, robust_scores, top_metrics
from autoheal.domain.investigation import Hypothesis
from autoheal.reasoning.base import InvestigationContext, Window
from autoheal.reasoning.generators._windows import calibrated, window_args

SELECTOR = '{service=~".+"}'
MIN_SCORE = 3.0  # the onset threshold: below it nothing is anomalous
MAX_HYPOTHESES = 5
MAX_POINTS = 600
HALF = 100.0  # a robust z of 100 (the floor score of a flat series that moved) is 0.5: an even bet


class MetricAnomalyGenerator:
    name = "metrics"

    def __init__(self, *, max_hypotheses: int = MAX_HYPOTHESES) -> None:
        self.max_hypotheses = max_hypotheses

    def generate(self, ctx: InvestigationContext) -> list[Hypothesis]:
        span = Window(min(ctx.reference.start, ctx.incident.start), max(ctx.reference.end, ctx.incident.end))
        step = max(span.seconds / MAX_POINTS, 1.0)
        args = window_args(span, query=SELECTOR, step=step)
        result, ev = ctx.call(
            "prometheus.query_range", args, "every service's metrics, reference and incident"
        )
        if not result.ok:
            return []
        ref_lo, ref_hi = ctx.reference.start.timestamp(), ctx.reference.end.timestamp()
        inc_lo, inc_hi = ctx.incident.start.timestamp(), ctx.incident.end.timestamp()
        items = []
        for series in (result.data or {}).get("result", []):
            labels = series.get("metric", {})
            service = labels.get("service")
            if not service:
                continue
            pts = [(float(t), float(v)) for t, v in series.get("values", [])]
            ref = [v for t, v in pts if ref_lo <= t < ref_hi]
            inc = [v for t, v in pts if inc_lo <= t < inc_hi]
            items.append((service, labels.get("__name__", "value"), ref, inc))
        scores = [s for s in robust_scores(items) if s.score >= MIN_SCORE]
        best = top_metrics(scores, per_service=3)
        weight = calibrated(ctx, {svc: ms[0].score for svc, ms in best.items()}, half=HALF)
        ranked = sorted(best.items(), key=lambda kv: (-weight[kv[0]], kv[0]))[: self.max_hypotheses]
        out = []
        for service, metrics in ranked:
            top = metrics[0]
            onset = None
            if top.onset_index is not None:
                onset = ctx.incident.start + timedelta(seconds=top.onset_index * step)
            out.append(
                Hypothesis(
                    id=f"metrics:{service}",
                    service=service,
                    kind="metric_anomaly",
                    statement=f"{service}: {_describe(metrics)}",
                    generator=self.name,
                    score=round(weight[service], 4),
                    component=top.metric,
                    evidence=[ev],
                    attributes={
                        "robust_z": round(top.score, 2),
                        "metrics": [
                            {
                                "metric": m.metric,
                                "robust_z": round(m.score, 2),
                                "reference_median": m.reference_median,
                                "incident_peak": m.incident_peak,
                            }
                            for m in metrics
                        ],
                        **({"cause_at": onset.isoformat()} if onset else {}),
                    },
                )
            )
        return out


def _describe(metrics: list[MetricScore]) -> str:
    return "; ".join(
        f"{m.metric} rose to {m.incident_peak:.3g} from a median of {m.reference_median:.3g} (robust z {m.score:.1f})"
        for m in metrics
    )

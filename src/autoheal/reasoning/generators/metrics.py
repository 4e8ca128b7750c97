"""Metric anomaly ranking across services (BARO-style robust statistics).

One ``prometheus.query_range`` over every series carrying a ``service`` label, from the start of
the reference window to the end of the incident window; each series is scored with
:func:`autoheal.analysis.metrics.robust_scores` (reference vs incident) and every service whose
best metric reaches ``MIN_SCORE`` becomes a hypothesis, strongest first. The hypothesis score is
calibrated on 0..1 (:func:`autoheal.analysis.ranking.calibrate`: a robust z of ``HALF`` is 0.5,
callers explained by an anomalous dependency halved); the robust z is kept in the attributes.

**Symptom focus.** When the alert names its symptom (the metrics of its rule's PromQL expression,
:func:`autoheal.reasoning.symptoms.alert_symptoms`) and at least one series of that metric family
shifted (reaches ``MIN_SCORE``) on some service, the symptom ranks services first:

* a service whose symptom-family series shifted is scored by that shift alone (its best
  symptom-family robust z; the graph calibration runs over these services only), and its other
  shifted metrics are still listed after the symptom;
* a service where only other metrics shifted is still reported, calibrated among its own kind and
  then multiplied by the weakest symptom service's score, so it always ranks below every service
  whose alerted symptom shifted, in the order of its own shift.

An SRE paged for latency follows the latency along the calls to the deepest service whose latency
moved; an error blip or a CPU rise elsewhere is context, not the explanation of that page.
Without an expression (Alertmanager alerts without ``generatorURL``, the Nezha and sock-shop
benchmarks), with one that names no metric of the store, or when the symptom did not shift
anywhere, every metric counts alike, exactly as before.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from autoheal.analysis.metrics import MetricScore, robust_scores, top_metrics
from autoheal.domain.investigation import Hypothesis
from autoheal.reasoning.base import InvestigationContext, Window
from autoheal.reasoning.generators._windows import calibrated, window_args
from autoheal.reasoning.symptoms import Symptom, alert_symptoms, is_symptom

SELECTOR = '{service=~".+"}'
MIN_SCORE = 3.0  # the onset threshold: below it nothing is anomalous
MAX_HYPOTHESES = 5
MAX_POINTS = 600
PER_SERVICE = 3  # metrics listed per service (evidence and statement)
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
        symptoms = alert_symptoms(ctx.alerts)
        focus = [s for s in scores if is_symptom(s.metric, symptoms)]
        if focus:
            best, weight = _focused(ctx, focus, [s for s in scores if not is_symptom(s.metric, symptoms)])
        else:
            best = top_metrics(scores, per_service=PER_SERVICE)
            weight = calibrated(ctx, {svc: ms[0].score for svc, ms in best.items()}, half=HALF)
        ranked = sorted(best.items(), key=lambda kv: (-weight[kv[0]], kv[0]))[: self.max_hypotheses]
        out = []
        for service, metrics in ranked:
            top = metrics[0]
            alerted = bool(focus) and is_symptom(top.metric, symptoms)
            onset = None
            if top.onset_index is not None:
                onset = ctx.incident.start + timedelta(seconds=top.onset_index * step)
            out.append(
                Hypothesis(
                    id=f"metrics:{service}",
                    service=service,
                    kind="metric_anomaly",
                    statement=f"{service}: {_describe(metrics, symptoms if focus else ())}",
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
                        **(
                            {"symptom": [x.describe() for x in symptoms], "symptom_shifted": alerted}
                            if focus
                            else {}
                        ),
                    },
                )
            )
        return out


def _focused(
    ctx: InvestigationContext, focus: list[MetricScore], others: list[MetricScore]
) -> tuple[Mapping[str, list[MetricScore]], dict[str, float]]:
    """The symptom-focus rule (module docstring): symptom services scored by the symptom alone,
    the others below the weakest of them. Each service lists its symptom metrics first."""
    on_symptom = top_metrics(focus, per_service=PER_SERVICE)
    rest = top_metrics(others, per_service=PER_SERVICE)
    weight = calibrated(ctx, {svc: ms[0].score for svc, ms in on_symptom.items()}, half=HALF)
    floor = min(weight.values())
    off = {svc: ms for svc, ms in rest.items() if svc not in on_symptom}
    if off:
        below = calibrated(ctx, {svc: ms[0].score for svc, ms in off.items()}, half=HALF)
        weight.update({svc: w * floor for svc, w in below.items()})
    best = {svc: (ms + rest.get(svc, []))[:PER_SERVICE] for svc, ms in on_symptom.items()}
    return {**best, **off}, weight


def _describe(metrics: list[MetricScore], symptoms: tuple[Symptom, ...] = ()) -> str:
    text = "; ".join(
        f"{m.metric}{' (the alerted symptom)' if symptoms and is_symptom(m.metric, symptoms) else ''} rose to "
        f"{m.incident_peak:.3g} from a median of {m.reference_median:.3g} (robust z {m.score:.1f})"
        for m in metrics
    )
    if symptoms and not any(is_symptom(m.metric, symptoms) for m in metrics):
        alerted = ", ".join(s.describe() for s in symptoms)
        text = f"the alerted symptom ({alerted}) did not shift here; {text}"
    return text

"""Metric anomaly ranking across services (BARO-style robust statistics).

One ``prometheus.query_range`` over every series carrying a ``service`` label, from the start of
the reference window to the end of the incident window; each series is scored with
:func:`autoheal.analysis.metrics.robust_scores` (reference vs incident) and every service whose
best metric reaches ``MIN_SCORE`` becomes a hypothesis, strongest first. The hypothesis score is
calibrated on 0..1 (:func:`autoheal.analysis.ranking.calibrate`: a robust z of ``HALF`` is 0.5,
callers explained by an anomalous dependency halved, every scored service raised by the support of
its anomalous callers, ``MIN_SCORE`` being the generator's significance floor); the robust z is
kept in the attributes.

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

**A shift that predates the symptom** is not the symptom's cause. When the incident window holds
samples from before the alert fired (each a whole sample step before the alert's start) at which
the alerted service's own symptom series was still normal (below ``MIN_SCORE``), a service whose
symptom-family series was already shifted there, by at least ``ANOMALOUS_FRACTION`` of its peak
shift in the window, was degraded while the symptom was not: its degradation did not carry to the
symptom then, and it did not grow more than twofold when the symptom began. It is scored as a
service where the alerted symptom did not shift in this incident (below every service whose did).
A cause whose shift started with the symptom, or grew more than twofold when the symptom began,
is unaffected; without an alerted series, or without samples before the alert (an incident window
that starts at the alert), nothing changes. The fraction is the one that already makes a service
"anomalous" beside the strongest (:mod:`autoheal.analysis.ranking`): a shift at half its peak or
more was already in place.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

import numpy as np

from autoheal.analysis.metrics import MetricScore, robust_scores, robust_z, top_metrics
from autoheal.analysis.ranking import ANOMALOUS_FRACTION
from autoheal.domain.investigation import Hypothesis
from autoheal.reasoning import probe
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
        samples: dict[tuple[str, str], list[_Samples]] = {}
        charted: dict[tuple[str, str], dict[float, float]] = {}
        for series in (result.data or {}).get("result", []):
            labels = series.get("metric", {})
            service = labels.get("service")
            if not service:
                continue
            metric = labels.get("__name__", "value")
            pts = [(float(t), float(v)) for t, v in series.get("values", [])]
            ref = [v for t, v in pts if ref_lo <= t < ref_hi]
            inc = [(t, v) for t, v in pts if inc_lo <= t < inc_hi]
            items.append((service, metric, ref, [v for _, v in inc]))
            samples.setdefault((service, metric), []).append((ref, inc))
            slot = charted.setdefault((service, metric), {})
            for t, v in pts:  # pods of a service: the worst value at each time, for the chart
                slot[t] = max(v, slot.get(t, v))
        scores = [s for s in robust_scores(items) if s.score >= MIN_SCORE]
        symptoms = alert_symptoms(ctx.alerts)
        earlier = _predating(ctx, scores, samples, symptoms, step) if symptoms else {}
        focus = [s for s in scores if is_symptom(s.metric, symptoms) and s.service not in earlier]
        if focus:
            best, weight = _focused(ctx, focus, [s for s in scores if s not in focus])
        else:
            best = top_metrics(scores, per_service=PER_SERVICE)
            weight = calibrated(
                ctx, {svc: ms[0].score for svc, ms in best.items()}, half=HALF, floor=MIN_SCORE
            )
        ranked = sorted(best.items(), key=lambda kv: (-weight[kv[0]], kv[0]))[: self.max_hypotheses]
        out = []
        for service, metrics in ranked:
            top = metrics[0]
            alerted = bool(focus) and is_symptom(top.metric, symptoms) and service not in earlier
            onset = None
            if top.onset_index is not None:
                onset = ctx.incident.start + timedelta(seconds=top.onset_index * step)
            out.append(
                Hypothesis(
                    id=f"metrics:{service}",
                    service=service,
                    kind="metric_anomaly",
                    statement=f"{service}: {_describe(metrics, symptoms if focus else ())}"
                    + (_predates(earlier[service]) if service in earlier else ""),
                    generator=self.name,
                    score=round(weight[service], 4),
                    component=top.metric,
                    evidence=[
                        ctx.cite(
                            ev,
                            f"{service}: {top.metric} {top.reference_median:.4g} -> {top.incident_peak:.4g} "
                            f"(robust z {top.score:.1f})",
                            {
                                "metrics": [
                                    {
                                        "metric": m.metric,
                                        "robust_z": round(m.score, 3),
                                        "reference_median": m.reference_median,
                                        "incident_peak": m.incident_peak,
                                    }
                                    for m in metrics
                                ],
                                **(
                                    probe.series_data(
                                        top.metric,
                                        service,
                                        sorted(charted.get((service, top.metric), {}).items()),
                                    )
                                    or {}
                                ),
                            },
                        )
                    ],
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
                            {"predates_symptom": {"robust_z": round(earlier[service][1], 2)}}
                            if service in earlier
                            else {}
                        ),
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
    weight = calibrated(ctx, {svc: ms[0].score for svc, ms in on_symptom.items()}, half=HALF, floor=MIN_SCORE)
    floor = min(weight.values())
    off = {svc: ms for svc, ms in rest.items() if svc not in on_symptom}
    if off:
        below = calibrated(ctx, {svc: ms[0].score for svc, ms in off.items()}, half=HALF, floor=MIN_SCORE)
        weight.update({svc: w * floor for svc, w in below.items()})
    best = {svc: (ms + rest.get(svc, []))[:PER_SERVICE] for svc, ms in on_symptom.items()}
    return {**best, **off}, weight


_Samples = tuple[list[float], list[tuple[float, float]]]  # reference values, incident (time, value)


def _predating(
    ctx: InvestigationContext,
    scores: list[MetricScore],
    samples: Mapping[tuple[str, str], list[_Samples]],
    symptoms: tuple[Symptom, ...],
    step: float,
) -> dict[str, tuple[float, float]]:
    """Services whose symptom-family shift was in place before the alerted symptom began (module
    docstring): ``{service: (when, robust z then)}``. The quiet samples are the incident samples a
    whole step before the alert's start at which every symptom series of the alerted services is
    below ``MIN_SCORE``; none known (no such sample, no alerted series), nothing predates."""
    alerted = probe.symptomatic(ctx)
    before = probe.onset(ctx).timestamp() - step
    own = [part for key, parts in samples.items() if _on_symptom(key, alerted, symptoms) for part in parts]
    if not own:
        return {}
    quiet: set[float] | None = None
    for ref, inc in own:
        calm = {t for t, z in _zs(ref, inc) if t <= before and z < MIN_SCORE}
        quiet = calm if quiet is None else quiet & calm
    if not quiet:
        return {}
    peak: dict[str, float] = {}  # each suspect's symptom shift (the focus score)
    for s in scores:
        if s.service not in alerted and is_symptom(s.metric, symptoms):
            peak[s.service] = max(peak.get(s.service, 0.0), s.score)
    out: dict[str, tuple[float, float]] = {}
    for (service, metric), parts in samples.items():
        if service not in peak or not is_symptom(metric, symptoms):
            continue
        then = [(z, t) for ref, inc in parts for t, z in _zs(ref, inc) if t in quiet]
        if not then:
            continue
        z, when = max(then)
        if z >= MIN_SCORE and z >= ANOMALOUS_FRACTION * peak[service] and z > out.get(service, (0.0, 0.0))[1]:
            out[service] = (when, z)
    return out


def _on_symptom(key: tuple[str, str], alerted: set[str], symptoms: tuple[Symptom, ...]) -> bool:
    return key[0] in alerted and is_symptom(key[1], symptoms)


def _zs(ref: list[float], inc: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """``(time, robust z)`` of each incident sample against the reference (none when too short)."""
    z = robust_z(ref, [v for _, v in inc])
    return [(t, float(zi)) for (t, _), zi in zip(inc, z, strict=False) if np.isfinite(zi)]


def _predates(found: tuple[float, float]) -> str:
    when, z = found
    at = datetime.fromtimestamp(when, UTC)
    return (
        f"; already shifted at {at:%H:%M:%S} (robust z {z:.1f}), before the alert, while the alerted "
        "symptom was normal: it predates the symptom"
    )


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

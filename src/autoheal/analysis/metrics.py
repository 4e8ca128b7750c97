"""Robust metric anomaly scoring in the style of BARO (Pham et al., FSE'24).

For each metric, a fault-free *reference* window gives a median and an inter-quartile range; the
metric's score is the largest robust z-score ``(x - median_ref) / IQR_ref`` inside the *incident*
window. A service's score is the largest score among its metrics. Nothing here does I/O: inputs
are plain sequences of floats.

Parameters (chosen once, the same for every data set; see docs/benchmarks.md):

* ``MIN_REFERENCE_POINTS = 3``: fewer reference samples than this give no score.
* The scale is the reference IQR (the standard deviation when the IQR is zero), but never less
  than 1 % of the larger of the reference median's magnitude and the incident's largest
  magnitude, nor ``1e-6``: a flat metric that moves is anomalous, but a 1 % wiggle on a nearly flat
  gauge of gigabytes is not, and a series that was exactly zero and became non-zero scores 100
  (not millions, which would drown every other signal).
* Only increases count (as in BARO): ``(x - median_ref) / scale``. Metrics where a drop is the
  symptom (availability, success rate) are turned into their complement by the loaders.
* ``ONSET_Z = 3.0``: the onset of a metric is the first incident sample whose robust z-score
  reaches this value.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

MIN_REFERENCE_POINTS = 3
ONSET_Z = 3.0
_REL_FLOOR = 0.01
_ABS_FLOOR = 1e-6


@dataclass(frozen=True, slots=True)
class MetricScore:
    """The anomaly score of one metric of one service."""

    service: str
    metric: str
    score: float
    onset_index: int | None  # index into the incident samples, None if never above ONSET_Z
    reference_median: float
    incident_peak: float


def robust_scale(reference: np.ndarray) -> tuple[float, float]:
    """Median and scale (IQR with the documented fall-backs) of a reference sample."""
    median = float(np.median(reference))
    q75, q25 = np.percentile(reference, [75, 25])
    scale = float(q75 - q25)
    if scale <= 0:
        scale = float(np.std(reference))
    return median, max(scale, abs(median) * _REL_FLOOR, _ABS_FLOOR)


def robust_z(reference: Sequence[float] | np.ndarray, incident: Sequence[float] | np.ndarray) -> np.ndarray:
    """Robust z-scores of the incident samples against the reference (NaNs dropped)."""
    ref = _clean(reference)
    inc = np.asarray(incident, dtype=float)
    if ref.size < MIN_REFERENCE_POINTS or inc.size == 0:
        return np.zeros(0)
    median, scale = robust_scale(ref)
    finite = inc[~np.isnan(inc)]
    peak = float(np.max(np.abs(finite))) if finite.size else 0.0
    scale = max(scale, _REL_FLOOR * peak)
    z = (inc - median) / scale
    return np.where(np.isnan(z), 0.0, z)


def score_metric(
    service: str, metric: str, reference: Sequence[float] | np.ndarray, incident: Sequence[float] | np.ndarray
) -> MetricScore | None:
    """Score one metric; None when there is not enough data to say anything."""
    ref = _clean(reference)
    z = robust_z(ref, incident)
    if z.size == 0:
        return None
    peak = int(np.argmax(z))
    above = np.nonzero(z >= ONSET_Z)[0]
    return MetricScore(
        service=service,
        metric=metric,
        score=float(z[peak]),
        onset_index=int(above[0]) if above.size else None,
        reference_median=float(np.median(ref)),
        incident_peak=float(np.asarray(incident, dtype=float)[peak]),
    )


def robust_scores(
    metrics: Iterable[tuple[str, str, Sequence[float] | np.ndarray, Sequence[float] | np.ndarray]],
) -> list[MetricScore]:
    """Score many ``(service, metric, reference, incident)`` tuples, highest score first."""
    scores = [s for s in (score_metric(*m) for m in metrics) if s is not None]
    scores.sort(key=lambda s: (-s.score, s.service, s.metric))
    return scores


def service_scores(scores: Iterable[MetricScore]) -> dict[str, float]:
    """A service's score is the largest score among its metrics."""
    out: dict[str, float] = {}
    for s in scores:
        out[s.service] = max(out.get(s.service, 0.0), s.score)
    return out


def service_onsets(scores: Iterable[MetricScore]) -> dict[str, int]:
    """Earliest onset index per service over its anomalous metrics."""
    out: dict[str, int] = {}
    for s in scores:
        if s.onset_index is not None:
            out[s.service] = min(out.get(s.service, s.onset_index), s.onset_index)
    return out


def onset(values: Sequence[float], reference: Sequence[float], z: float = ONSET_Z) -> int | None:
    """Index of the first sample of ``values`` whose robust z-score reaches ``z``."""
    zs = robust_z(reference, values)
    above = np.nonzero(zs >= z)[0]
    return int(above[0]) if above.size else None


def top_metrics(scores: Iterable[MetricScore], per_service: int = 3) -> Mapping[str, list[MetricScore]]:
    """The ``per_service`` most anomalous metrics of each service (for evidence and components)."""
    out: dict[str, list[MetricScore]] = {}
    for s in sorted(scores, key=lambda s: -s.score):
        bucket = out.setdefault(s.service, [])
        if len(bucket) < per_service:
            bucket.append(s)
    return out


def _clean(values: Sequence[float] | np.ndarray) -> np.ndarray:
    arr = np.asarray(values, dtype=float)
    return arr[~np.isnan(arr)]

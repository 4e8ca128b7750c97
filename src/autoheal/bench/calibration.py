"""Is the report's confidence a probability? Reliability of the top cause's confidence.

Each case contributes one pair: the confidence of the report's top cause (0 when the report has
no cause) and whether that top cause is the labelled root cause (AS@1's hit). Figures:

* a **reliability table**: ``BINS`` equal-width confidence bins, each with its number of cases,
  mean confidence and observed accuracy;
* **expected calibration error** (ECE): the case-weighted mean of ``|accuracy - confidence|`` over
  the bins; and the **Brier score**: the mean of ``(confidence - hit)^2``.

**The calibration map, and what it is fitted on.** A logistic map,
``p = sigmoid(w . features + b)``, on three features of the report alone (:func:`features`: the
logit of the top cause's confidence, clipped to [0.001, 0.999]; its lead over the next service's
best confidence; whether its verdict is ``supported``), fitted by maximum likelihood (Newton's
method with backtracking, a ridge of ``RIDGE`` on the weights). It is **cross-validated across
data sets** (leave one data set out): the map that scores a data set's cases is fitted on the
*other* data sets' cases only, never on a case of the data set it scores; the figures "after" are
those out-of-data-set predictions. The map fitted on all data sets is printed for reference; the
engine does not apply any map: a report's confidence stays the engine's own
(docs/benchmarks.md, "Calibration").
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

BINS = 10
RIDGE = 1e-2
EPS = 1e-3


@dataclass(frozen=True, slots=True)
class Pair:
    dataset: str
    confidence: float
    hit: bool
    second: float | None = None  # the next service's confidence
    verdict: str | None = None  # the top cause's verdict


def pairs(records: Iterable[dict[str, Any]]) -> list[Pair]:
    """Pairs from ``--cases-out`` records whose input is the data set as published (``full``: a
    run without ablation, or the matrix row whose input is the ``all`` row's)."""
    out = []
    for r in records:
        if not r.get("full"):
            continue
        if r.get("confidence") is None:
            continue
        second = r.get("second_confidence")
        out.append(
            Pair(
                str(r["dataset"]),
                float(r["confidence"]),
                bool(r["top1"]),
                None if second is None else float(second),
                r.get("verdict"),
            )
        )
    return out


@dataclass(frozen=True, slots=True)
class Bin:
    lo: float
    hi: float
    cases: int
    confidence: float
    accuracy: float


def reliability(ps: Sequence[tuple[float, bool]], bins: int = BINS) -> list[Bin]:
    out = []
    for k in range(bins):
        lo, hi = k / bins, (k + 1) / bins
        inside = [(c, h) for c, h in ps if lo <= c < hi or (k == bins - 1 and c == 1.0)]
        if not inside:
            out.append(Bin(lo, hi, 0, 0.0, 0.0))
            continue
        conf = sum(c for c, _ in inside) / len(inside)
        acc = sum(1 for _, h in inside if h) / len(inside)
        out.append(Bin(lo, hi, len(inside), conf, acc))
    return out


def ece(ps: Sequence[tuple[float, bool]], bins: int = BINS) -> float:
    n = len(ps)
    if not n:
        return 0.0
    return sum(b.cases / n * abs(b.accuracy - b.confidence) for b in reliability(ps, bins) if b.cases)


def brier(ps: Sequence[tuple[float, bool]]) -> float:
    return sum((c - (1.0 if h else 0.0)) ** 2 for c, h in ps) / len(ps) if ps else 0.0


def _logit(c: float) -> float:
    c = min(1.0 - EPS, max(EPS, c))
    return math.log(c / (1.0 - c))


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def features(p: Pair) -> list[float]:
    """What the map reads of a report (nothing of the data set): the logit of the top cause's
    confidence, its lead over the next service (``(c1 - c2) / c1``, 0 without a cause) and
    whether its verdict is ``supported``. Records without the last two read as 0."""
    c, second = p.confidence, p.second if p.second is not None else p.confidence
    lead = (c - second) / c if c > 0 else 0.0
    return [_logit(c), lead, 1.0 if p.verdict == "supported" else 0.0]


@dataclass(frozen=True, slots=True)
class LogisticMap:
    """``p = sigmoid(w . features + b)`` (:func:`features`)."""

    weights: tuple[float, ...]
    bias: float

    def __call__(self, p: Pair) -> float:
        return _sigmoid(sum(w * x for w, x in zip(self.weights, features(p), strict=True)) + self.bias)

    def to_json(self) -> dict[str, Any]:
        names = ("logit_confidence", "lead_over_next", "supported")
        return {
            "weights": dict(zip(names, (round(w, 4) for w in self.weights), strict=True)),
            "bias": round(self.bias, 4),
        }


def _loss(
    xs: Sequence[Sequence[float]], ys: Sequence[float], w: Sequence[float], b: float, ridge: float
) -> float:
    """Negative log-likelihood plus a ridge on the weights (not the bias)."""
    total = 0.5 * ridge * sum(v * v for v in w)
    for x, y in zip(xs, ys, strict=True):
        z = sum(wi * xi for wi, xi in zip(w, x, strict=True)) + b
        total += (z if z > 0 else 0.0) + math.log1p(math.exp(-abs(z))) - y * z
    return total


def fit(ps: Sequence[Pair], *, ridge: float = RIDGE, steps: int = 100) -> LogisticMap:
    """Logistic regression on :func:`features`: Newton's method with backtracking on the
    ridge-penalised log-likelihood (the ridge keeps a training set the engine gets entirely right
    finite). Without a feature that varies, its weight stays 0."""
    import numpy as np

    if not ps:
        raise ValueError("no cases to fit a calibration map on")
    xs = [features(p) for p in ps]
    ys = [1.0 if p.hit else 0.0 for p in ps]
    n = len(xs[0])
    x = np.array([[*row, 1.0] for row in xs])
    y = np.array(ys)
    theta = np.zeros(n + 1)
    penalty = np.diag([ridge] * n + [0.0])
    loss = _loss(xs, ys, theta[:n].tolist(), float(theta[n]), ridge)
    for _ in range(steps):
        z = x @ theta
        prob = 1.0 / (1.0 + np.exp(-np.clip(z, -700, 700)))
        grad = x.T @ (prob - y) + penalty @ theta
        hess = x.T @ (x * (prob * (1 - prob))[:, None]) + penalty + 1e-9 * np.eye(n + 1)
        step = np.linalg.solve(hess, grad)
        t = 1.0
        while t > 1e-6:
            trial_theta = theta - t * step
            trial = _loss(xs, ys, trial_theta[:n].tolist(), float(trial_theta[n]), ridge)
            if trial <= loss:
                break
            t /= 2
        else:
            break
        theta, improvement, loss = trial_theta, loss - trial, trial
        if improvement < 1e-10:
            break
    return LogisticMap(tuple(float(v) for v in theta[:n]), float(theta[n]))


@dataclass(slots=True)
class Calibration:
    per_dataset: dict[str, dict[str, Any]]
    overall: dict[str, Any]
    maps: dict[str, LogisticMap]  # data set -> the map fitted without it
    map_all: LogisticMap | None

    def to_json(self) -> dict[str, Any]:
        return {
            "calibration": {
                **self.per_dataset,
                "overall": self.overall,
                "method": "logistic map on (logit confidence, lead over the next service, supported), leave one data set out",
                "map_all": self.map_all.to_json() if self.map_all else None,
            }
        }


def _figures(ps: Sequence[tuple[float, bool]]) -> dict[str, Any]:
    return {
        "cases": len(ps),
        "accuracy": round(sum(1 for _, h in ps if h) / len(ps), 4) if ps else 0.0,
        "mean_confidence": round(sum(c for c, _ in ps) / len(ps), 4) if ps else 0.0,
        "ECE": round(ece(ps), 4),
        "Brier": round(brier(ps), 4),
    }


def calibrate(all_pairs: Sequence[Pair]) -> Calibration:
    datasets = sorted({p.dataset for p in all_pairs})
    per: dict[str, dict[str, Any]] = {}
    maps: dict[str, LogisticMap] = {}
    after_all: list[tuple[float, bool]] = []
    for d in datasets:
        own = [p for p in all_pairs if p.dataset == d]
        mine = [(p.confidence, p.hit) for p in own]
        others = [p for p in all_pairs if p.dataset != d]
        entry: dict[str, Any] = {"before": _figures(mine), "bins": [_bin(b) for b in reliability(mine)]}
        if others:
            m = fit(others)
            maps[d] = m
            after = [(m(p), p.hit) for p in own]
            after_all += after
            entry["after"] = _figures(after)
            entry["fitted_on"] = sorted({p.dataset for p in all_pairs if p.dataset != d})
            entry["bins_after"] = [_bin(b) for b in reliability(after)]
        per[d] = entry
    pooled = [(p.confidence, p.hit) for p in all_pairs]
    overall: dict[str, Any] = {"before": _figures(pooled), "bins": [_bin(b) for b in reliability(pooled)]}
    if len(after_all) == len(pooled) and pooled:
        overall["after"] = _figures(after_all)
        overall["bins_after"] = [_bin(b) for b in reliability(after_all)]
    return Calibration(per, overall, maps, fit(all_pairs) if all_pairs else None)


def _bin(b: Bin) -> dict[str, Any]:
    return {
        "bin": f"{b.lo:.1f}-{b.hi:.1f}",
        "cases": b.cases,
        "confidence": round(b.confidence, 4),
        "accuracy": round(b.accuracy, 4),
    }


def render(cal: Calibration) -> list[str]:
    lines = []
    sections = [*cal.per_dataset.items(), ("overall", cal.overall)]
    for name, entry in sections:
        lines.append(f"{name}: reliability of the top cause's confidence (before | after the map)")
        lines.append(
            f"  {'bin':9s} {'cases':>5s} {'conf':>6s} {'acc':>6s} | {'cases':>5s} {'conf':>6s} {'acc':>6s}"
        )
        after = entry.get("bins_after") or [None] * len(entry["bins"])
        for b, a in zip(entry["bins"], after, strict=True):
            left = f"  {b['bin']:9s} {b['cases']:5d} {b['confidence']:6.3f} {b['accuracy']:6.3f}"
            right = f" | {a['cases']:5d} {a['confidence']:6.3f} {a['accuracy']:6.3f}" if a else ""
            lines.append(left + right)
        bf = entry["before"]
        text = f"  before: ECE {bf['ECE']:.4f}, Brier {bf['Brier']:.4f} (accuracy {bf['accuracy']:.3f}, mean confidence {bf['mean_confidence']:.3f})"
        if "after" in entry:
            af = entry["after"]
            fitted = ", ".join(entry.get("fitted_on", [])) or "the other data sets"
            text += f"\n  after:  ECE {af['ECE']:.4f}, Brier {af['Brier']:.4f} (map fitted on {fitted})"
        lines.append(text)
    if cal.map_all:
        w = cal.map_all.to_json()
        terms = " + ".join(f"{v} * {k}" for k, v in w["weights"].items())
        lines.append(
            f"map fitted on all data sets (not used to score any): p = sigmoid({terms} + {w['bias']})"
        )
    return lines

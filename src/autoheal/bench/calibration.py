"""Is the report's confidence a probability? Reliability of the top cause's confidence.

Each case contributes one pair: the confidence of the report's top cause (0 when the report has
no cause) and whether that top cause is the labelled root cause (AS@1's hit). Figures:

* a **reliability table**: ``BINS`` equal-width confidence bins, each with its number of cases,
  mean confidence and observed accuracy;
* **expected calibration error** (ECE): the case-weighted mean of ``|accuracy - confidence|`` over
  the bins; and the **Brier score**: the mean of ``(confidence - hit)^2``.

**The calibration map, and what it is fitted on.** Platt scaling, ``p = 1 / (1 + exp(-(a *
logit(c) + b)))`` with ``c`` clipped to [0.001, 0.999], fitted by maximum likelihood (Newton's
method, a ridge of ``RIDGE`` on ``a`` and ``b`` so that a training set the engine gets entirely
right stays finite). It is **cross-validated across data sets** (leave one data set out): the map
that scores a data set's cases is fitted on the *other* data sets' cases only, never on a case of
the data set it scores; the figures "after" are those out-of-data-set predictions. The map shipped
for use outside the benchmark would be the one fitted on all data sets (``fit(all records)``;
printed as ``map on all``), which this module computes but the engine does not apply: a report's
confidence stays the engine's own (docs/benchmarks.md, "Calibration").
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


def pairs(records: Iterable[dict[str, Any]]) -> list[Pair]:
    """Pairs from ``--cases-out`` records (full-modality rows only: the ``all`` row of a matrix,
    or a run without ablation)."""
    out = []
    for r in records:
        if r.get("drop_fraction") or sorted(r.get("modalities", [])) != ["logs", "metrics", "traces"]:
            continue
        if r.get("confidence") is None:
            continue
        out.append(Pair(str(r["dataset"]), float(r["confidence"]), bool(r["top1"])))
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


@dataclass(frozen=True, slots=True)
class PlattMap:
    a: float
    b: float

    def __call__(self, c: float) -> float:
        return _sigmoid(self.a * _logit(c) + self.b)


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def _loss(xs: Sequence[float], ys: Sequence[float], a: float, b: float, ridge: float) -> float:
    """Negative log-likelihood plus the ridge towards the identity map (a = 1, b = 0)."""
    total = 0.5 * ridge * ((a - 1.0) ** 2 + b**2)
    for x, y in zip(xs, ys, strict=True):
        z = a * x + b
        # log(1 + exp(z)) - y * z, written stably
        total += (z if z > 0 else 0.0) + math.log1p(math.exp(-abs(z))) - y * z
    return total


def fit(ps: Sequence[tuple[float, bool]], *, ridge: float = RIDGE, steps: int = 100) -> PlattMap:
    """Platt scaling: Newton's method with backtracking on the ridge-penalised log-likelihood."""
    if not ps:
        raise ValueError("no cases to fit a calibration map on")
    xs = [_logit(c) for c, _ in ps]
    ys = [1.0 if h else 0.0 for _, h in ps]
    a, b = 1.0, 0.0
    loss = _loss(xs, ys, a, b, ridge)
    for _ in range(steps):
        ga, gb = ridge * (a - 1.0), ridge * b
        haa, hab, hbb = ridge, 0.0, ridge
        for x, y in zip(xs, ys, strict=True):
            p = _sigmoid(a * x + b)
            ga += (p - y) * x
            gb += p - y
            w = p * (1.0 - p)
            haa += w * x * x
            hab += w * x
            hbb += w
        det = haa * hbb - hab * hab
        if det <= 0:
            break
        da = (hbb * ga - hab * gb) / det
        db = (haa * gb - hab * ga) / det
        t = 1.0
        while t > 1e-6:
            trial = _loss(xs, ys, a - t * da, b - t * db, ridge)
            if trial <= loss:
                break
            t /= 2
        else:
            break
        a, b, improvement = a - t * da, b - t * db, loss - trial
        loss = trial
        if improvement < 1e-10:
            break
    return PlattMap(a, b)


@dataclass(slots=True)
class Calibration:
    per_dataset: dict[str, dict[str, Any]]
    overall: dict[str, Any]
    maps: dict[str, PlattMap]  # data set -> the map fitted without it
    map_all: PlattMap | None

    def to_json(self) -> dict[str, Any]:
        return {
            "calibration": {
                **self.per_dataset,
                "overall": self.overall,
                "method": "Platt scaling, leave one data set out",
                "map_all": {"a": round(self.map_all.a, 4), "b": round(self.map_all.b, 4)} if self.map_all else None,
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
    maps: dict[str, PlattMap] = {}
    after_all: list[tuple[float, bool]] = []
    for d in datasets:
        mine = [(p.confidence, p.hit) for p in all_pairs if p.dataset == d]
        others = [(p.confidence, p.hit) for p in all_pairs if p.dataset != d]
        entry: dict[str, Any] = {"before": _figures(mine), "bins": [_bin(b) for b in reliability(mine)]}
        if others:
            m = fit(others)
            maps[d] = m
            after = [(m(c), h) for c, h in mine]
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
    return Calibration(per, overall, maps, fit(pooled) if pooled else None)


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
        lines.append(f"  {'bin':9s} {'cases':>5s} {'conf':>6s} {'acc':>6s} | {'cases':>5s} {'conf':>6s} {'acc':>6s}")
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
        lines.append(f"map on all data sets: p = sigmoid({cal.map_all.a:.4f} * logit(c) + {cal.map_all.b:.4f})")
    return lines

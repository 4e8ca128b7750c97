"""Is the report's confidence a probability? Reliability of the top cause's confidence.

Each case contributes one pair: the engine's raw confidence of the report's top cause (0 when the
report has no cause) and whether that top cause is the labelled root cause (AS@1's hit). Figures:

* a **reliability table**: ``BINS`` equal-width confidence bins, each with its number of cases,
  mean confidence and observed accuracy;
* **expected calibration error** (ECE): the case-weighted mean of ``|accuracy - confidence|`` over
  the bins; and the **Brier score**: the mean of ``(confidence - hit)^2``.

**The calibration map, and what it is fitted on.** The engine reports each cause's confidence
through a logistic map (:mod:`autoheal.reasoning.calibration`: ``p = sigmoid(w . features + b)``
on the logit of the raw confidence, its lead over the next service, whether the verdict is
``supported``, whether it is ``inconclusive``, the report's evidence coverage and whether it had a
call graph). :func:`fit` fits
it by maximum likelihood (Newton's method with backtracking, a ridge of ``RIDGE`` on the weights,
chosen before any real data set was scored) on **the simulator's case records only** (``autoheal sim
cases``: every investigation the pipeline ran on every scenario, and the per-fault
investigations with modalities, and the declared call graph, removed); it is never fitted on a real data set's cases.
:func:`calibrate` scores each real data set before (the raw confidence) and after (the map, as
the engine reports it) (docs/benchmarks.md, "Calibration").
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from autoheal.reasoning.calibration import FEATURES, ConfidenceMap, features, verdict_key
from autoheal.reasoning.coverage import TOPOLOGY

BINS = 10
# a Gaussian prior of variance 1 on each weight: with six features and a few hundred cases it keeps
# an indicator that separates the fit set (a verdict always wrong there) at a finite weight
RIDGE = 1.0
MODALITIES = ("metrics", "traces", "logs")


@dataclass(frozen=True, slots=True)
class Pair:
    dataset: str
    confidence: float
    hit: bool
    second: float | None = None  # the next service's confidence
    verdict: str | None = None  # the top cause's verdict
    coverage: float = 1.0  # the report's evidence coverage (answered / asked modalities)
    call_graph: bool = True  # the report had a call graph (no ``topology`` gap)


def record_call_graph(r: dict[str, Any]) -> bool:
    """Whether a case record's report had a call graph: no ``topology`` among its ``missing``."""
    return TOPOLOGY not in (r.get("missing") or [])


def record_coverage(r: dict[str, Any]) -> float:
    """A case record's evidence coverage: its ``coverage`` when recorded, else the share of the
    three modalities not in ``missing`` (the engine asks all three in every investigation, so this
    is the report's answered / asked)."""
    if r.get("coverage") is not None:
        return float(r["coverage"])
    missing = set(r.get("missing") or []) & set(MODALITIES)
    return round((len(MODALITIES) - len(missing)) / len(MODALITIES), 4)


def row_of(r: dict[str, Any]) -> str:
    """The record's matrix row (``all`` for a run on the data set as published)."""
    return str(r.get("row") or ("all" if r.get("full") else "+".join(r.get("modalities") or []) or "?"))


def pairs(records: Iterable[dict[str, Any]], *, full_only: bool = True, by_row: bool = False) -> list[Pair]:
    """Pairs from case records (``bench rca --cases-out``, ``sim cases``). With ``full_only``,
    only those whose input is the data set as published (``full``: a run without ablation, or the
    matrix row whose input is the ``all`` row's). With ``by_row`` each pair's data set is named
    with its row (``nezha metrics+traces``), so each row is scored on its own. A record's
    ``raw_confidence`` / ``raw_second_confidence``, when present, are read instead of the
    reported ones."""
    out = []
    for r in records:
        if full_only and not r.get("full"):
            continue
        confidence = r.get("raw_confidence", r.get("confidence"))
        if confidence is None:
            continue
        second = r.get("raw_second_confidence", r.get("second_confidence"))
        out.append(
            Pair(
                f"{r['dataset']} {row_of(r)}" if by_row else str(r["dataset"]),
                float(confidence),
                bool(r["top1"]),
                None if second is None else float(second),
                r.get("verdict"),
                record_coverage(r),
                record_call_graph(r),
            )
        )
    return out


def apply(cmap: ConfidenceMap, p: Pair) -> float:
    """The map's probability for one case (what the engine reports as its top confidence)."""
    return cmap(p.confidence, p.second, p.verdict, p.coverage, p.call_graph) if p.confidence > 0 else 0.0


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


def _loss(x: Any, y: Any, theta: Any, ridge: float) -> float:
    """Negative log-likelihood plus a ridge on the weights (not the bias)."""
    import numpy as np

    z = x @ theta
    return float(0.5 * ridge * np.sum(theta[:-1] ** 2) + np.sum(np.logaddexp(0.0, z) - y * z))


def fit(
    ps: Sequence[Pair], *, ridge: float = RIDGE, steps: int = 100, about: dict[str, Any] | None = None
) -> ConfidenceMap:
    """Logistic regression on :func:`autoheal.reasoning.calibration.features`: Newton's method
    with backtracking on the ridge-penalised log-likelihood (the ridge keeps a training set the
    engine gets entirely right finite). Without a feature that varies, its weight stays 0. The
    map keeps each feature's range on these cases and reads nothing outside it (no extrapolation),
    and the verdicts and coverages that occurred among them (a cause with another is not mapped)."""
    import numpy as np

    if not ps:
        raise ValueError("no cases to fit a calibration map on")
    n = len(FEATURES)
    x = np.array([[*features(p.confidence, p.second, p.verdict, p.coverage, p.call_graph), 1.0] for p in ps])
    y = np.array([1.0 if p.hit else 0.0 for p in ps])
    theta = np.zeros(n + 1)
    penalty = np.diag([ridge] * n + [0.0])
    loss = _loss(x, y, theta, ridge)
    for _ in range(steps):
        prob = 1.0 / (1.0 + np.exp(-np.clip(x @ theta, -700, 700)))
        grad = x.T @ (prob - y) + penalty @ theta
        hess = x.T @ (x * (prob * (1 - prob))[:, None]) + penalty + 1e-9 * np.eye(n + 1)
        step = np.linalg.solve(hess, grad)
        t = 1.0
        while t > 1e-6:
            trial_theta = theta - t * step
            trial = _loss(x, y, trial_theta, ridge)
            if trial <= loss:
                break
            t /= 2
        else:
            break
        theta, improvement, loss = trial_theta, loss - trial, trial
        if improvement < 1e-10:
            break
    ranges = tuple(
        (float(lo), float(hi)) for lo, hi in zip(x[:, :n].min(axis=0), x[:, :n].max(axis=0), strict=True)
    )
    verdicts = tuple(sorted({verdict_key(p.verdict) for p in ps}))
    coverages = tuple(sorted({round(p.coverage, 4) for p in ps}))
    return ConfidenceMap(
        tuple(float(v) for v in theta[:n]), float(theta[n]), dict(about or {}), ranges, verdicts, coverages
    )


def fit_by_call_graph(ps: Sequence[Pair], *, about: dict[str, Any] | None = None) -> ConfidenceMap:
    """One map for the reports with a call graph and one (``bare``) for those without, each
    fitted by :func:`fit` on its own cases (the design cross-validation chose on the simulator's
    records, :mod:`autoheal.bench.crossval`); a condition with no case gets no map: its causes
    keep their raw confidence."""
    graph = [p for p in ps if p.call_graph]
    bare = [p for p in ps if not p.call_graph]
    if not graph:
        raise ValueError("no case with a call graph to fit the calibration map on")
    main = fit(graph, about=about)
    return dataclasses.replace(main, bare=fit(bare) if bare else None)


@dataclass(slots=True)
class Calibration:
    per_dataset: dict[str, dict[str, Any]]
    overall: dict[str, Any]
    cmap: ConfidenceMap
    fit_set: dict[str, Any] = field(default_factory=dict)  # the map's own training cases, in sample

    def to_json(self) -> dict[str, Any]:
        return {
            "calibration": {
                **self.per_dataset,
                "overall": self.overall,
                "method": "logistic map on (logit confidence, lead over the next service, supported, "
                "inconclusive, evidence coverage"
                + ("), one per call-graph condition" if self.cmap.bare is not None else ", call graph)")
                + ", fitted on the simulator's case records only",
                "map": self.cmap.to_json(),
                "fit_set": self.fit_set,
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


def _entry(ps: Sequence[Pair], cmap: ConfidenceMap) -> dict[str, Any]:
    before = [(p.confidence, p.hit) for p in ps]
    after = [(apply(cmap, p), p.hit) for p in ps]
    return {
        "before": _figures(before),
        "after": _figures(after),
        "bins": [_bin(b) for b in reliability(before)],
        "bins_after": [_bin(b) for b in reliability(after)],
    }


def calibrate(evaluated: Sequence[Pair], cmap: ConfidenceMap, fitted: Sequence[Pair] = ()) -> Calibration:
    """Each data set of ``evaluated`` before and after ``cmap``; ``fitted`` (the map's training
    cases, when given) is reported in sample beside them."""
    per = {
        d: _entry([p for p in evaluated if p.dataset == d], cmap)
        for d in sorted({p.dataset for p in evaluated})
    }
    overall = _entry(evaluated, cmap) if evaluated else {}
    return Calibration(per, overall, cmap, _entry(fitted, cmap) if fitted else {})


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
    if cal.fit_set:
        sections.append(("simulator (the map's training cases, in sample)", cal.fit_set))
    for name, entry in sections:
        if not entry:
            continue
        lines.append(f"{name}: reliability of the top cause's confidence (before | after the map)")
        lines.append(
            f"  {'bin':9s} {'cases':>5s} {'conf':>6s} {'acc':>6s} | {'cases':>5s} {'conf':>6s} {'acc':>6s}"
        )
        for b, a in zip(entry["bins"], entry["bins_after"], strict=True):
            lines.append(
                f"  {b['bin']:9s} {b['cases']:5d} {b['confidence']:6.3f} {b['accuracy']:6.3f}"
                f" | {a['cases']:5d} {a['confidence']:6.3f} {a['accuracy']:6.3f}"
            )
        bf, af = entry["before"], entry["after"]
        lines.append(
            f"  before: ECE {bf['ECE']:.4f}, Brier {bf['Brier']:.4f} (accuracy {bf['accuracy']:.3f}, mean confidence {bf['mean_confidence']:.3f})"
        )
        lines.append(
            f"  after:  ECE {af['ECE']:.4f}, Brier {af['Brier']:.4f} (mean confidence {af['mean_confidence']:.3f})"
        )
    w = cal.cmap.to_json()
    lines.append(f"map (fitted on {w.get('fitted_on', {}).get('records', '?')} simulator cases):")
    for label, part in (("with a call graph", w), ("without a call graph", w.get("without_call_graph"))):
        if part is None:
            lines.append(f"  {label}: no map (raw confidence kept)")
            continue
        terms = " + ".join(f"{v} * {k}" for k, v in part["weights"].items() if k != "call_graph")
        lines.append(f"  {label}: p = sigmoid({terms} + {part['bias']})")
    return lines

"""Which calibration map design to fit: grouped cross-validation on the simulator's records only.

Each scenario's records are held out in turn (leave one scenario out: the records of a scenario
share its system and faults, so holding out single records would flatter the map); the map is
fitted on the other scenarios' records and applied to the held-out ones. Pooled over every fold:
ECE, log-loss and Brier of the held-out predictions, for each design:

* ``raw``: the engine's confidence as it is (no map);
* ``one map``: :func:`autoheal.bench.calibration.fit` on every record (the call graph a feature);
* ``per call graph``: :func:`autoheal.bench.calibration.fit_by_call_graph` (one map for the reports
  with a call graph, one for those without).

``autoheal bench calibration --fit-on`` prints this table and fits the design with the lowest
held-out log-loss (docs/benchmarks.md, "Calibration"). No real data set takes part.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from autoheal.bench.calibration import Pair, apply, brier, ece, fit, fit_by_call_graph
from autoheal.reasoning.calibration import ConfidenceMap

Fitter = Callable[..., ConfidenceMap]  # (cases, *, about=None) -> map
DESIGNS: dict[str, Fitter] = {"one map": fit, "per call graph": fit_by_call_graph}
RAW = "raw"  # the reference row: the engine's confidence, no map


def scenario_of(record: dict[str, Any]) -> str:
    """A simulator case record's scenario (its id is ``scenario/investigation``)."""
    return str(record.get("id", "")).split("/", 1)[0]


def log_loss(ps: Sequence[tuple[float, bool]]) -> float:
    eps = 1e-6
    total = sum(-math.log(max(eps, c) if h else max(eps, 1.0 - c)) for c, h in ps)
    return total / len(ps) if ps else 0.0


def cross_validate(ps: Sequence[Pair], groups: Sequence[str]) -> dict[str, dict[str, float]]:
    """Held-out figures of every design (:data:`DESIGNS`), leaving one group out at a time."""
    if len(ps) != len(groups):
        raise ValueError("one group per case is needed")
    out: dict[str, dict[str, float]] = {}
    designs: dict[str, Fitter | None] = {RAW: None, **DESIGNS}
    for name, fitter in designs.items():
        held: list[tuple[float, bool]] = []
        for g in sorted(set(groups)):
            train = [p for p, x in zip(ps, groups, strict=True) if x != g]
            test = [p for p, x in zip(ps, groups, strict=True) if x == g]
            cmap = fitter(train) if fitter is not None and any(p.call_graph for p in train) else None
            held += [(p.confidence if cmap is None else apply(cmap, p), p.hit) for p in test]
        out[name] = {
            "ECE": round(ece(held), 4),
            "log_loss": round(log_loss(held), 4),
            "Brier": round(brier(held), 4),
            "cases": len(held),
            "folds": len(set(groups)),
        }
    return out


def choose(figures: dict[str, dict[str, float]]) -> str:
    """The fitted design with the lowest held-out log-loss (``raw`` is the reference, not a choice)."""
    return min((n for n in figures if n in DESIGNS), key=lambda n: figures[n]["log_loss"])


def render(figures: dict[str, dict[str, float]]) -> list[str]:
    chosen = choose(figures)
    lines = ["design (leave one scenario out, simulator only)   ECE   log-loss  Brier"]
    for name, f in figures.items():
        mark = "  <- fitted" if name == chosen else ""
        lines.append(f"  {name:<46} {f['ECE']:.4f} {f['log_loss']:.4f}  {f['Brier']:.4f}{mark}")
    return lines

"""Calibrated confidence: the engine's own confidence turned into the probability that a cause is
right, by a map fitted on the simulator's scenarios only (docs/investigation.md, "Calibrated
confidence"; docs/benchmarks.md, "Calibration").

The map reads six features of a cause in its report (:func:`features`): the logit of its raw
confidence (clipped to [0.001, 0.999]), its lead over the best raw confidence of a cause on
another service (``(c - other) / c``; negative below the top; ``other`` 0 when no other service has
a cause), whether its verdict is ``supported``, whether it is ``inconclusive``, the report's
evidence coverage (answered / asked modalities, ``evidence_coverage``: 1 with every modality, 2/3
without logs, 1/3 on metrics alone), and whether the investigation had a call graph (no
``topology`` gap: :func:`autoheal.reasoning.coverage.call_graph_gap`);
``p = sigmoid(w . features + b)``. Its parameters are the
data file ``calibration_map.json`` beside this module, written by
``autoheal bench calibration --fit-on SIM_CASES --map-out src/autoheal/reasoning/calibration_map.json``
(the file records that command, what it was fitted on and when). It is never fitted on a real data
set's cases.

**One map per call-graph condition.** Without a call graph half the checks abstain, and what a
lead over the next service is worth changes with them (the topology check no longer tells a
caller from its failing dependency), so reports without a call graph get their own map
(``without_call_graph`` in the file, the same five features fitted on those reports alone); a map
with no such part leaves them their raw confidence. ``bench calibration --fit-on`` fits one map
per condition or one map for all, whichever has the lower held-out log-loss in a
leave-one-scenario-out cross-validation on the simulator's records
(:func:`autoheal.bench.crossval.cross_validate`; docs/benchmarks.md "Without a call graph" says
in which order the designs were tried).

The map is not extrapolated: each feature is read within the range it took on the cases the map
was fitted on (``ranges`` in the file), at the nearest end outside it; and a cause whose verdict
(``verdicts``), whose report's coverage (``coverages``) or whose call graph (present or missing:
the range of ``call_graph``) never occurred among those cases is not mapped at all: it keeps its
raw confidence, because no fitted case says how often such a cause is right.

The report keeps the raw confidence of every cause (``raw_confidence``) and its order: the ranking
is decided on raw confidences, and no cause shows a calibrated confidence above the one ranked
before it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

MAP_FILE = Path(__file__).with_name("calibration_map.json")
FEATURES = ("logit_confidence", "lead_over_next", "supported", "inconclusive", "coverage", "call_graph")
_CALL_GRAPH = FEATURES.index("call_graph")
EPS = 1e-3
NO_CAUSE = "none"  # the verdict key of a report without a cause


def verdict_key(verdict: str | None) -> str:
    return NO_CAUSE if verdict is None else str(verdict)


def logit(c: float) -> float:
    c = min(1.0 - EPS, max(EPS, c))
    return math.log(c / (1.0 - c))


def sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def features(
    confidence: float,
    other: float | None,
    verdict: str | None,
    coverage: float = 1.0,
    call_graph: bool = True,
) -> list[float]:
    """The map's input for one cause: its raw confidence, the best raw confidence of another
    service's cause (None reads as the cause's own: no lead), its verdict, its report's
    evidence coverage (answered / asked modalities) and whether the report had a call graph."""
    other = confidence if other is None else other
    lead = (confidence - other) / confidence if confidence > 0 else 0.0
    return [
        logit(confidence),
        lead,
        1.0 if verdict == "supported" else 0.0,
        1.0 if verdict == "inconclusive" else 0.0,
        float(coverage),
        1.0 if call_graph else 0.0,
    ]


@dataclass(frozen=True, slots=True)
class ConfidenceMap:
    """``p = sigmoid(w . features + b)``; ``about`` records how it was fitted. ``ranges`` (per
    feature, the range of the cases it was fitted on) bound its input: the map is not
    extrapolated beyond what it saw (a feature outside its range is read at the nearest end).
    ``verdicts`` and ``coverages``, when given, are the verdicts and coverages it saw: a cause
    with another one keeps its raw confidence, as does one whose call graph (present or not)
    lies outside the range ``call_graph`` took."""

    weights: tuple[float, ...]
    bias: float
    about: dict[str, Any] = field(default_factory=dict, compare=False)
    ranges: tuple[tuple[float, float], ...] | None = None
    verdicts: tuple[str, ...] | None = None
    coverages: tuple[float, ...] | None = None
    bare: ConfidenceMap | None = None  # the map of reports without a call graph, when fitted

    def covers(self, verdict: str | None, coverage: float, call_graph: bool = True) -> bool:
        """Whether the map saw causes like this one (its verdict, its report's coverage, its
        call graph present or missing)."""
        if self.verdicts is not None and verdict_key(verdict) not in self.verdicts:
            return False
        if self.ranges is not None:
            lo, hi = self.ranges[_CALL_GRAPH]
            if not lo <= (1.0 if call_graph else 0.0) <= hi:
                return False
        return self.coverages is None or any(abs(coverage - c) < 1e-3 for c in self.coverages)

    def __call__(
        self,
        confidence: float,
        other: float | None,
        verdict: str | None,
        coverage: float = 1.0,
        call_graph: bool = True,
    ) -> float:
        if not call_graph and self.bare is not None:
            return self.bare(confidence, other, verdict, coverage, call_graph)
        if not self.covers(verdict, coverage, call_graph):  # nothing fitted says how often it is right
            return confidence
        x = features(confidence, other, verdict, coverage, call_graph)
        if self.ranges is not None:
            x = [min(hi, max(lo, v)) for v, (lo, hi) in zip(x, self.ranges, strict=True)]
        return sigmoid(sum(w * v for w, v in zip(self.weights, x, strict=True)) + self.bias)

    def to_json(self) -> dict[str, Any]:
        out = {
            **self.about,
            "features": list(FEATURES),
            "weights": dict(zip(FEATURES, (round(w, 6) for w in self.weights), strict=True)),
            "bias": round(self.bias, 6),
        }
        if self.ranges is not None:
            out["ranges"] = dict(
                zip(FEATURES, ([round(lo, 6), round(hi, 6)] for lo, hi in self.ranges), strict=True)
            )
        if self.verdicts is not None:
            out["verdicts"] = list(self.verdicts)
        if self.coverages is not None:
            out["coverages"] = [round(c, 4) for c in self.coverages]
        if self.bare is not None:
            out["without_call_graph"] = self.bare.to_json()
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ConfidenceMap:
        try:
            weights = data["weights"]
            values = tuple(float(weights[name]) for name in FEATURES)
            bias = float(data["bias"])
            ranges = data.get("ranges")
            bounds = (
                None
                if ranges is None
                else tuple((float(ranges[n][0]), float(ranges[n][1])) for n in FEATURES)
            )
            verdicts = data.get("verdicts")
            coverages = data.get("coverages")
            seen = None if verdicts is None else tuple(str(v) for v in verdicts)
            covered = None if coverages is None else tuple(float(c) for c in coverages)
            bare = data.get("without_call_graph")
            without = None if bare is None else cls.from_json(bare)
        except (KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
            raise ValueError(
                f"not a confidence map (needs weights {', '.join(FEATURES)} and bias): {exc}"
            ) from exc
        skip = {"weights", "bias", "features", "ranges", "verdicts", "coverages", "without_call_graph"}
        about = {k: v for k, v in data.items() if k not in skip}
        return cls(values, bias, about, bounds, seen, covered, without)


@cache
def default_map() -> ConfidenceMap:
    """The committed map (``calibration_map.json``)."""
    return ConfidenceMap.from_json(json.loads(MAP_FILE.read_text()))


def calibrate(
    ranked: Sequence[tuple[str, float, str | None]],
    cmap: ConfidenceMap,
    coverage: float = 1.0,
    call_graph: bool = True,
) -> list[float]:
    """Calibrated confidences of ``ranked`` causes (service, raw confidence, verdict) of a report
    whose evidence coverage is ``coverage`` (and which had a call graph or not), in their order;
    never above the cause ranked before. Where the map cannot tell a cause from the one before it
    although the engine could (both read at an end of the map's range, a lower raw confidence
    mapped as high), the lower one shows its raw share of the one before: the map does not erase
    an order the evidence gave."""
    out: list[float] = []
    for i, (service, raw, verdict) in enumerate(ranked):
        other = max((c for s, c, _ in ranked if s != service), default=0.0)
        p = cmap(raw, other, verdict, coverage, call_graph) if raw > 0 else 0.0
        if i:
            before, before_raw = out[i - 1], ranked[i - 1][1]
            if round(p, 4) >= before and 0 < raw < before_raw:
                p = before * raw / before_raw
            p = min(p, before)
        out.append(round(p, 4))
    return out

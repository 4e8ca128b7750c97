"""``autoheal bench rca``: run every case of a data set, score it, run the baselines beside it."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autoheal.bench import baselines, direct, inner, nezha, petshop, sockshop
from autoheal.bench.ablation import Ablation, apply
from autoheal.bench.engine_path import EngineRanker
from autoheal.bench.model import BenchCase, Bundle
from autoheal.bench.published import PUBLISHED
from autoheal.bench.scoring import as_at, summary
from autoheal.errors import ConfigError

LOADERS: dict[str, Callable[[Path], Iterator[tuple[BenchCase, Bundle]]]] = {
    "nezha": nezha.cases,
    "rcd-sockshop": sockshop.cases,
    "petshop": petshop.cases,
}

PATHS = ("engine", "direct")
Ranker = Callable[[BenchCase, Bundle], list[str]]


@dataclass(slots=True)
class RcaResult:
    dataset: str
    cases: list[BenchCase] = field(default_factory=list)
    rankings: dict[str, dict[str, list[str]]] = field(default_factory=dict)  # method -> id -> rank
    baseline_message: str = ""
    seconds: float = 0.0
    path: str = "engine"
    tool_calls: int = 0  # governed calls made by the engine path
    refused_calls: int = 0
    # the engine's inner-service ranking where the data set labels one (nezha): id -> (keys, truth)
    inner: dict[str, tuple[list[str], str]] = field(default_factory=dict)
    ablation: Ablation = field(default_factory=Ablation)
    # the engine path's report per case: its top cause's confidence (0 with no cause) and which
    # modalities answered nothing (bench/calibration.py reads the first)
    confidence: dict[str, float] = field(default_factory=dict)
    second: dict[str, float] = field(default_factory=dict)  # the next service's confidence
    verdict: dict[str, str] = field(default_factory=dict)  # the top cause's verdict
    missing: dict[str, list[str]] = field(default_factory=dict)
    coverage: dict[str, float] = field(default_factory=dict)  # the report's answered / asked

    def method_pairs(self, method: str, cases: Sequence[BenchCase]) -> list[tuple[list[str], str]]:
        ranks = self.rankings.get(method, {})
        return [(ranks[c.id], c.root_cause) for c in cases if c.id in ranks]

    def methods(self) -> list[str]:
        return list(self.rankings)

    def groups(self) -> dict[str, list[BenchCase]]:
        out: dict[str, list[BenchCase]] = defaultdict(list)
        for c in self.cases:
            out[c.kind if not c.split else f"{c.split}/{c.kind}"].append(c)
        return dict(sorted(out.items()))

    def inner_summary(self) -> dict[str, Any]:
        """AIS@1/3/5 and Avg@5 over the labelled cases, overall and per group."""

        def scored(cases: Sequence[BenchCase]) -> dict[str, Any]:
            pairs = [self.inner[c.id] for c in cases if c.id in self.inner]
            figures = {k.replace("AS@", "AIS@"): v for k, v in summary(pairs).items()}
            return {"cases": len(pairs), **figures}

        groups = {g: scored(cs) for g, cs in self.groups().items()}
        return {**scored(self.cases), "groups": {g: v for g, v in groups.items() if v["cases"]}}

    def case_records(self) -> list[dict[str, Any]]:
        """One record per case (``--cases-out``; ``autoheal bench calibration`` reads them): the
        truth, the engine's first five services, its top cause's confidence and the ablation."""
        ranks = self.rankings.get("autoheal", {})
        return [
            {
                "dataset": self.dataset,
                "id": c.id,
                "truth": c.root_cause,
                "ranking": ranks.get(c.id, [])[:5],
                "top1": bool(ranks.get(c.id)) and ranks[c.id][0] == c.root_cause,
                "confidence": self.confidence.get(c.id),
                "second_confidence": self.second.get(c.id),
                "verdict": self.verdict.get(c.id),
                "missing": self.missing.get(c.id, []),
                "coverage": self.coverage.get(c.id),
                **self.ablation.to_json(),
                "full": self.ablation.is_full,
            }
            for c in self.cases
        ]

    def append_case_records(self, path: Path, **extra: object) -> None:
        """Append :meth:`case_records` to ``path`` as JSON lines, each with ``extra`` laid over it
        (``bench rca --cases-out``; the matrix adds its row and whether the input is as published)."""
        import json

        with path.open("a") as fh:
            for record in self.case_records():
                fh.write(json.dumps({**record, **extra}) + "\n")

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "dataset": self.dataset,
            "cases": len(self.cases),
            "path": self.path,
            "autoheal": summary(self.method_pairs("autoheal", self.cases)),
            "baselines": {
                m: summary(self.method_pairs(m, self.cases)) for m in self.methods() if m != "autoheal"
            },
            "published": PUBLISHED.get(self.dataset, {}),
            "seconds": round(self.seconds, 1),
        }
        if self.path == "engine":
            out["tool_calls"] = self.tool_calls
            out["refused_calls"] = self.refused_calls
        if self.baseline_message:
            out["baselines_note"] = self.baseline_message
        if self.inner:
            out["inner"] = self.inner_summary()
        if not self.ablation.is_full:
            out["ablation"] = self.ablation.to_json()
        if self.dataset == "petshop":
            out["splits"] = {
                split: {
                    m: {
                        "top1": round(as_at(self.method_pairs(m, cs), 1), 4),
                        "top3": round(as_at(self.method_pairs(m, cs), 3), 4),
                    }
                    for m in self.methods()
                }
                for split, cs in self.groups().items()
            }
        return out


def run_rca(
    dataset: str,
    data_dir: Path,
    *,
    limit: int | None = None,
    with_baselines: bool = True,
    ranker: Ranker | None = None,
    path: str = "engine",
    ablation: Ablation | None = None,
) -> RcaResult:
    """Score every case; ``path`` is ``engine`` (the whole investigation engine through governed
    tools, the default) or ``direct`` (the analysis functions on the records, for diagnosis).
    ``ablation`` (:mod:`autoheal.bench.ablation`) removes modalities or minutes from every group
    before anything reads it; the baselines read the metrics, which no ablation drops."""
    if dataset not in LOADERS:
        raise ConfigError(f"unknown data set {dataset!r}; choose one of {', '.join(LOADERS)}")
    if path not in PATHS:
        raise ConfigError(f"unknown path {path!r}; choose one of {', '.join(PATHS)}")
    engine_ranker = EngineRanker() if ranker is None and path == "engine" else None
    rank = ranker or engine_ranker or direct.ranking
    started = time.monotonic()
    ablation = ablation or Ablation()
    result = RcaResult(dataset=dataset, path=path, ablation=ablation)
    kept: list[tuple[BenchCase, Bundle]] = []
    ours: dict[str, list[str]] = {}
    ablated: tuple[str, Bundle, Bundle] | None = None  # (group, original, ablated): one group at a time
    for case, original in LOADERS[dataset](data_dir):
        if limit is not None and len(kept) >= limit:
            break
        if ablated is None or ablated[0] != case.group or ablated[1] is not original:
            ablated = (case.group, original, apply(original, ablation, case.group))
        bundle = ablated[2]
        ours[case.id] = rank(case, bundle)
        if engine_ranker is not None:
            result.confidence[case.id] = engine_ranker.top_confidence
            result.second[case.id] = engine_ranker.second_confidence
            result.verdict[case.id] = engine_ranker.top_verdict
            result.missing[case.id] = list(engine_ranker.missing)
            result.coverage[case.id] = engine_ranker.coverage
            if case.inner:
                keys = inner.ranking(engine_ranker.causes, case.root_cause, case.inner)
                result.inner[case.id] = (keys, f"{case.root_cause}:{case.inner}")
        result.cases.append(case)
        kept.append((case, original))
    result.rankings["autoheal"] = ours
    if with_baselines and "metrics" not in ablation.modalities:
        result.baseline_message = "baselines skipped: they read metrics, which this ablation removes"
    elif with_baselines:
        run = baselines.run(dataset, kept)
        if run.available:
            for method in baselines.METHODS:
                result.rankings[method] = {cid: r[method] for cid, r in run.rankings.items()}
        else:
            result.baseline_message = run.message
    else:
        result.baseline_message = "baselines skipped (--no-baselines)"
    result.seconds = time.monotonic() - started
    if engine_ranker is not None:
        result.tool_calls = engine_ranker.tool_calls
        result.refused_calls = engine_ranker.refused
    return result


def table_rows(result: RcaResult) -> list[list[str]]:
    """Rows: group, cases, then AS@1/AS@3/AS@5/Avg@5 for each method."""
    rows = []
    groups = {**result.groups(), "overall": result.cases}
    for name, cases in groups.items():
        row = [name, str(len(cases))]
        for m in result.methods():
            s = summary(result.method_pairs(m, cases))
            row += [f"{s['AS@1']:.3f}", f"{s['AS@3']:.3f}", f"{s['AS@5']:.3f}", f"{s['Avg@5']:.3f}"]
        rows.append(row)
    return rows

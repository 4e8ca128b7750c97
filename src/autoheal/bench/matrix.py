"""The ablation matrix (``autoheal bench rca --matrix``): each data set as metrics only, metrics +
traces, metrics + logs, all three, and all three with 30 % and 60 % of the trace and log minutes
removed (one run per seed), with RCAEval's BARO and NSigma on the same cells.

**Rows whose input is another row's.** A data set has only the modalities it was published with
(:data:`AVAILABLE`: PetShop and RCD's Sock Shop are metrics only), so a row asking for more reads
exactly the metrics-only input there; a row is run once per distinct input (its modalities
intersected with the data set's, and no drop when neither traces nor logs are left) and the rows
sharing it say so (``"source": "same input as metrics"``). The engine is deterministic, so
running the same input again would print the same figures.

**Baselines.** BARO and NSigma read metrics only and no row removes metrics: their input is the
same in every row, so they are run once per data set (with the first row) and shown in every row.
That is the point of the comparison: what the engine gains from traces and logs, and loses without
them, against methods that never had them.

Every row uses the same engine configuration (``bench/engine_path.py`` ``BENCH_ENGINE``); nothing
is chosen per row or per data set.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autoheal.bench.ablation import ALL, Ablation
from autoheal.bench.runner import LOADERS, RcaResult, run_rca
from autoheal.bench.scoring import summary
from autoheal.errors import ConfigError

METRICS = frozenset({"metrics"})


@dataclass(frozen=True, slots=True)
class Row:
    name: str
    modalities: frozenset[str]
    drop_fraction: float = 0.0


ROWS = (
    Row("metrics", METRICS),
    Row("metrics+traces", frozenset({"metrics", "traces"})),
    Row("metrics+logs", frozenset({"metrics", "logs"})),
    Row("all", ALL),
    Row("all -30%", ALL, 0.3),
    Row("all -60%", ALL, 0.6),
)

# the modalities each data set was published with
AVAILABLE: dict[str, frozenset[str]] = {"nezha": ALL, "petshop": METRICS, "rcd-sockshop": METRICS}
FIGURES = ("AS@1", "AS@3", "AS@5")


def effective(row: Row, dataset: str) -> tuple[frozenset[str], float]:
    """The input a row gives a data set: its modalities that exist there, and the drop only where
    traces or logs are left to drop from."""
    have = row.modalities & AVAILABLE[dataset]
    return have, row.drop_fraction if have & {"traces", "logs"} else 0.0


@dataclass(slots=True)
class Cell:
    dataset: str
    row: str
    source: str  # "run" | "same input as <row>"
    autoheal: dict[str, float]
    per_seed: list[dict[str, Any]] = field(default_factory=list)
    baselines: dict[str, dict[str, float]] = field(default_factory=dict)
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"source": self.source, "autoheal": self.autoheal, **self.baselines}
        if self.per_seed:
            out["per_seed"] = self.per_seed
        out["seconds"] = round(self.seconds, 1)
        return out


@dataclass(slots=True)
class Matrix:
    datasets: list[str]
    rows: list[Row]
    seeds: list[int]
    cells: dict[tuple[str, str], Cell] = field(default_factory=dict)
    baseline_notes: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "matrix": {
                d: {r.name: self.cells[(d, r.name)].to_json() for r in self.rows if (d, r.name) in self.cells}
                for d in self.datasets
            },
            "rows": [r.name for r in self.rows],
            "seeds": self.seeds,
            **({"baselines_note": self.baseline_notes} if self.baseline_notes else {}),
            "seconds": round(self.seconds, 1),
        }


def parse_datasets(text: str) -> list[str]:
    names = list(LOADERS) if text.strip() == "all" else [p.strip() for p in text.split(",") if p.strip()]
    unknown = [n for n in names if n not in LOADERS]
    if unknown or not names:
        raise ConfigError(
            f"unknown data set {', '.join(unknown) or '(none)'}; choose from {', '.join(LOADERS)} or all"
        )
    return names


def parse_rows(text: str | None) -> list[Row]:
    if not text:
        return list(ROWS)
    by_name = {r.name: r for r in ROWS}
    names = [p.strip() for p in text.split(",") if p.strip()]
    unknown = [n for n in names if n not in by_name]
    if unknown or not names:
        raise ConfigError(
            f"unknown matrix row {', '.join(unknown) or '(none)'}; choose from {', '.join(by_name)}"
        )
    return [by_name[n] for n in names]


def parse_seeds(text: str) -> list[int]:
    try:
        seeds = [int(p) for p in text.split(",") if p.strip()]
    except ValueError as exc:
        raise ConfigError(f"--seeds takes comma-separated integers, got {text!r}") from exc
    if not seeds:
        raise ConfigError("--seeds needs at least one seed")
    return seeds


def _figures(result: RcaResult, method: str) -> dict[str, float]:
    s = summary(result.method_pairs(method, result.cases))
    return {k: s[k] for k in FIGURES}


@dataclass(frozen=True, slots=True)
class Task:
    dataset: str
    ablation: Ablation
    baselines: bool  # the data set's one baseline run rides on its first task


def _run(task: Task, data_dir: Path, limit: int | None) -> RcaResult:
    return run_rca(task.dataset, data_dir, limit=limit, with_baselines=task.baselines, ablation=task.ablation)


# the order cells are run in: the data set as published first (the figure that must not drop),
# then one modality missing, then minutes missing (a partial run has the most telling cells)
RUN_ORDER = ("all", "metrics+traces", "metrics", "metrics+logs", "all -30%", "all -60%")


def plan(matrix: Matrix, with_baselines: bool) -> list[Task]:
    """One task per distinct input of each data set (and per seed where minutes are dropped), in
    :data:`RUN_ORDER` across data sets; each data set's baselines ride on its first task."""
    pending: list[tuple[int, int, str, Ablation]] = []
    for d, dataset in enumerate(matrix.datasets):
        seen: set[tuple[frozenset[str], float]] = set()
        for row in sorted(matrix.rows, key=lambda r: RUN_ORDER.index(r.name)):
            have, drop = effective(row, dataset)
            if (have, drop) in seen:
                continue
            seen.add((have, drop))
            for seed in matrix.seeds if drop else [0]:
                pending.append((RUN_ORDER.index(row.name), d, dataset, Ablation(have, drop, seed)))
    tasks: list[Task] = []
    for _, _, dataset, ablation in sorted(pending, key=lambda p: (p[0], p[1], p[3].seed)):
        first = with_baselines and not any(t.dataset == dataset for t in tasks)
        tasks.append(Task(dataset, ablation, first))
    return tasks


def run_matrix(
    datasets: str,
    data_dir: Path,
    *,
    cells: str | None = None,
    seeds: str = "0,1,2",
    with_baselines: bool = True,
    limit: int | None = None,
    cases_out: Path | None = None,
    progress: Callable[[str], Any] | None = None,
    jobs: int = 1,
) -> Matrix:
    """Every cell; ``jobs`` > 1 runs that many tasks at once in worker processes (the figures do
    not depend on it: each task is one deterministic ``run_rca``)."""
    if jobs < 1:
        raise ConfigError(f"--jobs must be at least 1, got {jobs}")
    out = Matrix(parse_datasets(datasets), parse_rows(cells), parse_seeds(seeds))
    started = time.monotonic()
    tasks = plan(out, with_baselines)
    results: dict[Task, RcaResult] = {}

    def done(task: Task, result: RcaResult) -> None:
        results[task] = result
        if cases_out is not None:  # as each run ends: a matrix stopped early keeps what it ran
            full = (task.ablation.modalities, task.ablation.drop_fraction) == effective(ROWS[3], task.dataset)
            # full: the input is the data set as published (what ``bench calibration`` reads)
            result.append_case_records(cases_out, row=task.ablation.label(), full=full)
        if progress is not None:
            f = _figures(result, "autoheal")
            progress(
                f"  {task.dataset:13s} {task.ablation.label():28s} AS@1 {f['AS@1']:.3f} AS@3 {f['AS@3']:.3f} "
                f"({result.seconds:.0f} s)"
            )

    if jobs == 1:
        for task in tasks:
            done(task, _run(task, data_dir, limit))
    else:
        from concurrent.futures import ProcessPoolExecutor, as_completed

        with ProcessPoolExecutor(max_workers=jobs) as pool:
            futures = {pool.submit(_run, t, data_dir, limit): t for t in tasks}
            for future in as_completed(futures):
                done(futures[future], future.result())
    for dataset in out.datasets:
        mine = [t for t in tasks if t.dataset == dataset]
        baselines: dict[str, dict[str, float]] = {}
        for t in mine:
            if t.baselines:
                r = results[t]
                baselines = {m: _figures(r, m) for m in r.methods() if m != "autoheal"}
                if r.baseline_message:
                    out.baseline_notes[dataset] = r.baseline_message
        first_row: dict[tuple[frozenset[str], float], str] = {}
        for row in out.rows:
            key = effective(row, dataset)
            runs = [t for t in mine if (t.ablation.modalities, t.ablation.drop_fraction) == key]
            per_seed = (
                [{"seed": t.ablation.seed, **_figures(results[t], "autoheal")} for t in runs]
                if key[1]
                else []
            )
            mean = {
                k: round(statistics.fmean(_figures(results[t], "autoheal")[k] for t in runs), 4)
                for k in FIGURES
            }
            source = "run" if key not in first_row else f"same input as {first_row[key]}"
            first_row.setdefault(key, row.name)
            out.cells[(dataset, row.name)] = Cell(
                dataset,
                row.name,
                source,
                mean,
                per_seed,
                baselines,
                sum(results[t].seconds for t in runs) if source == "run" else 0.0,
            )
    out.seconds = time.monotonic() - started
    return out


def render(matrix: Matrix) -> list[str]:
    """One table: a row per (data set, matrix row), AS@1 / AS@3 of Autoheal, BARO and NSigma."""
    methods = ["autoheal", "BARO", "NSigma"]
    head = f"{'data set':13s} {'row':15s}" + "".join(f" | {m + ' AS@1':>13s} {'AS@3':>5s}" for m in methods)
    lines = [head, "-" * len(head)]
    for dataset in matrix.datasets:
        for row in matrix.rows:
            cell = matrix.cells.get((dataset, row.name))
            if cell is None:
                continue
            line = f"{dataset:13s} {row.name:15s}"
            for m in methods:
                figures = cell.autoheal if m == "autoheal" else cell.baselines.get(m)
                line += (
                    f" | {figures['AS@1']:>13.3f} {figures['AS@3']:>5.3f}"
                    if figures
                    else f" | {'-':>13s} {'-':>5s}"
                )
            if cell.source != "run":
                line += f"   ({cell.source}: the data set has no {', '.join(sorted(row.modalities - AVAILABLE[dataset])) or 'more'})"
            elif cell.per_seed:
                line += "   (mean of seeds " + ", ".join(str(s["seed"]) for s in cell.per_seed) + ")"
            lines.append(line)
    for dataset, note in matrix.baseline_notes.items():
        lines.append(f"baselines on {dataset}: {note}")
    return lines

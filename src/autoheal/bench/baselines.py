"""BARO and NSigma from RCAEval's own implementation, run side by side on the same cases.

RCAEval needs Python 3.12 and ``numpy<2``, so it lives in its own environment
(``.bench/rcaeval-venv``, created by :func:`ensure_env` with pyenv's 3.12 and
``pip install rcaeval``). Each case's metrics are written to a CSV (one column per
``service|metric``, the reference rows then the incident rows, ``time`` = row number) and
``benchmarks/rcaeval_baselines.py`` ranks the columns; a service's rank is the rank of its first
column. Baselines see the metrics only, as in RCAEval.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from autoheal.analysis.signals import split_series
from autoheal.bench.model import BenchCase, Bundle

REPO = Path(__file__).resolve().parents[3]
VENV = REPO / ".bench" / "rcaeval-venv"
SCRIPT = REPO / "benchmarks" / "rcaeval_baselines.py"
PYTHON312 = Path.home() / ".pyenv" / "versions" / "3.12.1" / "bin" / "python"
REQUIREMENTS = ("numpy<2", "pandas", "scikit-learn", "requests", "tqdm")
METHODS = ("BARO", "NSigma")


@dataclass(frozen=True, slots=True)
class BaselineRun:
    available: bool
    rankings: dict[str, dict[str, list[str]]]  # case id -> method -> services
    message: str = ""


def python() -> Path:
    return VENV / "bin" / "python"


def ensure_env() -> str | None:
    """Create the RCAEval environment if missing; returns an error message or None."""
    if python().exists():
        return None
    if not PYTHON312.exists():
        return f"RCAEval needs Python 3.12 ({PYTHON312} not found)"
    steps = [
        [str(PYTHON312), "-m", "venv", str(VENV)],
        [str(python()), "-m", "pip", "install", "-q", *REQUIREMENTS],
        # rcaeval's base install declares no dependencies; BARO and NSigma need only the above
        [str(python()), "-m", "pip", "install", "-q", "--no-deps", "rcaeval==1.8.1"],
    ]
    for cmd in steps:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
        if done.returncode != 0:
            return f"{' '.join(cmd[:4])} failed: {done.stderr.strip()[-400:]}"
    return None


def case_frame(case: BenchCase, bundle: Bundle) -> tuple[pd.DataFrame, float]:
    """Reference rows then incident rows; returns the frame and the inject time (row number)."""
    ref_cols: dict[str, np.ndarray] = {}
    inc_cols: dict[str, np.ndarray] = {}
    for s in bundle.series:
        ref, inc = split_series(s, case.reference, case.incident)
        key = f"{s.service}|{s.name}"
        if key in ref_cols:  # several pods of one service: keep them apart
            key = f"{key}|{len(ref_cols)}"
        ref_cols[key], inc_cols[key] = ref, inc
    n_ref = max((len(v) for v in ref_cols.values()), default=0)
    n_inc = max((len(v) for v in inc_cols.values()), default=0)
    data = {}
    for key in ref_cols:
        col = np.full(n_ref + n_inc, np.nan)
        r, i = ref_cols[key], inc_cols[key]
        col[n_ref - len(r) : n_ref] = r
        col[n_ref : n_ref + len(i)] = i
        data[key] = col
    frame = pd.DataFrame(data).ffill().bfill().fillna(0.0)
    frame.insert(0, "time", np.arange(n_ref + n_inc, dtype=float))
    return frame, float(n_ref)


def services_of(columns: Sequence[str]) -> list[str]:
    seen: list[str] = []
    for c in columns:
        svc = c.split("|", 1)[0]
        if svc not in seen:
            seen.append(svc)
    return seen


def run(dataset: str, cases: Sequence[tuple[BenchCase, Bundle]]) -> BaselineRun:
    problem = ensure_env()
    if problem:
        return BaselineRun(False, {}, problem)
    with tempfile.TemporaryDirectory(prefix="autoheal-rcaeval-") as tmp:
        manifest = {"dataset": dataset, "cases": []}
        for n, (case, bundle) in enumerate(cases):
            frame, inject = case_frame(case, bundle)
            path = Path(tmp) / f"case{n}.csv"
            frame.to_csv(path, index=False)
            manifest["cases"].append({"id": case.id, "csv": str(path), "inject_time": inject})  # type: ignore[attr-defined]
        mpath = Path(tmp) / "manifest.json"
        mpath.write_text(json.dumps(manifest))
        done = subprocess.run(
            [str(python()), str(SCRIPT), str(mpath)],
            capture_output=True,
            text=True,
            timeout=1800,
            env={**os.environ, "PYTHONWARNINGS": "ignore"},
        )
    if done.returncode != 0:
        return BaselineRun(False, {}, f"RCAEval run failed: {done.stderr.strip()[-400:]}")
    raw = json.loads(done.stdout)
    rankings = {cid: {m: services_of(cols) for m, cols in res.items()} for cid, res in raw.items()}
    return BaselineRun(True, rankings)

"""Loader for PetShop (NeurIPS'23 D&B, amazon-science/petshop-root-cause-analysis).

``metrics.csv`` has a three-row header (node, metric, statistic) over epoch seconds at 5-minute
steps; each issue window has five rows. The fault-free reference is the scenario's
``noissue/metrics.csv``, recorded at another time (months after some issues): it is re-stamped
for each issue to end one step before the issue window, so that, as in production, the
reference precedes the incident (the same rule as for the sock-shop segments). Only the
scenarios with such data are scored (``low_traffic``, ``high_traffic``: 52 issues); the
``temporal_traffic`` scenarios lack it. ``graph.csv`` is the call graph (caller -> callee).
``target.json`` names the alerted SLO: its node, ``metric`` and statistic (``agg``); the case's
``symptom`` is that series' stored name (:func:`metric_name`), which the synthetic alert carries
as its rule's expression.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from autoheal.bench.model import BenchCase, Bundle
from autoheal.errors import ConfigError
from autoheal.telemetry.model import Series

SCENARIOS = ("low_traffic", "high_traffic")
STEP = 300.0


def edges(path: Path) -> list[tuple[str, str]]:
    g = pd.read_csv(path, index_col=0)
    out = []
    for caller in g.index:
        for callee in g.columns:
            if g.loc[caller, callee]:
                out.append((str(caller), str(callee)))
    return out


def _series(frame: pd.DataFrame) -> dict[tuple[str, str], tuple[list[float], list[float]]]:
    out: dict[tuple[str, str], tuple[list[float], list[float]]] = {}
    stamps = [float(t) for t in frame.index]
    for node, metric, stat in frame.columns:
        values = frame[(node, metric, stat)].to_numpy(dtype=float)
        if metric == "availability":  # a drop is the symptom: score its complement (percent)
            values = 100.0 - values
        out[(str(node), metric_name(metric, stat))] = (stamps, [float(v) for v in values])
    return out


def metric_name(metric: str, stat: str) -> str:
    """The stored metric of a (metric, statistic) column: ``latency_average``, ``requests_sum``;
    availability is stored as its complement, ``unavailability_<stat>`` (percent)."""
    if metric == "availability":
        metric = "unavailability"
    return f"{metric}_{stat}".lower()


def cases(root: Path) -> Iterator[tuple[BenchCase, Bundle]]:
    base = root / "petshop" / "dataset"
    if not base.is_dir():
        raise ConfigError(f"petshop data not found under {root}", path=str(base))
    for scenario in SCENARIOS:
        sdir = base / scenario
        graph = edges(sdir / "graph.csv")
        normal_frame = pd.read_csv(sdir / "noissue" / "metrics.csv", header=[0, 1, 2], index_col=0)
        normal = _series(normal_frame)
        normal_end = float(normal_frame.index.max()) + STEP
        normal_len = normal_end - float(normal_frame.index.min())
        issues = sorted(
            (p for part in ("train", "test") for p in (sdir / part).glob("issue_*")),
            key=lambda p: (p.parent.name, int(p.name.split("_")[1])),
        )
        for issue in issues:
            target = json.loads((issue / "target.json").read_text())
            frame = pd.read_csv(issue / "metrics.csv", header=[0, 1, 2], index_col=0)
            incident = _series(frame)
            shift = float(frame.index.min()) - normal_end
            ref = (normal_end + shift - normal_len, normal_end + shift)
            series = []
            for key in sorted(set(normal) | set(incident)):
                ts: list[float] = []
                vs: list[float] = []
                for part, offset in ((normal.get(key), shift), (incident.get(key), 0.0)):
                    if part:
                        ts += [t + offset for t in part[0]]
                        vs += part[1]
                order = np.argsort(ts)
                series.append(
                    Series(
                        key[1],
                        {"service": key[0]},
                        tuple(float(ts[i]) for i in order),
                        tuple(float(vs[i]) for i in order),
                    )
                )
            inc = (float(frame.index.min()), float(frame.index.max()) + STEP)
            yield (
                BenchCase(
                    dataset="petshop",
                    id=f"{scenario}/{issue.parent.name}/{issue.name}",
                    root_cause=str(target["root_cause"]["node"]),
                    kind=str(target["target"]["metric"]),
                    group=f"{scenario}/{issue.parent.name}/{issue.name}",
                    incident=inc,
                    reference=ref,
                    target=str(target["target"]["node"]),
                    split=scenario,
                    alert_at=float(target["target"]["timestamp"]),
                    symptom=metric_name(str(target["target"]["metric"]), str(target["target"]["agg"])),
                ),
                Bundle(series=series, edges=graph),
            )

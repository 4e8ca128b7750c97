"""``autoheal bench logs``: grouping accuracy of Autoheal's template miner on Loghub's 2k sets.

Each system's ``<System>_2k.log_structured.csv`` holds the message part of every line
(``Content``, the header already split off as in Drain's benchmark) and its ground-truth
``EventId``. Grouping accuracy (Zhu et al., ICSE-SEIP'19): a line counts as correct when the set
of lines in its mined group equals the set of lines of its true event.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from autoheal.analysis.logs import group_lines
from autoheal.errors import ConfigError


def grouping_accuracy(predicted: Sequence[int], truth: Sequence[str]) -> float:
    by_pred: dict[int, list[int]] = defaultdict(list)
    by_true: dict[str, list[int]] = defaultdict(list)
    for i, (p, t) in enumerate(zip(predicted, truth, strict=True)):
        by_pred[p].append(i)
        by_true[t].append(i)
    correct = 0
    for members in by_pred.values():
        events = {truth[i] for i in members}
        if len(events) == 1 and len(by_true[next(iter(events))]) == len(members):
            correct += len(members)
    return correct / len(truth) if truth else 0.0


def systems(root: Path) -> list[Path]:
    if not root.is_dir():
        raise ConfigError(f"loghub_2k data not found at {root}", path=str(root))
    return sorted(p for p in root.iterdir() if p.is_dir() and any(p.glob("*_2k.log_structured.csv")))


def run_logs(root: Path) -> dict[str, float]:
    out: dict[str, float] = {}
    for sdir in systems(root):
        path = next(sdir.glob("*_2k.log_structured.csv"))
        with path.open(newline="", encoding="utf-8", errors="replace") as fh:
            rows = list(csv.DictReader(fh))
        predicted = group_lines(r["Content"] for r in rows)
        out[sdir.name] = round(grouping_accuracy(predicted, [r["EventId"] for r in rows]), 4)
    return out

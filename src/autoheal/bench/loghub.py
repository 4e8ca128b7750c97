"""``autoheal bench logs``: grouping accuracy of Autoheal's template miner on Loghub's 2k sets.

Each system's ``<System>_2k.log_structured.csv`` holds the message part of every line
(``Content``, the header already split off with a per-system format, as in Drain's benchmark) and
its ground-truth ``EventId``. :func:`run_logs` mines ``Content`` (comparable with the published
figures); :func:`run_logs_raw` mines the raw ``<System>_2k.log`` lines through
:func:`autoheal.analysis.logs.content_of`, the general header parser the engine uses, so it measures
the production path. Grouping accuracy (Zhu et al., ICSE-SEIP'19): a line counts as correct when the
set of lines in its mined group equals the set of lines of its true event.

``python -m autoheal.bench.loghub DIR`` prints both columns beside Drain's published figures.
"""

from __future__ import annotations

import csv
import json
import sys
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from autoheal.analysis.logs import group_lines
from autoheal.errors import ConfigError

# Drain's grouping accuracy on the Loghub 2k sets as published by its authors
# (logpai/logparser, logparser/Drain/README.md, "Benchmark"), each obtained with that system's own
# header format, masking regexes, similarity threshold and depth.
DRAIN_PUBLISHED: dict[str, float] = {
    "HDFS": 0.9975,
    "Hadoop": 0.9475,
    "Spark": 0.92,
    "Zookeeper": 0.9665,
    "BGL": 0.9625,
    "HPC": 0.887,
    "Thunderbird": 0.955,
    "Windows": 0.997,
    "Linux": 0.69,
    "Android": 0.911,
    "HealthApp": 0.78,
    "Apache": 1.0,
    "Proxifier": 0.5265,
    "OpenSSH": 0.7875,
    "OpenStack": 0.7325,
    "Mac": 0.7865,
}


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


def _rows(sdir: Path) -> list[dict[str, str]]:
    path = next(sdir.glob("*_2k.log_structured.csv"))
    with path.open(newline="", encoding="utf-8", errors="replace") as fh:
        return list(csv.DictReader(fh))


def run_logs(root: Path) -> dict[str, float]:
    """Per-system grouping accuracy on the structured ``Content`` column."""
    out: dict[str, float] = {}
    for sdir in systems(root):
        rows = _rows(sdir)
        predicted = group_lines(r["Content"] for r in rows)
        out[sdir.name] = round(grouping_accuracy(predicted, [r["EventId"] for r in rows]), 4)
    return out


def run_logs_raw(root: Path) -> dict[str, float]:
    """Per-system grouping accuracy on the raw lines, headers stripped by ``content_of``."""
    out: dict[str, float] = {}
    for sdir in systems(root):
        rows = _rows(sdir)
        raw_path = sdir / f"{sdir.name}_2k.log"
        if not raw_path.is_file():
            continue
        lines = raw_path.read_text(encoding="utf-8", errors="replace").splitlines()
        if len(lines) != len(rows):
            raise ConfigError(
                f"{raw_path} has {len(lines)} lines, its structured file {len(rows)} rows",
                path=str(raw_path),
            )
        predicted = group_lines(lines, raw=True)
        out[sdir.name] = round(grouping_accuracy(predicted, [r["EventId"] for r in rows]), 4)
    return out


def _average(values: dict[str, float]) -> float:
    return round(sum(values.values()) / len(values), 4) if values else 0.0


def main(argv: Sequence[str]) -> None:
    root = Path(argv[0]) if argv else Path("../shared/bench/loghub_2k")
    content, raw = run_logs(root), run_logs_raw(root)
    print(f"{'system':14s} {'content':>8s} {'raw':>8s} {'Drain (published)':>18s}")
    for name, acc in content.items():
        pub = DRAIN_PUBLISHED.get(name)
        raw_acc = raw.get(name)
        print(
            f"{name:14s} {acc:8.3f} {raw_acc if raw_acc is not None else float('nan'):8.3f}"
            f" {pub if pub is not None else float('nan'):18.3f}"
        )
    published = {k: v for k, v in DRAIN_PUBLISHED.items() if k in content}
    print(f"{'average':14s} {_average(content):8.3f} {_average(raw):8.3f} {_average(published):18.3f}")
    print(
        json.dumps(
            {
                "grouping_accuracy": _average(content),
                "systems": content,
                "raw": {"grouping_accuracy": _average(raw), "systems": raw},
                "drain_published": {"grouping_accuracy": _average(published), "systems": published},
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1:])

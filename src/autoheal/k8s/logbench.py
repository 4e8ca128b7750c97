"""``autoheal bench logcause``: the log cause extraction of the investigators, scored on Loghub's
labelled anomalies.

Loghub's 2k sets label single lines only where the system's ``<System>_2k.log_structured.csv`` has a
``Label`` column (``-`` for a normal line, an alert category such as ``KERNDTLB`` otherwise): BGL and
Thunderbird. HDFS's labels are per block (``anomaly_label.csv`` of the full set, not shipped with the
2k sample) and the other systems carry none; HPC's ``Flag`` column is not documented as an anomaly
label. Those systems are listed as not scored.

For a labelled system, each raw ``<System>_2k.log`` line, with its first token (the label itself)
removed, goes through exactly what the investigators run on a container log:

* :func:`autoheal.k8s.logcause.failure_lines` - the lines of severity error and above (the line's
  own level, else error-shaped text), i.e. ``extract(...).error_lines`` without its cap of 20 - is
  the prediction: precision, recall and F1 against the labelled lines;
* :func:`autoheal.k8s.logcause.extract` - the one line the investigator would quote as the cause -
  is reported as a hit when that line is labelled an anomaly.

The same parameters for every system (there are none to set); no threshold was fitted on these sets.
"""

from __future__ import annotations

import csv
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from autoheal.errors import ConfigError
from autoheal.k8s import logcause


@dataclass(frozen=True, slots=True)
class SystemScore:
    system: str
    lines: int
    anomalies: int
    flagged: int
    tp: int
    fp: int
    fn: int
    precision: float | None
    recall: float | None
    f1: float | None
    cause_line_is_anomaly: bool | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _ratio(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None


def score_lines(system: str, lines: list[str], labels: list[bool]) -> SystemScore:
    flagged = set(logcause.failure_lines(lines))
    truth = {i for i, bad in enumerate(labels) if bad}
    tp, fp, fn = len(flagged & truth), len(flagged - truth), len(truth - flagged)
    precision, recall = _ratio(tp, tp + fp), _ratio(tp, tp + fn)
    f1 = (
        round(2 * precision * recall / (precision + recall), 4)
        if precision is not None and recall is not None and precision + recall > 0
        else None
    )
    cause = logcause.extract(lines)
    hit = None if cause.line is None else (cause.line.number - 1) in truth
    return SystemScore(system, len(lines), len(truth), len(flagged), tp, fp, fn, precision, recall, f1, hit)


def labelled_systems(root: Path) -> tuple[list[str], list[str]]:
    """(systems with line labels, systems without) under a loghub_2k directory."""
    if not root.is_dir():
        raise ConfigError(f"{root} is not a directory: pass --data-dir pointing at Loghub's loghub_2k folder")
    labelled: list[str] = []
    unlabelled: list[str] = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        structured = folder / f"{folder.name}_2k.log_structured.csv"
        if not structured.is_file():
            continue
        with structured.open(newline="", encoding="utf-8", errors="replace") as fh:
            header = next(csv.reader(fh), [])
        (labelled if "Label" in header else unlabelled).append(folder.name)
    if not labelled and not unlabelled:
        raise ConfigError(f"no <System>/<System>_2k.log_structured.csv under {root}: is this loghub_2k?")
    return labelled, unlabelled


def load_system(root: Path, system: str) -> tuple[list[str], list[bool]]:
    """Raw lines without their label token, and whether each is labelled an anomaly."""
    folder = root / system
    with (folder / f"{system}_2k.log_structured.csv").open(
        newline="", encoding="utf-8", errors="replace"
    ) as fh:
        labels = [row["Label"].strip() not in ("-", "") for row in csv.DictReader(fh)]
    raw = (folder / f"{system}_2k.log").read_text(encoding="utf-8", errors="replace").splitlines()
    if len(raw) != len(labels):
        raise ConfigError(f"{system}: {len(raw)} raw lines but {len(labels)} labelled rows")
    lines = [line.split(None, 1)[1] if len(line.split(None, 1)) == 2 else "" for line in raw]
    return lines, labels


def run(root: Path) -> tuple[list[SystemScore], list[str]]:
    labelled, unlabelled = labelled_systems(root)
    return [score_lines(s, *load_system(root, s)) for s in labelled], unlabelled


def summary(scores: list[SystemScore], unlabelled: list[str]) -> dict[str, Any]:
    """Micro-averaged over the labelled systems, and each system's figures."""
    tp, fp, fn = (sum(getattr(s, k) for s in scores) for k in ("tp", "fp", "fn"))
    precision, recall = _ratio(tp, tp + fp), _ratio(tp, tp + fn)
    f1 = (
        round(2 * precision * recall / (precision + recall), 4)
        if precision is not None and recall is not None and precision + recall > 0
        else None
    )
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "lines": sum(s.lines for s in scores),
        "anomalies": sum(s.anomalies for s in scores),
        "systems": {s.system: s.to_dict() for s in scores},
        "not_scored": unlabelled,
    }

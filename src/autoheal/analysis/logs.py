"""Log template mining (Drain, via ``drain3``) and new / surging template detection.

:class:`TemplateMiner` wraps ``drain3.TemplateMiner`` with a configuration written in code (no ini
file): identifiers, IP addresses, hex strings and numbers are masked before clustering, so that
``user 42 failed`` and ``user 7 failed`` share one template.

:func:`template_surges` compares a reference window with an incident window: a template is *new*
when the reference never showed it, *surging* when its rate grew by ``SURGE_RATIO`` or more.
Error-level templates come first (a new ``ERROR`` template outranks a surging ``INFO`` one).

Parameters (chosen once, the same for every data set; see docs/benchmarks.md): Drain similarity
threshold 0.4 and tree depth 4 (the drain3 defaults, which are Drain's published defaults),
``SURGE_RATIO = 3.0``, ``MIN_SURGE_COUNT = 3`` (a surge needs at least three incident lines).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from drain3 import TemplateMiner as _DrainMiner
from drain3.masking import MaskingInstruction
from drain3.template_miner_config import TemplateMinerConfig

SIM_TH = 0.4
DEPTH = 4
SURGE_RATIO = 3.0
MIN_SURGE_COUNT = 3

# Order matters: the most specific patterns first.
_MASKS: tuple[tuple[str, str], ...] = (
    (r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}", "UUID"),
    (r"((?<=[^A-Za-z0-9])|^)(\d{1,3}\.){3}\d{1,3}(:\d{1,5})?((?=[^A-Za-z0-9])|$)", "IP"),
    (r"((?<=[^A-Za-z0-9])|^)(0x)?[0-9a-fA-F]*[a-fA-F][0-9a-fA-F]*\d[0-9a-fA-F]*((?=[^A-Za-z0-9])|$)", "HEX"),
    (r"((?<=[^A-Za-z0-9])|^)(0x)?[0-9a-fA-F]*\d[0-9a-fA-F]*[a-fA-F][0-9a-fA-F]*((?=[^A-Za-z0-9])|$)", "HEX"),
    (r"((?<=[^A-Za-z0-9])|^)[-+]?\d+(\.\d+)?((?=[^A-Za-z0-9])|$)", "NUM"),
)

_LEVEL_RE = re.compile(r"\b(FATAL|CRITICAL|ERROR|SEVERE|WARN(?:ING)?|INFO|DEBUG|TRACE)\b")
_ERROR_HINT = re.compile(r"(Exception|Error:|\berror\b|\bfailed\b|\bfailure\b|Traceback)", re.I)
_LEVEL_WEIGHT = {"error": 3.0, "warn": 2.0, "info": 1.0}


def miner_config() -> TemplateMinerConfig:
    """The one Drain configuration Autoheal uses everywhere."""
    config = TemplateMinerConfig()
    config.drain_sim_th = SIM_TH
    config.drain_depth = DEPTH
    config.parametrize_numeric_tokens = True
    config.masking_instructions = [MaskingInstruction(p, name) for p, name in _MASKS]
    config.profiling_enabled = False
    return config


class TemplateMiner:
    """Mine templates from log lines; ``add`` returns the cluster id of the line."""

    def __init__(self) -> None:
        self._miner = _DrainMiner(config=miner_config())

    def add(self, line: str) -> int:
        result = self._miner.add_log_message(line.strip())
        return int(result["cluster_id"])

    def template(self, cluster_id: int) -> str:
        for cluster in self._miner.drain.clusters:
            if cluster.cluster_id == cluster_id:
                return str(cluster.get_template())
        raise KeyError(cluster_id)

    def templates(self) -> dict[int, str]:
        return {c.cluster_id: str(c.get_template()) for c in self._miner.drain.clusters}


def log_level(line: str) -> str:
    """``error``, ``warn`` or ``info`` from the level word in the line (or an exception hint)."""
    m = _LEVEL_RE.search(line[:200])
    if m:
        word = m.group(1)
        if word in ("FATAL", "CRITICAL", "ERROR", "SEVERE"):
            return "error"
        if word.startswith("WARN"):
            return "warn"
        return "info"
    return "error" if _ERROR_HINT.search(line) else "info"


@dataclass(frozen=True, slots=True)
class TemplateSurge:
    template: str
    level: str
    reference_count: int
    incident_count: int
    new: bool
    ratio: float  # incident rate / smoothed reference rate
    score: float
    example: str


def template_surges(
    reference_lines: Sequence[str],
    incident_lines: Sequence[str],
    *,
    reference_seconds: float = 1.0,
    incident_seconds: float = 1.0,
) -> list[TemplateSurge]:
    """New and surging templates of the incident window, most significant first.

    Rates are counts per second of each window (pass the window lengths; with the defaults the
    counts are compared directly). The reference count is smoothed by +1 so that one reference line
    cannot make a surge infinite.
    """
    miner = TemplateMiner()
    ref_ids = [miner.add(line) for line in reference_lines]
    inc_ids = [miner.add(line) for line in incident_lines]
    ref_counts = Counter(ref_ids)
    inc_counts = Counter(inc_ids)
    examples: dict[int, str] = {}
    levels: dict[int, str] = {}
    for cid, line in zip(inc_ids, incident_lines, strict=True):
        if cid not in examples:
            examples[cid] = line
            levels[cid] = log_level(line)
    templates = miner.templates()
    out: list[TemplateSurge] = []
    for cid, count in inc_counts.items():
        ref = ref_counts.get(cid, 0)
        ratio = (count / max(incident_seconds, 1e-9)) / ((ref + 1) / max(reference_seconds, 1e-9))
        new = ref == 0
        if not new and (ratio < SURGE_RATIO or count < MIN_SURGE_COUNT):
            continue
        level = levels[cid]
        growth = 2.0 if new else min(math.log2(ratio), 2.0)
        score = _LEVEL_WEIGHT[level] * growth * math.log1p(count)
        out.append(
            TemplateSurge(
                template=templates.get(cid, examples[cid]),
                level=level,
                reference_count=ref,
                incident_count=count,
                new=new,
                ratio=ratio,
                score=score,
                example=examples[cid][:500],
            )
        )
    out.sort(key=lambda s: (-_LEVEL_WEIGHT[s.level], -s.score, s.template))
    return out


def group_lines(lines: Iterable[str]) -> list[int]:
    """Cluster id of every line, in order (used to score grouping accuracy)."""
    miner = TemplateMiner()
    return [miner.add(line) for line in lines]

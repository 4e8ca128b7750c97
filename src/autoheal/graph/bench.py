"""``autoheal bench memory``: recurrences with and without the context graph, side by side.

Each pair is a scenario file in ``sim/scenarios/memory/`` with two faults and a tag naming its
class: ``memory-recurrence`` (the same fault on the same service again), ``memory-changed`` (the
service was redeployed in between and a different fault follows), ``memory-different`` (a
different fault on the same service or its dependency with similar alerts). For each pair the
first fault is investigated and resolved by the simulated responder (its decision trace parsed and
learned); the second is investigated twice through the governed gateway, with memory and
without, on the same data and at the same simulated time.

Figures: governed tool calls of the second investigation (on / off), whether the true cause is
ranked first (the simulator's "counts as right" rule, sim/truth.py), ``misled`` (pairs where
memory made the rank of the true cause worse), and the retrieval time per recall.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any

from autoheal.domain.alerts import Alert
from autoheal.graph.memory import Memory
from autoheal.graph.retrieval import Prior

CLASSES = ("recurrence", "changed", "different")
NOT_RANKED = 6  # the true cause outside the report's top five


class TimedMemory(Memory):
    """A :class:`Memory` that keeps how long each recall took (milliseconds)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.recall_ms: list[float] = []

    def recall(self, alerts: Sequence[Alert], at: datetime, *, limit: int = 3) -> list[Prior]:
        started = time.perf_counter()
        try:
            return super().recall(alerts, at, limit=limit)
        finally:
            self.recall_ms.append((time.perf_counter() - started) * 1000)


@dataclass(slots=True)
class PairResult:
    name: str
    cls: str
    calls_on: int
    calls_off: int
    rank_on: int
    rank_off: int
    anchored: bool
    reason: str
    retrieval_ms: float
    phases_on: dict[str, int] = field(default_factory=dict)  # "phase tool" -> calls
    phases_off: dict[str, int] = field(default_factory=dict)

    @property
    def misled(self) -> bool:
        return self.rank_on > self.rank_off


def pair_files(folder: Path | None = None) -> list[Path]:
    base = folder or Path(str(resources.files("autoheal.sim") / "scenarios" / "memory"))
    return sorted(p for p in base.iterdir() if p.suffix in (".yaml", ".yml"))


def pair_class(tags: Sequence[str]) -> str:
    for tag in tags:
        if tag.startswith("memory-") and tag.removeprefix("memory-") in CLASSES:
            return tag.removeprefix("memory-")
    raise ValueError(f"a memory pair needs one tag of memory-{', memory-'.join(CLASSES)}; found {list(tags)}")


def rank_of(ranked: Sequence[dict[str, Any]], run: Any, index: int) -> int:
    from autoheal.sim.truth import deployed_version, matched_kind

    fault = run.scenario.faults[index]
    deployed = deployed_version(run, index)
    for i, cause in enumerate(ranked):
        if cause.get("service") == fault.service and matched_kind(fault.kind, cause, deployed):
            return i + 1
    return NOT_RANKED


def run_pair(path: Path) -> PairResult:
    from autoheal.sim import load_scenario, simulate
    from autoheal.sim.investigate import investigate_faults
    from autoheal.store.db import create_db_engine, migrate
    from autoheal.telemetry.embedded import EmbeddedTelemetry

    scenario = load_scenario(path)
    if len(scenario.faults) != 2:
        raise ValueError(f"{path}: a memory pair has exactly two faults, found {len(scenario.faults)}")
    cls = pair_class(scenario.tags)
    run = simulate(scenario)
    with tempfile.TemporaryDirectory(prefix="autoheal-bench-memory-") as tmp:
        telemetry = EmbeddedTelemetry(Path(tmp) / "telemetry.db")
        engine = create_db_engine("sqlite://")
        try:
            run.write_to(telemetry)
            migrate(engine)
            memory = TimedMemory(engine)
            outcomes = investigate_faults(run, telemetry, Path(tmp), engine, memory=memory, compare=True)
        finally:
            telemetry.close()
            engine.dispose()
    second = next((o for o in outcomes if o.fault == 1), None)
    if second is None or second.memory is None:
        raise ValueError(f"{path}: the second fault raised no alert to investigate")
    off = second.memory.get("without_memory") or {"tool_calls": second.tool_calls, "ranked": second.ranked}
    return PairResult(
        name=scenario.name,
        cls=cls,
        calls_on=second.tool_calls,
        calls_off=int(off["tool_calls"]),
        rank_on=rank_of(second.ranked, run, 1),
        rank_off=rank_of(off["ranked"], run, 1),
        anchored=bool(second.memory.get("anchored")),
        reason=str(second.memory.get("reason") or "no prior offered"),
        retrieval_ms=max(memory.recall_ms) if memory.recall_ms else 0.0,
        phases_on=dict(second.calls_by_phase or {}),
        phases_off=dict(off.get("calls_by_phase") or {}),
    )


def where_calls_go(results: Sequence[PairResult]) -> dict[str, dict[str, int]]:
    """Calls with memory on and off, summed over ``results``, per ``"phase tool"``."""
    out: dict[str, dict[str, int]] = {}
    for r in results:
        for side, phases in (("on", r.phases_on), ("off", r.phases_off)):
            for key, n in phases.items():
                row = out.setdefault(key, {"on": 0, "off": 0})
                row[side] += n
    return dict(sorted(out.items()))


def p99(values: Sequence[float]) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]


def summarise(results: Sequence[PairResult]) -> dict[str, Any]:
    def figures(rs: Sequence[PairResult]) -> dict[str, Any]:
        on = sum(r.calls_on for r in rs)
        off = sum(r.calls_off for r in rs)
        return {
            "pairs": len(rs),
            "tool_calls_on": on,
            "tool_calls_off": off,
            "calls_ratio": round(on / off, 4) if off else 0.0,
            "rank1_on": round(sum(r.rank_on == 1 for r in rs) / len(rs), 4) if rs else 0.0,
            "rank1_off": round(sum(r.rank_off == 1 for r in rs) / len(rs), 4) if rs else 0.0,
            "misled": sum(r.misled for r in rs),
            "anchored": sum(r.anchored for r in rs),
        }

    out = figures(results)
    out["p99_retrieval_ms"] = round(p99([r.retrieval_ms for r in results]), 3)
    out["median_retrieval_ms"] = (
        round(statistics.median([r.retrieval_ms for r in results]), 3) if results else 0.0
    )
    out["by_class"] = {c: figures([r for r in results if r.cls == c]) for c in CLASSES}
    # the ratio if every recurrence cost nothing: the pairs where memory may not shortcut keep
    # their calls (a stale lesson, a different fault), so calls_ratio cannot go below this
    rest = sum(r.calls_off for r in results if r.cls != "recurrence")
    total = sum(r.calls_off for r in results)
    out["floor_ratio"] = round(rest / total, 4) if total else 0.0
    out["anchored_calls"] = where_calls_go([r for r in results if r.anchored])
    return out

"""Case records of the simulator's investigations, in the shape ``autoheal bench rca --cases-out``
writes (one JSON object a line), for fitting the confidence map (docs/benchmarks.md,
"Calibration"; :mod:`autoheal.reasoning.calibration`).

Two sources, both judged by the same acceptance table as ``sim run`` (:mod:`autoheal.sim.truth`):

* ``pipeline``: every investigation the pipeline ran during the scenario that covered a fault
  (:mod:`autoheal.sim.judge`: judged when it finished), all modalities present;
* ``after_the_fact``: the per-fault investigation of ``sim run --investigate``
  (:func:`autoheal.sim.investigate.investigate_faults`) run on telemetry with modalities removed
  (``metrics+traces``: no log line written; ``metrics+logs``: no span; ``metrics``: neither), and
  once with everything. Removing evidence is how the fit sees wrong answers: with every modality
  the engine names nearly every simulated fault.
* the same four rows without the scenario's declared call graph (``-no-topology``: the topology
  tool is given a file with no edge). A scenario always declares its call graph, and a real
  system often does not (two of the three real data sets declare none): where traces are removed
  as well, the dependency checks have nothing to read and abstain, and the top cause may be
  ``inconclusive`` (10 of the 84 such records on the catalogue) — the fit's only such causes.

A record's ``confidence`` and ``second_confidence`` are the engine's *raw* confidences (the top
cause's, and the best of a cause on another service, 0 when none): the features the map reads.
"""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from autoheal.reasoning.coverage import report_scale
from autoheal.sim.engine import SimulatedRun

if TYPE_CHECKING:
    from autoheal.sim.judge import Judgement

ALL = ("metrics", "traces", "logs")
MODALITIES: dict[str, frozenset[str]] = {
    "all": frozenset(ALL),
    "metrics+traces": frozenset({"metrics", "traces"}),
    "metrics+logs": frozenset({"metrics", "logs"}),
    "metrics": frozenset({"metrics"}),
}
NO_TOPOLOGY = "-no-topology"  # a row's suffix: the declared call graph withheld


@dataclass(frozen=True, slots=True)
class Row:
    """What an after-the-fact investigation of a row may read: these modalities, and the
    scenario's call graph as a declared topology or not."""

    modalities: frozenset[str]
    topology: bool = True


ROWS: dict[str, Row] = {
    **{name: Row(m) for name, m in MODALITIES.items()},
    **{name + NO_TOPOLOGY: Row(m, topology=False) for name, m in MODALITIES.items()},
}


def parse_rows(text: str) -> list[str]:
    rows = [r.strip() for r in text.split(",") if r.strip()]
    bad = [r for r in rows if r not in ROWS]
    if bad or not rows:
        raise ValueError(f"unknown row {', '.join(bad) or '(none given)'}; choose from {', '.join(ROWS)}")
    return rows


def _raw(cause: Mapping[str, Any]) -> float:
    value = cause.get("raw_confidence")
    return float(cause.get("confidence") or 0.0) if value is None else float(value)


def report_case(report: Mapping[str, Any] | None) -> dict[str, Any]:
    """What the calibration reads of one report: the top cause's raw confidence (0 without a
    cause), the best raw confidence of another service's cause, the top verdict, the first five
    services, the modalities the report said were missing and its evidence coverage."""
    causes = list((report or {}).get("causes") or [])
    missing = sorted({str(g.get("modality")) for g in (report or {}).get("evidence_gaps") or []})
    coverage = report_scale(report)
    if not causes:
        return {
            "confidence": 0.0,
            "second_confidence": None,
            "verdict": None,
            "ranking": [],
            "missing": missing,
            "coverage": coverage,
        }
    top = causes[0]
    service = top["hypothesis"].get("service")
    others = [_raw(c) for c in causes if c["hypothesis"].get("service") != service]
    ranking = list(dict.fromkeys(str(c["hypothesis"].get("service")) for c in causes))[:5]
    return {
        "confidence": _raw(top),
        "second_confidence": max(others, default=0.0),
        "verdict": (top.get("verification") or {}).get("verdict"),
        "top_kind": top["hypothesis"].get("kind"),
        "ranking": ranking,
        "missing": missing,
        "coverage": coverage,
    }


def _record(
    run: SimulatedRun, ident: str, fault: int, hit: bool, case: Mapping[str, Any], row: str, source: str
) -> dict[str, Any]:
    spec = run.scenario.faults[fault]
    return {
        "dataset": "sim",
        "id": f"{run.scenario.name}/{ident}",
        "truth": spec.service,
        "truth_kind": spec.kind.value,
        "top1": hit,
        **case,
        "modalities": sorted(ROWS[row].modalities),
        "topology": ROWS[row].topology,
        "row": row,
        "source": source,
        "drop_fraction": 0.0,
        "seed": run.scenario.seed,
        "full": row == "all",  # every modality and the declared call graph
    }


def pipeline_records(run: SimulatedRun, judgement: Judgement) -> list[dict[str, Any]]:
    """One record per finished investigation of the pipeline that covered a fault."""
    return [
        _record(run, inv.id, inv.faults[0], bool(inv.correct), inv.case, "all", "pipeline")
        for inv in judgement.investigations
        if inv.faults and inv.status == "finished"
    ]


def without(run: SimulatedRun, modalities: Iterable[str]) -> SimulatedRun:
    """The run with the logs and / or spans of the modalities not in ``modalities`` removed."""
    keep = set(modalities)
    return dataclasses.replace(
        run,
        logs=run.logs if "logs" in keep else [],
        spans=run.spans if "traces" in keep else [],
    )


def after_the_fact_records(run: SimulatedRun, row: str) -> list[dict[str, Any]]:
    """Each fault's after-the-fact investigation on the run with ``row``'s modalities only."""
    from autoheal.sim.investigate import investigate_faults
    from autoheal.store.db import create_db_engine, migrate
    from autoheal.telemetry.embedded import EmbeddedTelemetry

    ablated = without(run, ROWS[row].modalities)
    with tempfile.TemporaryDirectory(prefix="autoheal-sim-cases-") as tmp:
        telemetry = EmbeddedTelemetry(Path(tmp) / "telemetry.db")
        engine = create_db_engine("sqlite://")
        try:
            ablated.write_to(telemetry)
            migrate(engine)
            outcomes = investigate_faults(
                ablated, telemetry, Path(tmp), engine, declared_topology=ROWS[row].topology
            )
        finally:
            telemetry.close()
            engine.dispose()
    return [
        _record(
            run,
            f"fault-{o.fault}-{row}",
            o.fault,
            o.matched_service and o.matched_kind,
            o.case,
            row,
            "after_the_fact",
        )
        for o in outcomes
    ]

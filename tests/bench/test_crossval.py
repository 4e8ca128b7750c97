"""Choosing the calibration map's design by leave-one-scenario-out on the simulator's records."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from autoheal.bench.calibration import Pair
from autoheal.bench.crossval import choose, cross_validate, render, scenario_of
from autoheal.cli.main import root


def _records(n: int) -> tuple[list[Pair], list[str]]:
    """A lead means opposite things with and without a call graph (with one, the close calls are
    the right ones here; without, the clear leads): what one map for both cannot say."""
    ps, groups = [], []
    for i in range(n):
        lead_small = i % 2 == 0
        second = 0.55 if lead_small else 0.05
        ps.append(Pair("sim", 0.6, lead_small or i % 8 == 1, second, "supported", 1 / 3, True))
        ps.append(Pair("sim", 0.6, (not lead_small) or i % 8 == 0, second, "supported", 1 / 3, False))
        groups += [f"s{i * 6 // n}"] * 2
    return ps, groups


def test_the_design_is_chosen_on_held_out_scenarios() -> None:
    ps, groups = _records(120)
    figures = cross_validate(ps, groups)
    assert set(figures) == {"raw", "one map", "per call graph"}
    assert figures["raw"]["folds"] == 6 and figures["raw"]["cases"] == len(ps)
    assert figures["per call graph"]["log_loss"] < figures["one map"]["log_loss"] < figures["raw"]["log_loss"]
    assert choose(figures) == "per call graph"
    assert any("<- fitted" in line and "per call graph" in line for line in render(figures))
    with pytest.raises(ValueError, match="one group per case"):
        cross_validate(ps, groups[:-1])
    assert scenario_of({"id": "disk-full-postgres/fault-0-metrics"}) == "disk-full-postgres"


def test_the_command_fits_the_chosen_design_and_says_so(tmp_path: Path) -> None:
    ps, groups = _records(60)
    sim = tmp_path / "sim.jsonl"
    rows = [
        {
            "dataset": "sim",
            "id": f"{g}/{i}",
            "confidence": p.confidence,
            "second_confidence": p.second,
            "verdict": p.verdict,
            "coverage": p.coverage,
            "missing": ["logs", "traces"] + ([] if p.call_graph else ["topology"]),
            "top1": p.hit,
            "full": False,
            "row": "metrics" if p.call_graph else "metrics-no-topology",
        }
        for i, (p, g) in enumerate(zip(ps, groups, strict=True))
    ]
    sim.write_text("".join(json.dumps(r) + "\n" for r in rows))
    real = tmp_path / "real.jsonl"
    real.write_text(json.dumps({**rows[1], "dataset": "x", "full": True}) + "\n")
    out = tmp_path / "map.json"
    args = ["bench", "calibration", "--fit-on", str(sim), "--cases", str(real), "--map-out", str(out)]
    result = CliRunner().invoke(root, args)
    assert result.exit_code == 0, result.output
    assert "leave one scenario out" in result.output and "without a call graph: p = sigmoid(" in result.output
    written = json.loads(out.read_text())
    assert written["design"] == "per call graph" and "without_call_graph" in written
    assert written["cross_validation"]["per call graph"]["folds"] == 6

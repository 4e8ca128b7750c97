"""Reliability, ECE, Brier and the leave-one-data-set-out Platt map (bench/calibration.py)."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from autoheal.bench.calibration import Pair, brier, calibrate, ece, fit, pairs, reliability
from autoheal.cli.main import root


def test_reliability_bins_ece_and_brier() -> None:
    ps = [(0.95, True), (0.95, True), (0.95, False), (0.95, True), (0.15, False), (0.15, True)]
    bins = reliability(ps)
    assert [b.cases for b in bins] == [0, 6 - 4, 0, 0, 0, 0, 0, 0, 0, 4]
    assert bins[9].accuracy == 0.75 and bins[1].accuracy == 0.5
    # |0.75 - 0.95| * 4/6 + |0.5 - 0.15| * 2/6
    assert ece(ps) == pytest.approx(0.2 * 4 / 6 + 0.35 * 2 / 6)
    assert brier([(1.0, True), (0.0, False)]) == 0.0
    assert brier([(1.0, False)]) == 1.0
    assert ece([(0.7, True)] * 7 + [(0.7, False)] * 3) == pytest.approx(0.0)


def test_logistic_map_corrects_overconfidence() -> None:
    # the engine says 0.9 and is right half the time; says 0.3 and is never right
    ps = [Pair("d", 0.9, True), Pair("d", 0.9, False)] * 20 + [Pair("d", 0.3, False)] * 20
    m = fit(ps)
    assert m(Pair("d", 0.9, True)) == pytest.approx(0.5, abs=0.05)
    assert m(Pair("d", 0.3, True)) < 0.1
    raw = [(p.confidence, p.hit) for p in ps]
    assert ece([(m(p), p.hit) for p in ps]) < ece(raw)
    with pytest.raises(ValueError):
        fit([])


def test_the_lead_over_the_next_service_is_read() -> None:
    # same confidence; right when far ahead of the next service, wrong when level with it
    ahead = [Pair("d", 0.6, True, second=0.1, verdict="supported")] * 20
    level = [Pair("d", 0.6, False, second=0.59, verdict="supported")] * 20
    m = fit(ahead + level)
    assert m(ahead[0]) > 0.8 and m(level[0]) < 0.2


def test_each_data_set_is_scored_by_a_map_fitted_without_it() -> None:
    data = [Pair("a", 0.9, i % 2 == 0) for i in range(20)] + [Pair("b", 0.9, i % 2 == 0) for i in range(20)]
    data += [Pair("c", 0.9, True) for _ in range(20)]
    cal = calibrate(data)
    assert cal.per_dataset["a"]["fitted_on"] == ["b", "c"]
    assert cal.per_dataset["c"]["fitted_on"] == ["a", "b"]
    # the map for c learnt from a and b (right half the time at 0.9), so it lowers c's confidence
    assert cal.maps["c"](Pair("c", 0.9, True)) < 0.7
    assert cal.per_dataset["a"]["before"]["ECE"] == pytest.approx(0.4)
    assert cal.overall["after"]["cases"] == 60


def test_pairs_keep_full_modality_records_only() -> None:
    base = {"dataset": "d", "confidence": 0.8, "top1": True, "full": True}
    records = [
        base,
        {**base, "full": False},
        {k: v for k, v in base.items() if k != "full"},
        {**base, "confidence": None},
    ]
    assert pairs(records) == [Pair("d", 0.8, True)]


def test_calibration_command_reads_case_records(tmp_path: Path) -> None:
    lines = []
    for d in ("x", "y"):
        for i in range(10):
            lines.append(
                json.dumps(
                    {
                        "dataset": d,
                        "confidence": 0.8,
                        "top1": i < 8,
                        "full": True,
                    }
                )
            )
    path = tmp_path / "cases.jsonl"
    path.write_text("\n".join(lines) + "\n")
    result = CliRunner().invoke(root, ["bench", "calibration", "--cases", str(path)])
    assert result.exit_code == 0, result.output
    last = json.loads(result.output.strip().splitlines()[-1])
    assert last["calibration"]["x"]["before"]["ECE"] == pytest.approx(0.0)
    assert last["calibration"]["x"]["fitted_on"] == ["y"]
    assert "ECE" in result.output
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{not json\n")
    result = CliRunner().invoke(root, ["bench", "calibration", "--cases", str(bad)])
    assert result.exit_code != 0 and "not a JSON line" in result.output


def test_reliability_diagram_is_a_png(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    from autoheal.bench.diagram import reliability_png

    data = [Pair("a", 0.6, i % 3 > 0) for i in range(12)] + [Pair("b", 0.4, i % 2 > 0) for i in range(12)]
    out = tmp_path / "reliability.png"
    reliability_png(calibrate(data), out)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

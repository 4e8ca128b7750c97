"""Reliability, ECE, Brier, the logistic map fitted on simulator records (bench/calibration.py),
and the map as the engine applies it (reasoning/calibration.py)."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from autoheal.bench.calibration import Pair, apply, brier, calibrate, ece, fit, pairs, reliability
from autoheal.cli.main import root
from autoheal.reasoning.calibration import ConfidenceMap, default_map
from autoheal.reasoning.calibration import calibrate as calibrate_causes


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
    ps = [Pair("sim", 0.9, True), Pair("sim", 0.9, False)] * 20 + [Pair("sim", 0.3, False)] * 20
    m = fit(ps)
    assert apply(m, Pair("d", 0.9, True)) == pytest.approx(0.5, abs=0.05)
    assert apply(m, Pair("d", 0.3, True)) < 0.1
    raw = [(p.confidence, p.hit) for p in ps]
    assert ece([(apply(m, p), p.hit) for p in ps]) < ece(raw)
    with pytest.raises(ValueError):
        fit([])


def test_the_lead_over_the_next_service_is_read() -> None:
    # same confidence; right when far ahead of the next service, wrong when level with it
    ahead = [Pair("sim", 0.6, True, second=0.1, verdict="supported")] * 20
    level = [Pair("sim", 0.6, False, second=0.59, verdict="supported")] * 20
    m = fit(ahead + level)
    assert apply(m, ahead[0]) > 0.75 and apply(m, level[0]) < 0.25  # the ridge shrinks a little


def test_real_data_sets_are_scored_by_the_map_fitted_on_the_simulator() -> None:
    sim = [Pair("sim", 0.9, i % 2 == 0) for i in range(40)]  # right half the time at 0.9
    m = fit(sim)
    real = [Pair("a", 0.9, True) for _ in range(10)] + [Pair("b", 0.9, i % 2 == 0) for i in range(10)]
    cal = calibrate(real, m, sim)
    assert set(cal.per_dataset) == {"a", "b"}
    assert cal.per_dataset["b"]["before"]["ECE"] == pytest.approx(0.4)
    assert cal.per_dataset["b"]["after"]["ECE"] == pytest.approx(0.0, abs=0.05)
    assert cal.per_dataset["a"]["after"]["mean_confidence"] == pytest.approx(0.5, abs=0.05)
    assert cal.fit_set["before"]["cases"] == 40 and cal.overall["after"]["cases"] == 20


def test_pairs_keep_full_modality_records_only_and_read_raw_confidences() -> None:
    base = {"dataset": "d", "confidence": 0.8, "top1": True, "full": True}
    records = [
        base,
        {**base, "full": False},
        {k: v for k, v in base.items() if k != "full"},
        {**base, "confidence": None},
    ]
    assert pairs(records) == [Pair("d", 0.8, True)]
    assert len(pairs(records, full_only=False)) == 3
    raw = {**base, "raw_confidence": 0.6, "second_confidence": 0.5, "raw_second_confidence": 0.2}
    assert pairs([raw]) == [Pair("d", 0.6, True, 0.2)]


def test_the_engine_keeps_the_order_and_never_shows_more_below() -> None:
    m = ConfidenceMap((1.0, 2.0, 0.5, 0.0, 0.0, 0.0), 0.0)
    ranked = [
        ("a", 0.8, "supported"),
        ("a", 0.79, "supported"),
        ("b", 0.7, "supported"),
        ("c", 0.2, "inconclusive"),
    ]
    out = calibrate_causes(ranked, m)
    assert out == sorted(out, reverse=True) and out[0] > 0.8  # a far ahead of b: more than its raw 0.8
    assert calibrate_causes([("a", 0.0, "inconclusive")], m) == [0.0]
    # two causes of one service below the map's range read the same: the engine's order is kept
    edge = ConfidenceMap((1.0, 0.0, 0.0, 0.0, 0.0, 0.0), 0.0, ranges=((0.0, 3.0),) + ((0.0, 1.0),) * 5)
    query, backup = calibrate_causes([("db", 0.07, "supported"), ("db", 0.05, "supported")], edge)
    assert query == 0.5 and backup == pytest.approx(0.5 * 0.05 / 0.07, abs=1e-4)
    assert calibrate_causes([("db", 0.07, "x"), ("db", 0.07, "x")], edge) == [0.5, 0.5]  # a real tie
    committed = default_map()
    assert committed.about.get("command", "").startswith("autoheal sim cases")
    assert "simulator" in committed.about["method"] and committed.about["fitted_on"]["records"] > 100
    with pytest.raises(ValueError, match="not a confidence map"):
        ConfidenceMap.from_json({"weights": {"logit_confidence": 1}})


def _write(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def test_calibration_command_fits_on_simulator_records(tmp_path: Path) -> None:
    sim = _write(
        tmp_path / "sim.jsonl",
        [
            {"dataset": "sim", "confidence": 0.9, "top1": i % 2 == 0, "full": i < 10, "row": "all"}
            for i in range(20)
        ],
    )
    real = _write(
        tmp_path / "cases.jsonl",
        [
            {"dataset": d, "confidence": 0.9, "top1": i < 5, "full": True}
            for d in ("x", "y")
            for i in range(10)
        ],
    )
    out = tmp_path / "map.json"
    args = ["bench", "calibration", "--cases", str(real), "--fit-on", str(sim), "--map-out", str(out)]
    result = CliRunner().invoke(root, args)
    assert result.exit_code == 0, result.output
    last = json.loads(result.output.strip().splitlines()[-1])["calibration"]
    assert last["x"]["before"]["ECE"] == pytest.approx(0.4)
    assert last["x"]["after"]["ECE"] == pytest.approx(0.0, abs=0.05)
    assert last["fit_set"]["before"]["cases"] == 20  # every simulator record, ablated ones too
    written = json.loads(out.read_text())
    assert written["fitted_on"]["records"] == 20 and written["fitted_on"]["rows"] == {"all": 20}
    assert ConfidenceMap.from_json(written).bias == pytest.approx(last["map"]["bias"], abs=1e-6)
    # with the committed map and no fit
    result = CliRunner().invoke(root, ["bench", "calibration", "--cases", str(real)])
    assert result.exit_code == 0 and "ECE" in result.output
    bad = _write(tmp_path / "bad.jsonl", [])
    bad.write_text("{not json\n")
    result = CliRunner().invoke(root, ["bench", "calibration", "--cases", str(bad)])
    assert result.exit_code != 0 and "not a JSON line" in result.output
    result = CliRunner().invoke(root, ["bench", "calibration", "--cases", str(real), "--map-out", str(out)])
    assert result.exit_code != 0 and "--map-out needs --fit-on" in result.output
    result = CliRunner().invoke(root, ["bench", "calibration", "--cases", str(real), "--fit-on", str(real)])
    assert result.exit_code != 0 and "no simulator case records" in result.output


def test_reliability_diagram_is_a_png(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    from autoheal.bench.diagram import reliability_png

    data = [Pair("a", 0.6, i % 3 > 0) for i in range(12)] + [Pair("b", 0.4, i % 2 > 0) for i in range(12)]
    out = tmp_path / "reliability.png"
    reliability_png(calibrate(data, fit(data)), out)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_map_is_not_extrapolated_beyond_its_training_range() -> None:
    # fitted on confidences 0.9-0.99 only: a case at 0.5 is read as the lowest one it saw
    sim = [Pair("sim", 0.9 + 0.01 * (i % 10), i % 7 > 0, 0.5, "supported") for i in range(70)]
    m = fit(sim)
    assert m.ranges is not None and m.ranges[0][0] == pytest.approx(2.1972, abs=1e-3)  # logit(0.9)
    assert apply(m, Pair("d", 0.5, True, 0.25, "supported")) == pytest.approx(
        apply(m, Pair("d", 0.9, True, 0.45, "supported"))
    )
    back = ConfidenceMap.from_json(m.to_json()).ranges
    assert back is not None and [round(v, 4) for r in back for v in r] == [
        round(v, 4) for r in m.ranges for v in r
    ]


def test_a_verdict_the_map_never_saw_keeps_its_raw_confidence() -> None:
    # every fitted case was supported: an inconclusive cause is outside the map, not clamped into it
    sim = [Pair("sim", 0.9 + 0.01 * (i % 10), i % 7 > 0, 0.5, "supported") for i in range(70)]
    m = fit(sim)
    assert apply(m, Pair("d", 0.07, True, 0.05, "inconclusive")) == 0.07
    assert apply(m, Pair("d", 0.07, True, 0.05, "supported")) > 0.5  # clamped to the range it saw
    shown = calibrate_causes([("db", 0.9, "supported"), ("db", 0.07, "inconclusive")], m)
    assert shown[0] > 0.5 and shown[1] == 0.07


def test_missing_evidence_and_an_inconclusive_verdict_lower_the_map() -> None:
    # the engine says 0.9 either way; right with every modality, wrong half the time on metrics
    # alone, and mostly wrong when its top cause is inconclusive there
    full = [Pair("sim", 0.9, True, 0.3, "supported", 1.0)] * 30
    thin = [Pair("sim", 0.9, i % 2 == 0, 0.3, "supported", 1 / 3) for i in range(30)]
    unsure = [Pair("sim", 0.9, i % 5 == 0, 0.3, "inconclusive", 1 / 3) for i in range(30)]
    m = fit(full + thin + unsure)
    assert m.verdicts == ("inconclusive", "supported") and m.coverages == (0.3333, 1.0)
    at_full = apply(m, Pair("d", 0.9, True, 0.3, "supported", 1.0))
    at_third = apply(m, Pair("d", 0.9, True, 0.3, "supported", 1 / 3))
    inconclusive = apply(m, Pair("d", 0.9, True, 0.3, "inconclusive", 1 / 3))
    assert at_full > 0.85 and inconclusive < at_third < at_full
    assert inconclusive < 0.45
    # a coverage the fit never saw (2 of 3 modalities) is not mapped: the raw confidence stays
    assert apply(m, Pair("d", 0.9, True, 0.3, "supported", 2 / 3)) == 0.9
    back = ConfidenceMap.from_json(m.to_json())
    assert back.verdicts == m.verdicts and back.coverages == m.coverages
    assert calibrate_causes([("a", 0.9, "inconclusive")], m, 1 / 3) == [round(inconclusive, 4)]


def test_a_missing_call_graph_is_a_feature_and_unmapped_where_the_fit_never_saw_one() -> None:
    # the same confidence and verdict: right with a call graph, right a third of the time without
    graph = [Pair("sim", 0.6, True, 0.3, "supported", 1 / 3, True)] * 30
    bare = [Pair("sim", 0.6, i % 3 == 0, 0.3, "supported", 1 / 3, False) for i in range(30)]
    m = fit(graph + bare)
    with_graph = apply(m, Pair("d", 0.6, True, 0.3, "supported", 1 / 3, True))
    without = apply(m, Pair("d", 0.6, True, 0.3, "supported", 1 / 3, False))
    assert with_graph > 0.8 and without < 0.5
    assert calibrate_causes([("a", 0.6, "supported")], m, 1 / 3, call_graph=False) == [round(without, 4)]
    # fitted with a call graph only: a report without one keeps its raw confidence
    only = fit(graph + [Pair("sim", 0.6, False, 0.3, "supported", 1 / 3, True)] * 5)
    assert apply(only, Pair("d", 0.6, True, 0.3, "supported", 1 / 3, False)) == 0.6
    assert apply(only, Pair("d", 0.6, True, 0.3, "supported", 1 / 3, True)) != 0.6
    back = ConfidenceMap.from_json(only.to_json())  # the range of call_graph survives the file
    assert apply(back, Pair("d", 0.6, True, 0.3, "supported", 1 / 3, False)) == 0.6
    # a record's call graph is read from its missing evidence
    base = {"dataset": "d", "confidence": 0.8, "top1": True, "full": True}
    assert [p.call_graph for p in pairs([{**base, "missing": ["logs", "topology"]}, base])] == [False, True]


def test_the_coverage_of_a_record_is_its_answered_share() -> None:
    base = {"dataset": "d", "confidence": 0.8, "top1": True, "full": False, "row": "metrics"}
    assert pairs([{**base, "missing": ["logs", "traces"]}], full_only=False)[0].coverage == pytest.approx(
        1 / 3, abs=1e-3
    )
    assert pairs([{**base, "missing": ["logs"], "coverage": 0.5}], full_only=False)[0].coverage == 0.5
    assert pairs([{**base, "missing": []}], full_only=False, by_row=True)[0].dataset == "d metrics"


def test_calibration_command_scores_ablated_rows_with_all_rows(tmp_path: Path) -> None:
    sim = _write(
        tmp_path / "sim.jsonl",
        [
            {
                "dataset": "sim",
                "confidence": 0.9,
                "top1": i % 3 > 0,
                "full": i < 10,
                "row": "all",
                "missing": [],
            }
            for i in range(30)
        ],
    )
    rows = [
        {"dataset": "x", "confidence": 0.9, "top1": i < 9, "full": True, "row": "all", "missing": []}
        for i in range(10)
    ] + [
        {
            "dataset": "x",
            "confidence": 0.3,
            "top1": i < 2,
            "full": False,
            "row": "metrics",
            "missing": ["logs", "traces"],
        }
        for i in range(10)
    ]
    real = _write(tmp_path / "matrix.jsonl", rows)
    args = ["bench", "calibration", "--cases", str(real), "--fit-on", str(sim), "--json"]
    only_full = json.loads(CliRunner().invoke(root, args).output.strip().splitlines()[-1])["calibration"]
    assert set(only_full) - {"overall", "method", "map", "fit_set"} == {"x"}
    result = CliRunner().invoke(root, [*args, "--all-rows"])
    assert result.exit_code == 0, result.output
    last = json.loads(result.output.strip().splitlines()[-1])["calibration"]
    assert last["x all"]["before"]["cases"] == 10 and last["x metrics"]["before"]["accuracy"] == 0.2
    # coverage 1/3 never occurred in the fit: the metrics row is shown its raw confidence
    assert last["x metrics"]["after"]["mean_confidence"] == pytest.approx(0.3)


def test_the_committed_map_prices_missing_evidence_through_the_scaled_confidence() -> None:
    committed = default_map()
    assert committed.coverages == (0.3333, 0.6667, 1.0) and committed.verdicts == ("supported",)
    assert committed.about["fitted_on"]["rows"]["metrics"] > 0
    # the same finding at full coverage and on metrics alone (the engine scaled it by 1/3 there)
    full = committed(0.9, 0.3, "supported", 1.0)
    alone = committed(0.3, 0.1, "supported", 1 / 3)
    assert alone < full
    # with a call graph no simulator top cause was inconclusive: such a cause keeps its raw one
    assert committed(0.06, 0.02, "inconclusive", 1 / 3) == 0.06 < alone
    # without a call graph the simulator's inconclusive top causes were right: its own map reads them
    assert committed.about["design"] == "per call graph" and committed.bare is not None
    assert "inconclusive" in committed.bare.verdicts
    far_ahead = committed(0.06, 0.005, "inconclusive", 1 / 3, call_graph=False)
    close = committed(0.06, 0.05, "inconclusive", 1 / 3, call_graph=False)
    assert close < far_ahead and far_ahead > 0.5
    # every modality without a call graph never occurred in the simulator: not mapped
    assert committed(0.9, 0.1, "supported", 1.0, call_graph=False) == 0.9

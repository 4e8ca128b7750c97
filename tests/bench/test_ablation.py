"""Modality ablations and missing minutes (bench/ablation.py), and the matrix's rows (bench/matrix.py)."""

import math
from pathlib import Path

import pytest

from autoheal.bench.ablation import ALL, Ablation, apply, dropped_minutes, parse_modalities
from autoheal.bench.engine_path import EngineRanker, entry_edges
from autoheal.bench.matrix import ROWS, effective, parse_datasets, parse_rows, parse_seeds
from autoheal.errors import ConfigError
from tests.bench.test_engine_path import _bundle, _case


def test_parse_modalities_names_what_is_wrong() -> None:
    assert parse_modalities("metrics, traces") == {"metrics", "traces"}
    with pytest.raises(ConfigError, match="unknown modality spans"):
        parse_modalities("metrics,spans")
    with pytest.raises(ConfigError, match="no modality"):
        parse_modalities(" , ")
    with pytest.raises(ConfigError, match="drop fraction"):
        Ablation(ALL, 1.0)


def test_full_ablation_is_the_bundle_itself() -> None:
    bundle = _bundle()
    assert apply(bundle, Ablation(), "g1") is bundle


def test_modalities_are_removed_and_with_traces_the_graph_they_gave() -> None:
    bundle = _bundle()
    metrics_only = apply(bundle, Ablation(frozenset({"metrics"})), "g1")
    assert metrics_only.series == bundle.series and not metrics_only.spans and not metrics_only.logs
    assert entry_edges(metrics_only) == []  # the entry edges came from the span roots
    with_logs = apply(bundle, Ablation(frozenset({"metrics", "logs"})), "g1")
    assert with_logs.logs == bundle.logs and not with_logs.spans
    assert len(bundle.spans) == 90 and bundle.logs  # the original is untouched


def test_drop_fraction_removes_that_share_of_minutes_with_a_seed() -> None:
    bundle = _bundle()  # 45 minutes of spans and of logs
    a = apply(bundle, Ablation(ALL, 0.6, seed=1), "g1")
    b = apply(bundle, Ablation(ALL, 0.6, seed=1), "g1")
    c = apply(bundle, Ablation(ALL, 0.6, seed=2), "g1")
    minutes = {math.floor(s.start.timestamp() / 60) for s in a.spans}
    assert len(minutes) == 45 - 27  # round(0.6 * 45) minutes gone
    assert a.spans == b.spans and a.logs == b.logs
    assert a.spans != c.spans
    # traces and logs lose different minutes (separate draws)
    log_minutes = {math.floor(r.at.timestamp() / 60) for r in a.logs}
    assert log_minutes != minutes
    assert a.series == bundle.series  # metrics are never dropped
    assert dropped_minutes(range(10), 0.0, 0, "traces", "g") == set()


def test_engine_without_traces_and_logs_still_ranks_by_metrics_and_says_what_was_missing() -> None:
    ranker = EngineRanker()
    ranking = ranker(_case(), apply(_bundle(), Ablation(frozenset({"metrics"})), "g1"))
    assert ranking[0] == "db"
    # the bundle declares no call graph: without its traces there is none (a topology gap)
    assert set(ranker.missing) == {"traces", "logs", "topology"}
    full = EngineRanker()
    assert full(_case(), _bundle())[0] == "db" and full.missing == []


def test_matrix_rows_give_a_metrics_only_data_set_the_metrics_input() -> None:
    rows = {r.name: r for r in ROWS}
    assert effective(rows["all -60%"], "petshop") == (frozenset({"metrics"}), 0.0)
    assert effective(rows["all -60%"], "nezha") == (ALL, 0.6)
    assert effective(rows["metrics+logs"], "nezha") == (frozenset({"metrics", "logs"}), 0.0)
    assert parse_datasets("all") == ["nezha", "rcd-sockshop", "petshop"]
    assert [r.name for r in parse_rows("metrics,all")] == ["metrics", "all"]
    assert parse_seeds("0,1,2") == [0, 1, 2]
    for bad in (
        lambda: parse_datasets("nezha,kafka"),
        lambda: parse_rows("all -90%"),
        lambda: parse_seeds("a"),
    ):
        with pytest.raises(ConfigError):
            bad()


def test_matrix_plan_runs_each_distinct_input_once_with_baselines_on_the_first() -> None:
    from autoheal.bench.matrix import Matrix, plan

    tasks = plan(Matrix(["petshop", "nezha"], list(ROWS), [0, 1]), with_baselines=True)
    petshop = [t for t in tasks if t.dataset == "petshop"]
    assert [t.ablation for t in petshop] == [Ablation(frozenset({"metrics"}))]  # every row is metrics
    nezha = [t for t in tasks if t.dataset == "nezha"]
    assert len(nezha) == 4 + 2 * 2  # four modality rows, two drop rows per seed
    assert sorted((t.ablation.drop_fraction, t.ablation.seed) for t in nezha if t.ablation.drop_fraction) == [
        (0.3, 0),
        (0.3, 1),
        (0.6, 0),
        (0.6, 1),
    ]
    assert [t.baselines for t in nezha] == [True] + [False] * 7 and petshop[0].baselines
    assert not any(t.baselines for t in plan(Matrix(["nezha"], list(ROWS), [0]), with_baselines=False))


def test_case_records_are_appended_with_the_extra_fields(tmp_path: Path) -> None:
    import json

    from autoheal.bench.runner import RcaResult

    case = _case()
    result = RcaResult(
        dataset=case.dataset, path="engine", cases=[case], rankings={"autoheal": {case.id: ["db"]}}
    )
    out = tmp_path / "cases.jsonl"
    result.append_case_records(out)
    result.append_case_records(out, row="metrics", full=False)
    first, second = (json.loads(line) for line in out.read_text().splitlines())
    assert first["full"] is True and first["ranking"] == ["db"] and "row" not in first
    assert second["full"] is False and second["row"] == "metrics" and second["id"] == case.id

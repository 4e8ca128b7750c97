"""Nezha's inner-service score (AIS@k): which report causes name the labelled code region or resource."""

from __future__ import annotations

from pathlib import Path

import pytest

from autoheal.bench import inner, runner
from autoheal.bench.model import BenchCase
from autoheal.bench.nezha import inner_labels

from .test_engine_path import _bundle, _case

PAIR = "t.s.TravelServiceImpl#451_t.s.TravelServiceImpl#457"


def _cause(
    service: str, kind: str = "code_error", component: str = "", statement: str = ""
) -> dict[str, str]:
    return {"service": service, "kind": kind, "component": component, "statement": statement}


def test_a_code_label_is_named_by_either_statement_of_the_pair() -> None:
    svc = "ts-travel-service"
    assert inner.names(_cause(svc, component="'calc' (t.s.TravelServiceImpl#451)"), svc, PAIR)
    assert inner.names(_cause(svc, statement="... now follows 'x (t.s.TravelServiceImpl#457)'"), svc, PAIR)
    # a line inside the region names it; outside it, in another class or a longer number: not
    assert inner.names(_cause(svc, component="'return' (t.s.TravelServiceImpl#455)"), svc, PAIR)
    assert not inner.names(_cause(svc, component="t.s.TravelServiceImpl#45"), svc, PAIR)
    assert not inner.names(_cause(svc, component="t.s.TravelServiceImpl#458"), svc, PAIR)
    assert not inner.names(_cause(svc, component="t.s.TravelServiceImpl#4510"), svc, PAIR)
    assert not inner.names(_cause(svc, component="t.s.OtherServiceImpl#455"), svc, PAIR)
    assert not inner.names(_cause("ts-travel2-service", component="t.s.TravelServiceImpl#451"), svc, PAIR)


def test_message_and_resource_labels() -> None:
    svc = "ts-delivery-service"
    label = "Receive delivery object_Save delivery object into database success"
    assert inner.names(_cause(svc, component="[Receive delivery object] <*>"), svc, label)
    assert not inner.names(_cause(svc, component="[Deliver failed]"), svc, label)
    route = "RouteController.queryByIds start_r.c.RouteController#53"
    assert inner.names(
        _cause(svc, statement="'<END>' now follows 'span RouteController.queryByIds'"), svc, route
    )
    assert not inner.names(_cause(svc, statement="'span RouteController.queryByIdsAll'"), svc, route)
    cpu, net = "CpuUsageRate(%)", "NetworkP90(ms)"
    assert inner.names(_cause(svc, "resource_saturation", "cpu_usage_ratio"), svc, cpu)
    assert not inner.names(_cause(svc, "resource_saturation", "memory_usage_ratio"), svc, cpu)
    assert inner.names(_cause(svc, "network_latency", ""), svc, net)
    assert not inner.names(_cause(svc, "latency", "GET /"), svc, net)


def test_ranking_reduces_causes_to_keys_in_report_order() -> None:
    svc = "ts-travel-service"
    causes = [
        _cause("ts-order-service", "latency", "SELECT"),
        _cause(svc, "latency", "GET /trips"),
        _cause(svc, component="x (t.s.TravelServiceImpl#451)"),
        _cause(svc, component="y (t.s.TravelServiceImpl#457)"),  # the same label again: one key
    ]
    keys = inner.ranking(causes, svc, PAIR)
    assert keys == ["ts-order-service:SELECT", f"{svc}:GET /trips", f"{svc}:{PAIR}"]


def test_report_causes_reads_the_hypotheses() -> None:
    report = {"causes": [{"hypothesis": {"service": "a", "kind": "k", "component": "c", "statement": "s"}}]}
    assert inner.report_causes(report) == [_cause("a", "k", "c", "s")]
    assert inner.report_causes({}) == []


def test_labels_file_is_optional(tmp_path: Path) -> None:
    assert inner_labels(tmp_path) == {}
    (tmp_path / "construct_data").mkdir()
    (tmp_path / "construct_data" / "root_cause_ts.json").write_text('{"svc": {"return": "A#1_A#2"}}')
    assert inner_labels(tmp_path) == {"svc": {"return": "A#1_A#2"}}


def test_engine_run_scores_labelled_cases(monkeypatch: pytest.MonkeyPatch) -> None:
    base = _case()
    labelled = BenchCase(
        **{**{f: getattr(base, f) for f in base.__dataclass_fields__}, "inner": "CpuUsageRate(%)"}
    )
    monkeypatch.setitem(runner.LOADERS, "synthetic", lambda _dir: iter([(labelled, _bundle())]))
    result = runner.run_rca("synthetic", Path("."), with_baselines=False)
    keys, truth = result.inner["c1"]
    assert truth == "db:CpuUsageRate(%)"
    out = result.to_json()["inner"]
    assert out["cases"] == 1 and out["groups"]["cpu"]["cases"] == 1
    # the db's CPU shift is one of the report's first causes (after its log and trace findings)
    assert keys.index(truth) < 5 and out["AIS@5"] == 1.0
    # unlabelled data sets print no inner score
    monkeypatch.setitem(runner.LOADERS, "synthetic", lambda _dir: iter([(base, _bundle())]))
    assert "inner" not in runner.run_rca("synthetic", Path("."), with_baselines=False).to_json()

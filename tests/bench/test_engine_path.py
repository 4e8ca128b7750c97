"""The engine path: loaders -> EmbeddedTelemetry -> tools -> governance Gateway -> Investigator."""

from datetime import UTC, datetime, timedelta

import pytest

from autoheal.bench import default_data_dir
from autoheal.bench.engine_path import (
    EngineRanker,
    case_alert,
    case_config,
    entry_edges,
    ranked_services,
)
from autoheal.bench.model import BenchCase, Bundle
from autoheal.bench.runner import run_rca
from autoheal.errors import ConfigError
from autoheal.reasoning.engine import windows
from autoheal.telemetry.model import LogRecord, Series, Span

DATA = default_data_dir()
needs_data = pytest.mark.skipif(not DATA.is_dir(), reason=f"bench data not found at {DATA}")
T0 = 1_700_000_000.0


def _case(target: str | None = None) -> BenchCase:
    return BenchCase(
        dataset="synthetic",
        id="c1",
        root_cause="db",
        kind="cpu",
        group="g1",
        incident=(T0 + 2400, T0 + 2700),
        reference=(T0, T0 + 2400),
        target=target,
    )


def _bundle() -> Bundle:
    stamps = tuple(T0 + 60 * i for i in range(45))
    series = [
        Series("cpu", {"service": "api"}, stamps, tuple(10.0 + i % 3 for i in range(45))),
        Series("cpu", {"service": "db"}, stamps, tuple(10.0 + i % 3 if i < 40 else 90.0 for i in range(45))),
    ]
    logs: list[LogRecord] = []
    spans: list[Span] = []
    for i in range(45):
        at = datetime.fromtimestamp(T0 + 60 * i + 5, UTC)
        logs.append(LogRecord(at, "api", "info", f"INFO request {i} served"))
        if i >= 40:
            logs += [LogRecord(at, "db", "error", f"ERROR query {i} failed: timeout")] * 3
        db_ms = 80.0 if i >= 40 else 5.0
        spans += [
            Span(f"t{i}", "a", None, "api", "GET /", at, 11 + db_ms),
            Span(f"t{i}", "b", "a", "db", "SELECT", at + timedelta(milliseconds=1), db_ms),
        ]
    return Bundle(series=series, logs=logs, spans=spans)


def test_engine_windows_are_the_case_windows() -> None:
    case = _case()
    alert = case_alert(case)
    assert alert.service == "frontend" and alert.starts_at.timestamp() == case.incident[0]
    incident, reference = windows([alert], datetime.fromtimestamp(case.incident[1], UTC), case_config(case))
    assert (incident.start.timestamp(), incident.end.timestamp()) == case.incident
    assert (reference.start.timestamp(), reference.end.timestamp()) == case.reference
    assert case_alert(_case(target="api")).service == "api"


def test_entry_edges_from_trace_roots() -> None:
    assert entry_edges(_bundle()) == [("frontend", "api")]
    assert entry_edges(Bundle(edges=[("a", "b")])) == [("a", "b")]


def test_engine_ranks_the_faulty_service_through_the_gateway() -> None:
    ranker = EngineRanker()
    ranking = ranker(_case(), _bundle())
    assert ranking[0] == "db"
    assert ranker.tool_calls > 5 and ranker.refused == 0


def test_ranked_services_causes_then_ruled_out_once() -> None:
    report = {
        "causes": [{"hypothesis": {"service": "a"}}, {"hypothesis": {"service": "b"}}],
        "ruled_out": [{"hypothesis": {"service": "a"}}, {"hypothesis": {"service": "c"}}],
    }
    assert ranked_services(report) == ["a", "b", "c"]


def test_unknown_path_is_refused() -> None:
    with pytest.raises(ConfigError):
        run_rca("rcd-sockshop", DATA, path="nowhere")


@needs_data
def test_sockshop_slice_through_the_engine() -> None:
    result = run_rca("rcd-sockshop", DATA, limit=2, with_baselines=False)
    out = result.to_json()
    assert out["path"] == "engine" and out["cases"] == 2
    assert out["autoheal"]["AS@1"] == 1.0
    assert out["tool_calls"] > 0 and out["refused_calls"] == 0


def test_case_alert_carries_the_stated_symptom_as_its_expression() -> None:
    from dataclasses import replace

    from autoheal.bench.petshop import metric_name
    from autoheal.reasoning.reading import expression_from_url
    from autoheal.reasoning.symptoms import alert_symptoms

    assert metric_name("latency", "Average") == "latency_average"
    assert metric_name("availability", "Average") == "unavailability_average"
    case = replace(_case(target='petInfo_AWS::DynamoDB::Table "x"'), symptom="latency_average")
    alert = case_alert(case)
    assert expression_from_url(alert.generator_url) == (
        'latency_average{service="petInfo_AWS::DynamoDB::Table \\"x\\""}'
    )
    (symptom,) = alert_symptoms([alert])
    assert (symptom.metric, dict(symptom.labels)) == ("latency_average", {"service": case.target})
    assert case_alert(_case(target="api")).generator_url is None  # no stated symptom, no expression
    assert case_alert(replace(_case(), symptom="latency_average")).generator_url is None  # no node


@needs_data
def test_petshop_alerts_name_a_series_the_case_holds() -> None:
    from autoheal.bench.petshop import cases
    from autoheal.reasoning.symptoms import alert_symptoms

    case, bundle = next(iter(cases(DATA)))
    (symptom,) = alert_symptoms([case_alert(case)])
    held = {(s.name, s.labels["service"]) for s in bundle.series}
    assert (symptom.metric, case.target) in held

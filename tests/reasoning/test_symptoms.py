"""The symptom an alert names: metrics of its rule's PromQL expression (promql-parser)."""

import pytest

from autoheal.reasoning.symptoms import Symptom, alert_symptoms, family, is_symptom, symptoms_of
from tests.reasoning.fakes import alert


def _names(expr: str | None) -> list[tuple[str, str | None]]:
    return [(s.metric, s.statistic) for s in symptoms_of(expr)]


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ('latency_average{service="PetSite"}', [("latency_average", None)]),
        ("up == 0", [("up", None)]),
        (
            'histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{job="api"}[5m]))) > 0.5',
            [("http_request_duration_seconds_bucket", "p99")],
        ),
        ("quantile_over_time(0.9, latency_ms[10m]) > 200", [("latency_ms", "p90")]),
        ("quantile(0.95, latency_ms) > 200", [("latency_ms", "p95")]),
        ("max(avg_over_time(queue_depth[5m])) > 100", [("queue_depth", "avg")]),
        ("avg by (service) (cpu_usage_ratio) > 0.9", [("cpu_usage_ratio", "avg")]),
        (
            "sum(rate(errors_total[5m])) / sum(rate(requests_total[5m])) > 0.05",
            [("errors_total", "rate"), ("requests_total", "rate")],
        ),
        ("increase(restarts_total[1h]) > 3", [("restarts_total", "increase")]),
        ('{__name__="error_ratio", service="checkout"} > 0.1', [("error_ratio", None)]),
        ("a or b", [("a", None), ("b", None)]),
        ("error_ratio + error_ratio", [("error_ratio", None)]),
    ],
)
def test_symptoms_of_an_expression(expr: str, expected: list[tuple[str, str | None]]) -> None:
    assert _names(expr) == expected


@pytest.mark.parametrize(
    "expr",
    [
        "disk_used_bytes > disk_size_bytes * 0.9",  # comparison: the left side is the value
        "disk_used_bytes and on(instance) up == 1",  # and / unless: a condition on the right
        "disk_used_bytes unless maintenance_mode",
    ],
)
def test_only_the_left_side_of_a_filter_is_the_symptom(expr: str) -> None:
    assert _names(expr) == [("disk_used_bytes", None)]


@pytest.mark.parametrize(
    "expr",
    [None, "", "rate(", "foo{", "1 > 0", "vector(1)", '{__name__=~"http_.*"}', "x" * 5000, "\x00"],
)
def test_bad_or_missing_expressions_give_no_focus(expr: str | None) -> None:
    assert symptoms_of(expr) == ()


def test_labels_are_the_equality_matchers() -> None:
    (s,) = symptoms_of('error_ratio{service="checkout", pod=~"a.*"} > 0.1')
    assert s.labels == {"service": "checkout"}
    assert s.describe() == 'error_ratio{service="checkout"}'
    assert Symptom("lat", "p99").describe() == "p99 of lat"


def test_families_follow_the_exposition_suffixes() -> None:
    assert family("http_request_duration_seconds_bucket") == "http_request_duration_seconds"
    assert family("requests_total") == "requests"
    assert family("latency_average") == "latency_average"
    assert family("_sum") == "_sum"
    hist = symptoms_of("histogram_quantile(0.99, rate(rpc_seconds_bucket[5m]))")
    assert is_symptom("rpc_seconds_count", hist) and is_symptom("rpc_seconds_sum", hist)
    assert not is_symptom("rpc_errors_total", hist)
    assert not is_symptom("latency_p90", symptoms_of("latency_average"))


def test_alert_symptoms_reads_every_alerts_generator_url_once() -> None:
    alerts = [
        alert("A", expr="error_ratio > 0.1"),
        alert("B", expr='error_ratio{service="cart"} > 0.2'),
        alert("C", expr="latency_p99_ms > 500"),
        alert("D"),  # no generatorURL
        alert("E", expr="not promql ("),
    ]
    assert [s.metric for s in alert_symptoms(alerts)] == ["error_ratio", "latency_p99_ms"]
    assert alert_symptoms([alert("D")]) == ()

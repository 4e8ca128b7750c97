"""The embedded PromQL backend and a real Prometheus (and VictoriaMetrics) give the same answers
for the same data and the same queries, through the same tools."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from autoheal.servers import Prometheus, VictoriaMetrics
from autoheal.telemetry.embedded import EmbeddedTelemetry
from autoheal.tools.http import HttpApi
from autoheal.tools.prometheus import (
    EmbeddedPrometheus,
    PrometheusBackend,
    PrometheusHttp,
    PrometheusQuery,
    PrometheusQueryRange,
    PrometheusSeries,
    QueryArgs,
    QueryRangeArgs,
    SeriesArgs,
)
from tests.conftest import require
from tests.tools import metric_data as md

QUERIES = [
    'http_requests_total{service="api"}',
    'cpu_usage_ratio{service=~"api|db", pod!="b"}',
    'cpu_usage_ratio{service!~"a.*"}',
    "sum by (service) (rate(http_requests_total[5m]))",
    'rate(http_requests_total{service="checkout"}[1m])',
    "increase(http_requests_total[2m])",
    "irate(http_requests_total[1m])",
    "delta(cpu_usage_ratio[5m])",
    "avg without (pod) (cpu_usage_ratio)",
    "max by (service) (cpu_usage_ratio)",
    "min(cpu_usage_ratio)",
    "max_over_time(cpu_usage_ratio[3m])",
    "avg_over_time(cpu_usage_ratio[2m])",
    "queue_depth",  # stops half-way: 5 minute lookback
    "count(cpu_usage_ratio > 0.2)",
    "cpu_usage_ratio * 100",
]
# VictoriaMetrics (MetricsQL) deliberately differs on rate/increase/irate/delta extrapolation and keeps
# the metric name on *_over_time results; its staleness window is not Prometheus's fixed 5 minutes.
VM_QUERIES = [
    q
    for q in QUERIES
    if not q.startswith(("rate", "increase", "irate", "delta", "sum by"))
    and "_over_time" not in q
    and q != "queue_depth"
]

WINDOWS = [
    (md.START + timedelta(minutes=10), md.START + timedelta(minutes=60)),  # aligned with samples
    (md.START + timedelta(minutes=10, seconds=7), md.START + timedelta(minutes=62, seconds=7)),
]


def _same(a: dict[str, Any], b: dict[str, Any]) -> None:
    assert a["resultType"] == b["resultType"]
    assert [r["metric"] for r in a["result"]] == [r["metric"] for r in b["result"]]
    for ra, rb in zip(a["result"], b["result"], strict=True):
        va = ra.get("values") or [ra["value"]]
        vb = rb.get("values") or [rb["value"]]
        assert [t for t, _ in va] == [t for t, _ in vb], ra["metric"]
        for (_, x), (_, y) in zip(va, vb, strict=True):
            assert float(x) == pytest.approx(float(y), rel=1e-9, abs=1e-12), ra["metric"]


@pytest.fixture(scope="module")
def embedded() -> Iterator[EmbeddedPrometheus]:
    telemetry = EmbeddedTelemetry()
    md.load_embedded(telemetry.metrics)
    yield EmbeddedPrometheus(telemetry.metrics)
    telemetry.close()


@pytest.fixture(scope="module")
def prometheus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrometheusHttp]:
    require("prometheus")
    require("promtool")
    work = tmp_path_factory.mktemp("prom-parity")
    (work / "data.om").write_text(md.openmetrics())
    subprocess.run(
        ["promtool", "tsdb", "create-blocks-from", "openmetrics", str(work / "data.om"), str(work / "tsdb")],
        check=True,
        capture_output=True,
        timeout=60,
    )
    with Prometheus.start(work / "server", tsdb_path=work / "tsdb") as server:
        api = HttpApi(server.url, name="prometheus", timeout=10)
        yield PrometheusHttp(api)
        api.close()


@pytest.fixture(scope="module")
def victoria(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrometheusHttp]:
    require("victoria-metrics")
    with VictoriaMetrics.start(Path(tmp_path_factory.mktemp("vm-parity"))) as server:
        server.import_prometheus(md.prometheus_text())
        server.flush()
        api = HttpApi(server.url, name="victoria-metrics", timeout=10)
        yield PrometheusHttp(api)
        api.close()


def _range(
    backend: PrometheusBackend, query: str, window: tuple[Any, Any], step: float = 60
) -> dict[str, Any]:
    args = QueryRangeArgs(query=query, start=window[0], end=window[1], step=step)
    result = PrometheusQueryRange(backend).invoke(args)
    assert result.ok, result.message
    return dict(result.data)


@pytest.mark.realservice
@pytest.mark.parametrize("window", WINDOWS, ids=["aligned", "offset"])
@pytest.mark.parametrize("query", QUERIES)
def test_embedded_matches_prometheus_range(
    query: str, window: tuple[Any, Any], embedded: EmbeddedPrometheus, prometheus: PrometheusHttp
) -> None:
    _same(_range(prometheus, query, window), _range(embedded, query, window))


@pytest.mark.realservice
@pytest.mark.parametrize("query", QUERIES)
def test_embedded_matches_prometheus_instant(
    query: str, embedded: EmbeddedPrometheus, prometheus: PrometheusHttp
) -> None:
    at = md.START + timedelta(minutes=33, seconds=20)
    a = PrometheusQuery(prometheus).invoke(QueryArgs(query=query, time=at))
    b = PrometheusQuery(embedded).invoke(QueryArgs(query=query, time=at))
    assert a.status == b.status
    _same(a.data, b.data)


@pytest.mark.realservice
@pytest.mark.parametrize("query", VM_QUERIES)
def test_embedded_matches_victoria_metrics(
    query: str, embedded: EmbeddedPrometheus, victoria: PrometheusHttp
) -> None:
    window = WINDOWS[0]
    _same(_range(victoria, query, window), _range(embedded, query, window))


@pytest.mark.realservice
def test_series_and_errors_match(embedded: EmbeddedPrometheus, prometheus: PrometheusHttp) -> None:
    args = SeriesArgs(
        match=['cpu_usage_ratio{service="db"}'], start=md.START, end=md.START + timedelta(hours=1)
    )
    a, b = PrometheusSeries(prometheus).invoke(args), PrometheusSeries(embedded).invoke(args)
    assert a.ok and b.ok
    assert a.data == b.data
    bad = QueryRangeArgs(query="sum(rate(x[5m]", start=WINDOWS[0][0], end=WINDOWS[0][1])
    for backend in (prometheus, embedded):
        result = PrometheusQueryRange(backend).invoke(bad)
        assert result.status == "error" and "parse" in result.message.lower()

"""A simulated scenario served by a real Prometheus answers like the embedded store (realservice)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from autoheal.sim import load_scenario, simulate
from autoheal.sim.prometheus import serve_metrics, write_openmetrics
from autoheal.telemetry.embedded import EmbeddedTelemetry
from autoheal.tools.http import HttpApi
from autoheal.tools.prometheus import EmbeddedPrometheus, PrometheusHttp
from tests.conftest import require

QUERIES = (
    'error_ratio{service="checkout"}',
    'latency_p99_ms{service=~"frontend|checkout"}',
    "max by (service) (error_ratio)",
    'avg_over_time(error_ratio{service="frontend"}[5m])',
    'increase(restarts_total{service="recommendation"}[5m])',
    "sum(request_rate) by (namespace)",
    "error_ratio > 0.05",
)


def _points(result: Any) -> dict[tuple[tuple[str, str], ...], list[tuple[float, float]]]:
    out = {}
    for series in result.data["result"]:
        key = tuple(sorted(series["metric"].items()))
        out[key] = [(float(t), float(v)) for t, v in series["values"]]
    return out


def test_openmetrics_file_is_well_formed(tmp_path: Path) -> None:
    run = simulate(load_scenario("noise-transient-spikes"))
    path = tmp_path / "m.om"
    count = write_openmetrics(run, path)
    lines = path.read_text().splitlines()
    assert lines[-1] == "# EOF"
    assert count == sum(1 for line in lines if not line.startswith("#"))
    types = [line for line in lines if line.startswith("# TYPE ")]
    assert lines[0] == types[0]  # each family opens with its TYPE line, in name order
    assert types == sorted(types)
    assert "# TYPE cpu_throttling_ratio gauge" in types


@pytest.mark.realservice
def test_same_answers_from_real_prometheus_and_embedded_store(tmp_path: Path) -> None:
    require("promtool")
    require("prometheus")
    run = simulate(load_scenario("bad-deploy-checkout"))
    telemetry = EmbeddedTelemetry(":memory:")
    run.write_to(telemetry)
    embedded = EmbeddedPrometheus(telemetry.metrics)
    start = run.scenario.at(55 * 60)
    end = run.scenario.at(95 * 60)
    with serve_metrics(run, tmp_path) as prom:
        real = PrometheusHttp(HttpApi(prom.url, name="prometheus"))
        for query in QUERIES:
            a, b = real.query_range(query, start, end, 30.0), embedded.query_range(query, start, end, 30.0)
            assert a.status == b.status, query
            pa, pb = _points(a), _points(b)
            assert pa.keys() == pb.keys(), query
            for key in pa:
                assert len(pa[key]) == len(pb[key]), (query, key)
                for (ta, va), (tb, vb) in zip(pa[key], pb[key], strict=True):
                    assert ta == tb and math.isclose(va, vb, rel_tol=1e-6, abs_tol=1e-9), (query, key, ta)

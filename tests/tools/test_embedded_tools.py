"""logs.query, traces.*, topology.* and the registry over the embedded store (no server needed)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from autoheal.clock import ManualClock
from autoheal.domain.tools import Access, Tool, ToolStatus
from autoheal.errors import ConfigError
from autoheal.telemetry.embedded import EmbeddedTelemetry
from autoheal.telemetry.model import LogRecord, Span
from autoheal.tools.registry import ToolsConfig, build_tools

T0 = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def telemetry() -> EmbeddedTelemetry:
    tel = EmbeddedTelemetry()
    tel.logs.write_logs(
        LogRecord(
            T0 + timedelta(seconds=i),
            "checkout",
            "error" if i % 10 == 0 else "info",
            f"req {i} {'pool exhausted' if i % 10 == 0 else 'ok'}",
        )
        for i in range(100)
    )
    spans = []
    for i in range(20):
        t, start = f"t{i}", T0 + timedelta(seconds=i)
        spans += [
            Span(t, "a", None, "frontend", "GET /", start, 100.0),
            Span(t, "b", "a", "checkout", "POST /cart", start, 60.0 + i, error=i % 4 == 0),
            Span(t, "c", "b", "postgres", "SELECT", start, 30.0),
        ]
    tel.traces.write_spans(spans)
    return tel


def _call(tools: dict[str, Tool], name: str, **args: object):  # type: ignore[no-untyped-def]
    tool = tools[name]
    return tool.invoke(tool.args_model.model_validate(args))


def test_every_tool_honours_the_protocol(telemetry: EmbeddedTelemetry) -> None:
    tools = build_tools(ToolsConfig(), telemetry)
    assert set(tools) == {
        "prometheus.query",
        "prometheus.query_range",
        "prometheus.series",
        "prometheus.label_values",
        "prometheus.rules",
        "prometheus.alerts",
        "logs.query",
        "traces.spans",
        "traces.service_graph",
        "changes.list",
        "topology.graph",
        "topology.neighbours",
    }
    for name, tool in tools.items():
        assert (
            isinstance(tool, Tool) and tool.name == name and tool.access is Access.READ and tool.description
        )


def test_logs_query_filters_and_limits(telemetry: EmbeddedTelemetry) -> None:
    tools = build_tools(ToolsConfig(), telemetry)
    errors = _call(
        tools, "logs.query", service="checkout", start=T0, end=T0 + timedelta(minutes=5), level="ERROR"
    )
    assert [ln["line"] for ln in errors.data["lines"]][:2] == [
        "req 0 pool exhausted",
        "req 10 pool exhausted",
    ]
    assert len(errors.data["lines"]) == 10 and not errors.meta["truncated"]
    limited = _call(tools, "logs.query", start=T0, end=T0 + timedelta(minutes=5), contains="ok", limit=5)
    assert len(limited.data["lines"]) == 5 and limited.meta["truncated"]
    none = _call(tools, "logs.query", service="nobody", start=T0, end=T0 + timedelta(minutes=5))
    assert none.status is ToolStatus.NO_DATA


def test_service_graph_edges_latency_and_self_time(telemetry: EmbeddedTelemetry) -> None:
    tools = build_tools(ToolsConfig(), telemetry)
    graph = _call(tools, "traces.service_graph", start=T0, end=T0 + timedelta(minutes=1))
    edges = {(e["caller"], e["callee"]): e for e in graph.data["edges"]}
    assert set(edges) == {("frontend", "checkout"), ("checkout", "postgres")}
    fc = edges[("frontend", "checkout")]
    assert (fc["calls"], fc["errors"], fc["error_ratio"]) == (20, 5, 0.25)
    assert fc["p50_ms"] == pytest.approx(69.5) and fc["p99_ms"] == pytest.approx(78.81)
    assert graph.data["services"]["frontend"]["self_time_ms"] == pytest.approx(
        sum(100 - (60 + i) for i in range(20))
    )
    spans = _call(
        tools, "traces.spans", start=T0, end=T0 + timedelta(minutes=1), service="checkout", errors_only=True
    )
    assert [s["span_id"] for s in spans.data["spans"]] == ["b"] * 5


def test_topology_merges_declared_and_traces(telemetry: EmbeddedTelemetry, tmp_path: Path) -> None:
    (tmp_path / "topo.yaml").write_text(
        "services:\n  frontend: {depends_on: [checkout, catalog]}\n  checkout: {depends_on: [payments]}\n"
    )
    config = ToolsConfig.model_validate({"topology": {"file": str(tmp_path / "topo.yaml")}})
    tools = build_tools(config, telemetry, clock=ManualClock(T0 + timedelta(minutes=1)))
    graph = _call(tools, "topology.graph")
    sources = {(e["caller"], e["callee"]): e["source"] for e in graph.data["edges"]}
    assert sources == {
        ("frontend", "checkout"): "both",
        ("frontend", "catalog"): "declared",
        ("checkout", "payments"): "declared",
        ("checkout", "postgres"): "traces",
    }
    both = next(e for e in graph.data["edges"] if e["source"] == "both")
    assert both["calls"] == 20
    near = _call(tools, "topology.neighbours", service="checkout", depth=2)
    assert near.data["calls"] == {"payments": 1, "postgres": 1} and near.data["called_by"] == {"frontend": 1}
    declared_only = _call(tools, "topology.graph", include_traces=False)
    assert all(e["source"] == "declared" for e in declared_only.data["edges"])


def test_registry_http_backends_and_secrets() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"status": "success", "data": {"resultType": "vector", "result": []}})

    config = ToolsConfig.model_validate(
        {
            "prometheus": {"url": "http://prom:9090", "bearer_token": "tok-123", "timeout": 3},
            "alertmanager": {"url": "http://am:9093"},
            "logs": {"backend": "loki", "url": "http://loki:3100", "headers": {"X-Scope-OrgID": "team-a"}},
            "traces": {"backend": "jaeger", "url": "http://jaeger:16686"},
            "changes": {"store": False},
            "topology": {"include_traces": False},
        }
    )
    assert "tok-123" not in repr(config) and isinstance(config.prometheus.bearer_token, SecretStr)
    tools = build_tools(config, None, transport=httpx.MockTransport(handler))
    assert tools["alertmanager.create_silence"].access is Access.WRITE
    assert "changes.list" not in tools
    _call(tools, "prometheus.query", query="up", time=T0)
    assert seen[0].headers["authorization"] == "Bearer tok-123" and seen[0].url.host == "prom"
    with pytest.raises(ConfigError, match="embedded"):
        build_tools(ToolsConfig(), None)
    with pytest.raises(ValueError, match=r"needs logs\.url"):
        ToolsConfig.model_validate({"logs": {"backend": "loki"}})

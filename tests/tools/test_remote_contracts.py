"""Loki, Tempo, Jaeger and Prometheus HTTP backends against recorded responses (httpx.MockTransport),
built from each project's documented response shapes; and the error paths every HTTP tool shares."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from autoheal.domain.tools import ToolStatus
from autoheal.tools.http import HttpApi
from autoheal.tools.logs import LogQueryArgs, LogsQuery, LokiLogs
from autoheal.tools.prometheus import PrometheusHttp, PrometheusQuery, QueryArgs
from autoheal.tools.traces import ServiceGraphArgs, SpansArgs, TracesServiceGraph, TracesSpans
from autoheal.tools.traces_remote import JaegerTraces, TempoTraces

RECORDED = Path(__file__).parent / "recorded"
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def recorded(name: str) -> Any:
    return json.loads((RECORDED / name).read_text())


def api(handler: Callable[[httpx.Request], httpx.Response], name: str = "server") -> HttpApi:
    return HttpApi(
        "http://127.0.0.1:1",
        name=name,
        timeout=2,
        bearer_token="s3cret",
        transport=httpx.MockTransport(handler),
    )


def test_loki_builds_logql_and_merges_streams() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=recorded("loki_query_range.json"))

    tool = LogsQuery(LokiLogs(api(handler, "loki")))
    args = LogQueryArgs(
        service="checkout",
        start=T0,
        end=T0 + timedelta(minutes=5),
        level="error",
        contains='failed "x"',
        limit=10,
    )
    result = tool.invoke(args)
    assert result.ok
    params = seen[0].url.params
    assert seen[0].url.path == "/loki/api/v1/query_range"
    assert params["query"] == '{service="checkout"} |= "failed \\"x\\"" | level=~"(?i)error"'
    assert params["start"] == str(int(T0.timestamp() * 1e9)) and params["direction"] == "forward"
    assert seen[0].headers["authorization"] == "Bearer s3cret"
    lines = result.data["lines"]
    assert [ln["line"].split(": ")[1] for ln in lines] == [
        "connection reset by peer",
        "upstream timeout after 2000ms",
        "upstream timeout after 2000ms",
    ]
    assert [ln["level"] for ln in lines] == ["error"] * 3
    assert lines[1]["trace_id"] == "4bf92f3577b34da6a3ce929d0e0e4736"
    assert lines[0]["at"] == "2026-01-01T00:00:01Z"


def test_log_line_and_byte_limits() -> None:
    tool = LogsQuery(LokiLogs(api(lambda r: httpx.Response(200, json=recorded("loki_query_range.json")))))
    by_lines = tool.invoke(LogQueryArgs(start=T0, end=T0 + timedelta(minutes=5), limit=2))
    assert len(by_lines.data["lines"]) == 2 and by_lines.meta["truncated"]
    by_bytes = tool.invoke(LogQueryArgs(start=T0, end=T0 + timedelta(minutes=5), max_bytes=60))
    assert len(by_bytes.data["lines"]) == 1 and by_bytes.meta["truncated"] and by_bytes.meta["bytes"] <= 60


def test_tempo_search_then_fetch_and_service_graph() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/search":
            assert request.url.params["start"] == str(int(T0.timestamp()))
            return httpx.Response(200, json=recorded("tempo_search.json"))
        assert request.url.path == "/api/traces/2f3e0cee77ae5dc9c17ade3689eb2e54"
        return httpx.Response(200, json=recorded("tempo_trace.json"))

    backend = TempoTraces(api(handler, "tempo"))
    spans = TracesSpans(backend).invoke(SpansArgs(start=T0, end=T0 + timedelta(minutes=1)))
    assert spans.ok
    assert {s["span_id"] for s in spans.data["spans"]} == {"a1b2c3d4e5f60718", "123456789abcdef0"}
    child = next(s for s in spans.data["spans"] if s["service"] == "checkout")
    assert (
        child["parent_id"] == "a1b2c3d4e5f60718"
        and child["error"]
        and child["trace_id"] == "2f3e0cee77ae5dc9c17ade3689eb2e54"
    )
    graph = TracesServiceGraph(backend).invoke(ServiceGraphArgs(start=T0, end=T0 + timedelta(minutes=1)))
    assert graph.data["edges"] == [
        {
            "caller": "frontend",
            "callee": "checkout",
            "calls": 1,
            "errors": 1,
            "error_ratio": 1.0,
            "p50_ms": 100.0,
            "p99_ms": 100.0,
        }
    ]
    assert graph.data["services"]["frontend"]["self_time_ms"] == pytest.approx(20.0)


def test_jaeger_services_then_traces() -> None:
    asked: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/services":
            return httpx.Response(200, json=recorded("jaeger_services.json"))
        asked.append(request.url.params["service"])
        assert request.url.params["start"] == str(int(T0.timestamp() * 1e6))
        return httpx.Response(200, json=recorded("jaeger_traces.json"))

    backend = JaegerTraces(api(handler, "jaeger"))
    graph = TracesServiceGraph(backend).invoke(ServiceGraphArgs(start=T0, end=T0 + timedelta(minutes=1)))
    assert asked == ["checkout", "frontend"]
    assert graph.data["edges"][0] | {} == {
        "caller": "frontend",
        "callee": "checkout",
        "calls": 1,
        "errors": 1,
        "error_ratio": 1.0,
        "p50_ms": 100.0,
        "p99_ms": 100.0,
    }
    assert graph.data["services"]["frontend"] == {"spans": 1, "errors": 0, "self_time_ms": 20.0}
    only = TracesSpans(backend).invoke(SpansArgs(start=T0, end=T0 + timedelta(minutes=1), service="checkout"))
    assert [s["operation"] for s in only.data["spans"]] == ["POST /pay"]


@pytest.mark.parametrize(
    ("respond", "expect"),
    [
        (
            lambda r: httpx.Response(
                400, json={"status": "error", "errorType": "bad_data", "error": "parse error at char 5"}
            ),
            "bad_data: parse error",
        ),
        (lambda r: httpx.Response(503, text="upstream overloaded"), "503"),
        (lambda r: httpx.Response(200, text="<html>not json</html>"), "not JSON"),
        (
            lambda r: (_ for _ in ()).throw(httpx.ConnectError("connection refused", request=r)),
            "cannot reach",
        ),
        (lambda r: (_ for _ in ()).throw(httpx.ReadTimeout("timed out", request=r)), "did not answer"),
    ],
    ids=["api-error", "http-503", "not-json", "refused", "timeout"],
)
def test_outside_failures_are_data(respond: Callable[[httpx.Request], httpx.Response], expect: str) -> None:
    tool = PrometheusQuery(PrometheusHttp(api(respond, "prometheus")))
    result = tool.invoke(QueryArgs(query="up", time=T0))
    assert result.status is ToolStatus.ERROR
    assert expect in result.message
    assert "s3cret" not in result.message


def test_empty_prometheus_answer_is_no_data() -> None:
    body = {"status": "success", "data": {"resultType": "vector", "result": []}}
    result = PrometheusQuery(PrometheusHttp(api(lambda r: httpx.Response(200, json=body)))).invoke(
        QueryArgs(query="up", time=T0)
    )
    assert result.status is ToolStatus.NO_DATA and result.data == body["data"]

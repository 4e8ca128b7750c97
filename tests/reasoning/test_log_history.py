"""The log generator's history lookup: a new template the service logged in the day before the
incident is recurring (through the governed calls, never reading past the incident's start)."""

from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from autoheal.analysis.logs import TemplateSurge
from autoheal.analysis.signals import RECURRING_WEIGHT, LogSignal, with_history
from autoheal.bench.engine_path import bench_policy
from autoheal.clock import ManualClock
from autoheal.domain.tools import ToolResult, ToolStatus
from autoheal.governance.gateway import Gateway
from autoheal.governance.wiring import build_governance
from autoheal.reasoning.base import InvestigationContext, Window
from autoheal.reasoning.generators.logs import HISTORY_SECONDS, LogTemplateGenerator
from autoheal.store.db import create_db_engine, migrate
from autoheal.telemetry.embedded import EmbeddedTelemetry
from autoheal.telemetry.model import LogRecord
from autoheal.tools.registry import ToolsConfig, build_tools

T0 = datetime(2026, 1, 2, 12, 0, tzinfo=UTC)
INCIDENT = Window(T0, T0 + timedelta(minutes=5))
REFERENCE = Window(T0 - timedelta(minutes=10), T0 - timedelta(minutes=8))


class RecordingCaller:
    """The governance Gateway (the benchmark's policy), recording the arguments of every call."""

    def __init__(self, gateway: Gateway) -> None:
        self.gateway = gateway
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def call(
        self, tool: str, args: Mapping[str, Any], *, caller: str, investigation_id: str | None = None
    ) -> ToolResult:
        self.calls.append((tool, dict(args)))
        return self.gateway.call(tool, args, caller=caller, investigation_id=investigation_id)


def _line(at: datetime, service: str, text: str) -> LogRecord:
    return LogRecord(at, service, "error", f"{at:%Y-%m-%d %H:%M:%S} ERROR {text}")


def _context(extra: list[LogRecord]) -> tuple[InvestigationContext, RecordingCaller]:
    logs = []
    for i in range(120):  # the reference: both services log the same info line
        at = REFERENCE.start + timedelta(seconds=i)
        logs += [LogRecord(at, s, "info", f"{at:%H:%M:%S} INFO request served") for s in ("api", "db")]
    for i in range(20):  # the incident: each service logs an error template new to the reference
        at = INCIDENT.start + timedelta(seconds=5 + 10 * i)
        logs.append(_line(at, "api", f"No instances available for ts-train-{i}"))
        logs.append(_line(at, "db", f"query {i} failed: connection reset by peer"))
    tel = EmbeddedTelemetry(":memory:")
    tel.logs.write_logs(logs + extra)
    clock = ManualClock(INCIDENT.end)
    audit = create_db_engine("sqlite://")
    migrate(audit)
    governance = build_governance(
        build_tools(ToolsConfig(), tel, clock=clock), bench_policy(), audit, clock=clock
    )
    governance.gateway.start_investigation("inv1")
    caller = RecordingCaller(governance.gateway)
    ctx = InvestigationContext(
        investigation_id="inv1",
        subject="test",
        alerts=(),
        incident=INCIDENT,
        reference=REFERENCE,
        tools=caller,
        clock=clock,
    )
    return ctx, caller


def _scores(ctx: InvestigationContext) -> dict[str, float]:
    return {h.service: h.attributes["log_score"] for h in LogTemplateGenerator().generate(ctx)}


def test_a_template_logged_in_the_day_before_is_not_new() -> None:
    before = T0 - timedelta(hours=20)
    ctx, _ = _context([_line(before, "api", "No instances available for ts-train-3")])
    plain, _ = _context([])
    scores, baseline = _scores(ctx), _scores(plain)
    assert baseline["api"] == pytest.approx(baseline["db"])  # alike without history
    assert scores["api"] == pytest.approx(baseline["api"] * RECURRING_WEIGHT, abs=1e-3)
    assert scores["db"] == pytest.approx(baseline["db"], abs=1e-3)
    (api,) = [h for h in LogTemplateGenerator().generate(ctx) if h.service == "api"]
    assert api.attributes["templates"][0]["recurring"] is True
    assert "recurring" in api.statement


def test_the_lookup_is_one_governed_query_per_template_over_the_day_before() -> None:
    ctx, caller = _context([])
    LogTemplateGenerator().generate(ctx)
    history = [args for tool, args in caller.calls if tool == "logs.query" and args.get("contains")]
    assert {a["service"] for a in history} == {"api", "db"}
    assert {a["contains"] for a in history} == {
        "No instances available for",
        "failed: connection reset by peer",
    }
    for a in history:
        start = datetime.fromisoformat(a["start"].replace("Z", "+00:00"))
        end = datetime.fromisoformat(a["end"].replace("Z", "+00:00"))
        assert end == INCIDENT.start and (end - start).total_seconds() == HISTORY_SECONDS
        assert a["limit"] <= 10
    cited = [e for e in ctx.evidence if e.tool == "logs.query" and e.args.get("contains")]
    assert [e.args for e in cited] == history  # each one recorded as evidence, like every governed call
    assert all(ctx.statuses[e.id] in (ToolStatus.OK, ToolStatus.NO_DATA) for e in cited)  # allowed
    gateway = caller.gateway
    assert gateway.usage("inv1")["tool_calls"] == len(caller.calls)  # counted in the budget


def test_nothing_at_or_after_the_incident_start_counts() -> None:
    after = [
        _line(INCIDENT.end + timedelta(minutes=1), "api", "No instances available for ts-train-9"),
        _line(INCIDENT.start, "db", "query 99 failed: connection reset by peer"),  # the start itself
    ]
    older = [
        _line(T0 - timedelta(hours=25), "db", "query 1 failed: connection reset by peer")
    ]  # beyond a day
    ctx, _ = _context(after + older)
    hypotheses = LogTemplateGenerator().generate(ctx)
    assert all(not t["recurring"] for h in hypotheses for t in h.attributes["templates"])


def test_another_template_with_the_same_literal_is_not_history() -> None:
    before = T0 - timedelta(hours=2)
    ctx, _ = _context([_line(before, "api", "No instances available for ts-train-3 after 3 retries")])
    (api,) = [h for h in LogTemplateGenerator().generate(ctx) if h.service == "api"]
    assert api.attributes["templates"][0]["recurring"] is False


def test_with_history_rescores_and_orders() -> None:
    def surge(template: str, level: str, score: float) -> TemplateSurge:
        return TemplateSurge(template, level, 0, 5, True, 10.0, score, template)

    found = [surge("a <*> failed", "error", 10.0), surge("b <*> slow", "warn", 4.0)]
    signal = LogSignal({"svc": 14.0}, {"svc": found})
    marked = with_history(signal, {"svc": {"a <*> failed"}})
    assert [s.template for s in marked.surges["svc"]] == ["b <*> slow", "a <*> failed"]
    assert marked.surges["svc"][1] == replace(found[0], recurring=True)
    assert marked.scores["svc"] == pytest.approx(4.0 + 10.0 * RECURRING_WEIGHT)
    assert with_history(signal, {}).scores == {"svc": pytest.approx(14.0)}

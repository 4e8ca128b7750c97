"""The metric, log and trace generators against the real embedded tools, through a ToolCaller."""

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from autoheal.clock import ManualClock
from autoheal.domain.tools import ToolResult
from autoheal.reasoning.base import InvestigationContext, Window
from autoheal.telemetry.model import LogRecord, Span

registry = pytest.importorskip("autoheal.tools.registry")
embedded = pytest.importorskip("autoheal.telemetry.embedded")

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


class DirectCaller:
    """The ToolCaller interface over real tools with no policy (tests only)."""

    def __init__(self, tools: Mapping[str, Any]) -> None:
        self.tools = tools

    def call(
        self, tool: str, args: Mapping[str, Any], *, caller: str, investigation_id: str | None = None
    ) -> ToolResult:
        t = self.tools[tool]
        return t.invoke(t.args_model.model_validate(dict(args)))


def _world() -> InvestigationContext:
    tel = embedded.EmbeddedTelemetry(":memory:")
    for svc in ("api", "db"):
        samples = [(T0.timestamp() + 60 * i, 10.0 + (i % 3)) for i in range(40)]
        if svc == "db":
            samples += [(T0.timestamp() + 60 * i, 90.0) for i in range(40, 45)]
        else:
            samples += [(T0.timestamp() + 60 * i, 10.0 + (i % 3)) for i in range(40, 45)]
        tel.metrics.write_samples("cpu", {"service": svc}, samples)
    logs, spans = [], []
    for i in range(45):
        at = T0 + timedelta(minutes=i, seconds=5)
        logs.append(LogRecord(at, "api", "info", f"INFO request {i} served"))
        if i >= 40:
            logs += [LogRecord(at, "db", "error", f"ERROR query {i} failed: timeout")] * 3
        db_ms = 80.0 if i >= 40 else 5.0
        spans += [
            Span(f"t{i}", "a", None, "api", "GET /", at, 11 + db_ms),
            Span(f"t{i}", "b", "a", "db", "SELECT", at, db_ms),
        ]
    tel.logs.write_logs(logs)
    tel.traces.write_spans(spans)
    clock = ManualClock(T0 + timedelta(minutes=46))
    tools = registry.build_tools(registry.ToolsConfig(), tel, clock=clock)
    return InvestigationContext(
        investigation_id="inv1",
        subject="test",
        alerts=(),
        incident=Window(T0 + timedelta(minutes=40), T0 + timedelta(minutes=45)),
        reference=Window(T0, T0 + timedelta(minutes=40)),
        tools=DirectCaller(tools),
        clock=clock,
    )


def test_each_generator_blames_the_database_with_evidence() -> None:
    from autoheal.reasoning.generators.logs import LogTemplateGenerator
    from autoheal.reasoning.generators.metrics import MetricAnomalyGenerator
    from autoheal.reasoning.generators.traces import TraceAttributionGenerator

    ctx = _world()
    for gen in (MetricAnomalyGenerator(), LogTemplateGenerator(), TraceAttributionGenerator()):
        found = gen.generate(ctx)
        assert found, gen.name
        assert found[0].service == "db", (gen.name, [h.service for h in found])
        assert found[0].evidence and found[0].generator == gen.name

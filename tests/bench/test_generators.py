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


def _context(tel: Any) -> InvestigationContext:
    """Minutes 40-45 are the incident, 0-40 the reference; no alert."""
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
    return _context(tel)


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


def _latency_world(expr: str | None) -> InvestigationContext:
    """api calls db; db's latency rose (and api's with it), cache's cpu jumped from flat."""
    from tests.reasoning.fakes import alert

    tel = embedded.EmbeddedTelemetry(":memory:")
    t = T0.timestamp()
    wiggle = [10.0 + (i % 3) for i in range(45)]
    series = {
        ("latency_ms", "api"): wiggle[:40] + [40.0] * 5,
        ("latency_ms", "db"): wiggle[:40] + [30.0] * 5,
        ("latency_ms", "cache"): wiggle,
        ("queue_depth", "api"): wiggle,
        ("cpu", "cache"): [5.0] * 40 + [90.0] * 5,  # flat then moved: the robust-z floor (100)
        ("cpu", "db"): [5.0] * 40 + [9.0] * 5,
    }
    for (metric, svc), values in series.items():
        tel.metrics.write_samples(metric, {"service": svc}, [(t + 60 * i, v) for i, v in enumerate(values)])
    tel.traces.write_spans(
        [
            s
            for i in range(45)
            for s in (
                Span(f"t{i}", "a", None, "api", "GET /", T0 + timedelta(minutes=i), 20.0),
                Span(f"t{i}", "b", "a", "db", "SELECT", T0 + timedelta(minutes=i, milliseconds=1), 10.0),
            )
        ]
    )
    clock = ManualClock(T0 + timedelta(minutes=46))
    tools = registry.build_tools(registry.ToolsConfig(), tel, clock=clock)
    return InvestigationContext(
        investigation_id="inv1",
        subject="test",
        alerts=(alert("ApiSlow", service="api", expr=expr),),
        incident=Window(T0 + timedelta(minutes=40), T0 + timedelta(minutes=45)),
        reference=Window(T0, T0 + timedelta(minutes=40)),
        tools=DirectCaller(tools),
        clock=clock,
    )


def _ranked(expr: str | None) -> list[tuple[str, float]]:
    from autoheal.reasoning.generators.metrics import MetricAnomalyGenerator

    return [(h.service, h.score) for h in MetricAnomalyGenerator().generate(_latency_world(expr))]


def test_without_an_expression_every_metric_counts_alike() -> None:
    ranked = _ranked(None)
    assert ranked[0][0] == "cache"  # the cpu jump outranks the latency shifts


def test_the_alerted_symptom_ranks_services_first() -> None:
    from autoheal.reasoning.generators.metrics import MetricAnomalyGenerator

    found = MetricAnomalyGenerator().generate(_latency_world('latency_ms{service="api"} > 25'))
    order = [h.service for h in found]
    assert order[:2] == ["db", "api"]  # db explains api's latency (caller penalty)
    cache = found[order.index("cache")]
    assert cache.score < min(h.score for h in found[:2])
    assert "did not shift here" in cache.statement and cache.attributes["symptom_shifted"] is False
    db = found[0]
    assert db.component == "latency_ms" and db.attributes["symptom_shifted"] is True
    assert [m["metric"] for m in db.attributes["metrics"]] == ["latency_ms", "cpu"]  # others still listed
    assert "(the alerted symptom)" in db.statement


@pytest.mark.parametrize(
    "expr",
    [
        "no_such_metric > 1",  # names nothing in the store
        "queue_depth > 100",  # in the store, but shifted nowhere
        "this is not promql",
    ],
)
def test_no_usable_symptom_leaves_the_ranking_unchanged(expr: str) -> None:
    assert _ranked(expr) == _ranked(None)


def _trace_line(i: int, svc: str, text: str, k: int, level: str = "info") -> LogRecord:
    """Request ``i``'s line ``k`` of ``svc``, in its own span; requests 60 and later are in the
    incident window (minutes 40-45), the others in the reference."""
    at = T0 + timedelta(minutes=40 if i >= 60 else 0, seconds=i, milliseconds=k)
    return LogRecord(at, svc, level, text, labels={"span_id": f"{svc}-{i}"}, trace_id=f"t{i}")


def _log_world(logs: list[LogRecord]) -> InvestigationContext:
    tel = embedded.EmbeddedTelemetry(":memory:")
    tel.logs.write_logs(logs)
    return _context(tel)


def test_a_trace_linked_line_counts_once_as_a_changed_path() -> None:
    """checkout's every request stops after its first line (an exception, nothing logged); search
    writes a new error line in 40% of its requests (a chronic hiccup the short reference missed).
    The error line is read as the share of search's requests whose path it changed, not also as a
    new error template by volume (which used to outrank the broken path), and the events carry
    the code location that wrote them."""
    from autoheal.reasoning.generators.logs import LogTemplateGenerator

    line = _trace_line
    logs = []
    for i in range(90):
        incident = i >= 60
        logs.append(
            line(i, "checkout", f"12:00:01.000 INFO  c.s.CheckoutImpl#40 TraceID: t{i} [pay][start]", 1)
        )
        if not incident:
            logs.append(
                line(i, "checkout", f"12:00:01.002 INFO  c.s.CheckoutImpl#52 TraceID: t{i} [pay][done]", 2)
            )
        logs.append(line(i, "search", f"12:00:01.000 INFO  s.s.SearchImpl#10 TraceID: t{i} [find][start]", 1))
        if incident and i % 5 < 2:
            error = f"12:00:01.003 ERROR s.s.SearchImpl#99 TraceID: t{i} [find][no instances]"
            logs.append(line(i, "search", error, 3, "error"))
        logs.append(line(i, "search", f"12:00:01.005 INFO  s.s.SearchImpl#20 TraceID: t{i} [find][done]", 5))
    ctx = _log_world(logs)
    found = {h.service: h for h in LogTemplateGenerator().generate(ctx)}
    assert next(iter(found)) == "checkout"
    assert "c.s.CheckoutImpl#40" in (found["checkout"].component or "")  # where the path broke off
    search = found["search"]
    assert search.attributes["log_score"] == search.attributes["path_break"]["score"]  # no surge added
    assert found["checkout"].score > search.score


def _predating_world() -> InvestigationContext:
    """api (alerted at minute 44) and db shift with the alert; batch's latency was already up from
    minute 40, before the alert, at its later level; grower was slightly up before and rose much
    more with the alert."""
    from tests.reasoning.fakes import alert

    tel = embedded.EmbeddedTelemetry(":memory:")
    t = T0.timestamp()
    wiggle = [10.0 + (i % 3) for i in range(40)]
    series = {
        "api": wiggle + [11.0] * 4 + [40.0] * 6,
        "db": wiggle + [11.0] * 4 + [30.0] * 6,
        "batch": wiggle + [60.0] * 10,  # more than db: first without the rule
        "grower": wiggle + [20.0] * 4 + [60.0] * 6,
    }
    for svc, values in series.items():
        tel.metrics.write_samples(
            "latency_ms", {"service": svc}, [(t + 60 * i, v) for i, v in enumerate(values)]
        )
    clock = ManualClock(T0 + timedelta(minutes=51))
    tools = registry.build_tools(registry.ToolsConfig(), tel, clock=clock)
    return InvestigationContext(
        investigation_id="inv1",
        subject="test",
        alerts=(
            alert(
                "ApiSlow",
                service="api",
                expr='latency_ms{service="api"}',
                starts_at=T0 + timedelta(minutes=44),
            ),
        ),
        incident=Window(T0 + timedelta(minutes=40), T0 + timedelta(minutes=50)),
        reference=Window(T0, T0 + timedelta(minutes=40)),
        tools=DirectCaller(tools),
        clock=clock,
    )


def test_a_shift_in_place_before_the_alert_ranks_below_the_symptom_shifts() -> None:
    from autoheal.reasoning.generators.metrics import MetricAnomalyGenerator

    found = {h.service: h for h in MetricAnomalyGenerator().generate(_predating_world())}
    batch = found["batch"]
    assert batch.attributes["symptom_shifted"] is False and "predates_symptom" in batch.attributes
    assert "predates the symptom" in batch.statement
    assert batch.score < min(found[s].score for s in ("api", "db", "grower"))
    # grower was already up before the alert, but rose far more than twofold with it: a cause
    for svc in ("api", "db", "grower"):
        assert found[svc].attributes["symptom_shifted"] is True
        assert "predates_symptom" not in found[svc].attributes


def test_without_samples_before_the_alert_nothing_predates() -> None:
    from dataclasses import replace

    from autoheal.reasoning.generators.metrics import MetricAnomalyGenerator

    ctx = _predating_world()
    late = replace(ctx, incident=Window(T0 + timedelta(minutes=44), T0 + timedelta(minutes=50)))
    found = {h.service: h for h in MetricAnomalyGenerator().generate(late)}
    assert found["batch"].attributes["symptom_shifted"] is True


def test_one_logging_statement_is_one_event_whatever_it_printed() -> None:
    """seat's statement at line 66 prints the sold tickets, a list that grows through the day: the
    incident's lines have more tokens, so Drain mines them as new templates. Read by the code
    location its header names, it is the same event in both windows: no path changed."""
    from autoheal.reasoning.generators.logs import LogTemplateGenerator

    def line(i: int, text: str, k: int) -> LogRecord:
        return _trace_line(i, "seat", text, k)

    logs = []
    for i in range(90):
        sold = " ".join(f"Ticket(seat={n}, from=shanghai, to=beijing)" for n in range(1 if i < 60 else 6))
        logs.append(
            line(i, f"12:00:01.000 INFO  s.s.SeatServiceImpl#54 TraceID: t{i} [distribute][start]", 1)
        )
        logs.append(
            line(i, f"12:00:01.001 INFO  s.s.SeatServiceImpl#66 TraceID: t{i} [distribute][sold: {sold}]", 2)
        )
        logs.append(line(i, f"12:00:01.002 INFO  s.s.SeatServiceImpl#80 TraceID: t{i} [distribute][done]", 3))
    ctx = _log_world(logs)
    assert [h for h in LogTemplateGenerator().generate(ctx) if h.service == "seat"] == []

"""Request paths from spans alone (reasoning/generators/trace_paths.py), against the real embedded tools."""

from datetime import timedelta

from autoheal.reasoning.generators.trace_paths import TracePathGenerator
from autoheal.telemetry.embedded import EmbeddedTelemetry
from autoheal.telemetry.model import LogRecord, Span
from tests.bench.test_generators import T0, _context


def _world(with_logs: bool) -> EmbeddedTelemetry:
    """api calls cart then stock on every request; from minute 40 on, cart returns before it
    calls stock (an early return): api's requests no longer call stock, no latency changes."""
    tel = EmbeddedTelemetry(":memory:")
    spans, logs = [], []
    for i in range(45):
        for r in range(4):
            at = T0 + timedelta(minutes=i, seconds=5 + r)
            t = f"t{i}-{r}"
            spans.append(Span(t, "a", None, "api", "GET /", at, 30.0))
            spans.append(Span(t, "b", "a", "cart", "add", at + timedelta(milliseconds=1), 20.0))
            if i < 40:
                spans.append(Span(t, "c", "b", "stock", "reserve", at + timedelta(milliseconds=2), 10.0))
            logs.append(LogRecord(at, "api", "info", f"INFO request {i} served", trace_id=t))
    tel.traces.write_spans(spans)
    if with_logs:
        tel.logs.write_logs(logs)
    return tel


def test_without_logs_the_spans_show_the_path_that_stopped() -> None:
    ctx = _context(_world(with_logs=False))
    found = TracePathGenerator().generate(ctx)
    assert found and found[0].service == "cart" and found[0].kind == "code_error"
    # cart's add spans now end where they called stock
    assert found[0].attributes["path_break"]["source"] == "span add"
    assert found[0].attributes["path_break"]["incident_share"] == 1.0
    assert found[0].attributes["cause_at"] >= (T0 + timedelta(minutes=40)).isoformat()
    assert all(e.tool == "traces.spans" for e in found[0].evidence)


def test_with_logs_it_abstains_for_the_log_generator() -> None:
    ctx = _context(_world(with_logs=True))
    assert TracePathGenerator().generate(ctx) == []

"""The report's evidence gaps (reasoning/coverage.py), from an investigation's own calls."""

from datetime import timedelta

from autoheal.reasoning import coverage
from autoheal.reasoning.generators.logs import LogTemplateGenerator
from autoheal.reasoning.generators.traces import TraceAttributionGenerator
from autoheal.telemetry.embedded import EmbeddedTelemetry
from autoheal.telemetry.model import LogRecord, Span
from tests.bench.test_generators import T0, _context


def test_a_modality_that_never_answered_is_a_gap_with_its_limit() -> None:
    tel = EmbeddedTelemetry(":memory:")
    tel.traces.write_spans(
        [Span(f"t{i}", "a", None, "api", "GET /", T0 + timedelta(minutes=i), 10.0) for i in range(45)]
    )
    ctx = _context(tel)
    assert LogTemplateGenerator().generate(ctx) == []  # no lines: nothing to read
    TraceAttributionGenerator().generate(ctx)
    gaps = coverage.gaps(ctx)
    assert [(g.modality, g.what) for g in gaps] == [("logs", "none")]
    assert "code-level fault" in gaps[0].detail
    assert coverage.narrative(gaps).startswith("Evidence missing — no logs answered")


def test_logs_only_in_the_incident_window_are_a_reference_gap_and_the_log_generator_abstains() -> None:
    tel = EmbeddedTelemetry(":memory:")
    tel.logs.write_logs(
        [
            LogRecord(T0 + timedelta(minutes=41, seconds=i), "db", "error", f"ERROR query {i} failed")
            for i in range(20)
        ]
    )
    ctx = _context(tel)
    assert LogTemplateGenerator().generate(ctx) == []  # every template would look new
    gaps = coverage.gaps(ctx)
    assert [(g.modality, g.what) for g in gaps] == [("logs", "reference")]
    assert coverage.gaps(_context(EmbeddedTelemetry(":memory:"))) == []  # nothing asked: no gap

"""Graceful degradation (issue 21): the confidence priced for the modalities that did not answer
(reasoning/coverage.py ``scale``), and the topology check abstaining, not refuting, where the
call graph seen in traces has lost a suspect's callers (checks/topology.py ``_hole_above``)."""

from __future__ import annotations

from datetime import timedelta

from autoheal.clock import ManualClock
from autoheal.domain.investigation import CheckOutcome, Evidence, Hypothesis, Verdict, Verification
from autoheal.domain.tools import ToolResult, ToolStatus
from autoheal.reasoning import coverage, report
from autoheal.reasoning.base import InvestigationContext, Window
from autoheal.reasoning.checks.topology import TopologyCheck
from autoheal.reasoning.generators.logs import LogTemplateGenerator
from autoheal.reasoning.generators.traces import TraceAttributionGenerator
from autoheal.telemetry.embedded import EmbeddedTelemetry
from autoheal.telemetry.model import Span
from tests.bench.test_generators import T0 as BENCH_T0
from tests.bench.test_generators import _context

from .fakes import T0, CannedTools, alert


def _traces_without_logs() -> InvestigationContext:
    tel = EmbeddedTelemetry(":memory:")
    tel.traces.write_spans(
        [Span(f"t{i}", "a", None, "api", "GET /", BENCH_T0 + timedelta(minutes=i), 10.0) for i in range(45)]
    )
    ctx = _context(tel)
    LogTemplateGenerator().generate(ctx)
    TraceAttributionGenerator().generate(ctx)
    return ctx


def test_the_confidence_scale_is_the_share_of_the_modalities_asked_that_answered() -> None:
    ctx = _traces_without_logs()
    gaps = coverage.gaps(ctx)
    assert coverage.scale(ctx, gaps) == {
        "asked": ["logs", "traces"],
        "answered": ["traces"],
        "confidence_scale": 0.5,
    }
    assert "Confidence scaled by 0.50 (1 of 2 kinds of evidence answered)" in coverage.narrative(
        gaps, coverage.scale(ctx, gaps)
    )
    nothing = _context(EmbeddedTelemetry(":memory:"))
    assert coverage.scale(nothing, [])["confidence_scale"] == 1.0  # nothing asked: nothing missing


def test_cloud_metric_and_log_tools_count_as_their_modality() -> None:
    # an RDS investigation: CloudWatch answered, Prometheus was refused (not configured)
    ctx = _context(EmbeddedTelemetry(":memory:"))
    for i, (tool, status) in enumerate(
        [("prometheus.query_range", ToolStatus.DENIED), ("aws.cloudwatch_metrics", ToolStatus.OK)]
    ):
        ctx.evidence.append(Evidence(f"c{i}", tool, {}, "..."))
        ctx.statuses[f"c{i}"] = status
    assert coverage.scale(ctx, coverage.gaps(ctx)) == {
        "asked": ["metrics"],
        "answered": ["metrics"],
        "confidence_scale": 1.0,
    }
    ctx.evidence.append(Evidence("c2", "datadog.logs_search", {}, "..."))
    ctx.statuses["c2"] = ToolStatus.ERROR
    assert coverage.scale(ctx, coverage.gaps(ctx))["confidence_scale"] == 0.5  # logs asked, none


def test_the_report_scales_every_cause_by_one_factor_and_keeps_the_order() -> None:
    ctx = _traces_without_logs()
    cited = next(e for e in ctx.evidence if ctx.succeeded(e))
    findings = []
    for service, score in (("api", 0.8), ("db", 0.4)):
        h = Hypothesis(
            f"h:{service}", service, "latency", f"{service} slower", "traces", score, evidence=[cited]
        )
        findings.append((h, Verification(h.id, Verdict.SUPPORTED, (), "supported")))
    unscaled = report.rank(findings, report.typical_scores(h for h, _ in findings))
    built = report.build(ctx, BENCH_T0, BENCH_T0, findings)
    assert [c.hypothesis.service for c in built.causes] == [h.service for h, _, _ in unscaled]
    for cause, (_, _, raw) in zip(built.causes, unscaled, strict=True):
        assert abs(cause.confidence - raw * 0.5) < 1e-9
    assert built.to_dict()["evidence_coverage"]["confidence_scale"] == 0.5
    assert "Confidence scaled by 0.50" in built.narrative


def _topology_ctx(declared: list[tuple[str, str]], seen: list[tuple[str, str]]) -> InvestigationContext:
    def edges(pairs: list[tuple[str, str]]) -> ToolResult:
        return ToolResult.success({"edges": [{"caller": a, "callee": b} for a, b in pairs]})

    tools = CannedTools().on("topology.graph", edges(declared)).on("traces.service_graph", edges(seen))
    return InvestigationContext(
        investigation_id="inv-hole",
        subject="test",
        alerts=(alert(service="frontend"),),
        incident=Window(T0 - timedelta(minutes=5), T0 + timedelta(minutes=5)),
        reference=Window(T0 - timedelta(minutes=60), T0 - timedelta(minutes=10)),
        tools=tools,
        clock=ManualClock(T0 + timedelta(minutes=5)),
    )


def _attack(ctx: InvestigationContext, service: str) -> CheckOutcome:
    h = Hypothesis(f"h:{service}", service, "latency", f"{service} slower", "traces", 0.5)
    return TopologyCheck().attack(h, ctx).outcome


def test_a_suspect_whose_callers_the_traces_lost_is_not_refuted_as_unconnected() -> None:
    # the entry calls gateway (declared); the spans of minutes that were dropped held the calls
    # gateway -> worker, so worker -> db is seen with nobody calling worker
    ctx = _topology_ctx([("frontend", "gateway")], [("frontend", "gateway"), ("worker", "db")])
    assert _attack(ctx, "db") is CheckOutcome.UNKNOWN
    assert _attack(ctx, "worker") is CheckOutcome.UNKNOWN


def test_a_declared_service_outside_the_symptoms_dependencies_is_still_refuted() -> None:
    # batch is a declared entry of its own: nothing was lost above it, it cannot reach frontend
    ctx = _topology_ctx(
        [("frontend", "gateway"), ("batch", "db")], [("frontend", "gateway"), ("batch", "db")]
    )
    assert _attack(ctx, "db") is CheckOutcome.FAILED
    # with no declared topology a trace's root cannot be told from a lost caller: refuted as before
    ctx = _topology_ctx([], [("frontend", "gateway"), ("worker", "db")])
    assert _attack(ctx, "db") is CheckOutcome.FAILED


def test_no_edge_from_either_source_is_a_call_graph_gap_that_scales_nothing() -> None:
    ctx = _topology_ctx([], [])
    assert _attack(ctx, "db") is CheckOutcome.UNKNOWN  # the check asked both sources: no edge
    calls = len(ctx.evidence)
    gaps = [g for g in coverage.gaps(ctx) if g.modality != "metrics"]  # canned tools: no metrics
    assert [(g.modality, g.what) for g in gaps] == [("topology", "none")]
    assert "no call graph" in gaps[0].detail and "abstained" in gaps[0].detail
    assert len(ctx.evidence) == calls  # read from the calls made, nothing asked again
    assert not coverage.has_call_graph(gaps)
    assert coverage.scale(ctx, gaps)["confidence_scale"] == 1.0  # not a modality: no price
    assert "Evidence missing — no call graph" in coverage.narrative(gaps)


def test_a_call_graph_from_either_source_or_never_asked_is_no_gap() -> None:
    for declared, seen in (([("frontend", "db")], []), ([], [("frontend", "db")])):
        ctx = _topology_ctx(declared, seen)
        _attack(ctx, "db")
        found = coverage.gaps(ctx)
        assert "topology" not in {g.modality for g in found} and coverage.has_call_graph(found)
    assert coverage.gaps(_topology_ctx([], [])) == []  # no check asked for the call graph

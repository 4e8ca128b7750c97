from __future__ import annotations

from datetime import timedelta

from autoheal.clock import ManualClock
from autoheal.domain.investigation import Hypothesis, Verdict
from autoheal.reasoning import probe
from autoheal.reasoning.base import InvestigationContext
from autoheal.reasoning.checks import default_checks
from autoheal.reasoning.config import EngineConfig
from autoheal.reasoning.engine import Investigator
from autoheal.reasoning.generators import ChangeGenerator, SaturationGenerator, TopologyGenerator
from autoheal.reasoning.report import NO_EVIDENCE

from .fakes import T0, CannedTools, alert
from .world import SERVICES, World


class SymptomGenerator:
    """Stands in for the metric-anomaly generator: every shifted service is a suspect."""

    name = "symptoms"

    def generate(self, ctx: InvestigationContext) -> list[Hypothesis]:
        found = probe.anomalies(ctx, EngineConfig(), list(ctx.services))
        return [
            Hypothesis(
                id=f"symptoms:{service}",
                service=service,
                kind="service_fault",
                statement=f"{service} is faulty",
                generator=self.name,
                score=0.6,
                evidence=[ctx.cite(shifts[0].evidence, shifts[0].describe())],
            )
            for service, shifts in found.items()
        ]


class ClaimWithoutEvidence:
    name = "bluffer"

    def generate(self, ctx: InvestigationContext) -> list[Hypothesis]:
        return [Hypothesis("bluff:db", "db", "disk_full", "the database disk is full", self.name, score=0.99)]


def run(world: World, *generators, alerts=None):  # type: ignore[no-untyped-def]
    clock = ManualClock(T0 + timedelta(minutes=10))
    tools = world.tools()
    gens = list(generators) or [ChangeGenerator(), TopologyGenerator(), SaturationGenerator()]
    investigator = Investigator(gens, default_checks(), tools, clock)
    events = list(investigator.run("checkout errors", alerts or [alert(service="checkout")]))
    return events, events[-1].payload["report"], tools


def by_service(entries, service, kind=None):  # type: ignore[no-untyped-def]
    return next(
        e
        for e in entries
        if e["hypothesis"]["service"] == service and (kind is None or e["hypothesis"]["kind"] == kind)
    )


def bad_deploy_world() -> World:
    return (
        World()
        .deploy("payments", T0 - timedelta(minutes=6))
        .fault("payments", T0 - timedelta(minutes=5))
        .fault("checkout", T0 - timedelta(minutes=4))
        .fault("frontend", T0 - timedelta(minutes=4))
    )


def test_bad_deploy_is_supported_and_ranked_first() -> None:
    _, report, _ = run(bad_deploy_world())
    top = report["causes"][0]
    assert top["hypothesis"]["service"] == "payments"
    assert top["hypothesis"]["kind"] == "bad_deploy"
    assert top["verification"]["verdict"] == "supported"
    outcomes = {c["name"]: c["outcome"] for c in top["verification"]["checks"]}
    assert outcomes["temporal_precedence"] == "passed"
    assert outcomes["topological_consistency"] == "passed"
    assert outcomes["peers"] == "passed"  # inventory, also called by checkout, is fine
    assert top["hypothesis"]["evidence"], "a finding cites evidence"
    assert "Roll back" in report["next_checks"][0]


def test_unrelated_deploy_is_refuted_with_reason() -> None:
    world = bad_deploy_world().deploy("catalog", T0 - timedelta(minutes=3), "v9")
    _, report, _ = run(world)
    ruled = by_service(report["ruled_out"], "catalog", "bad_deploy")
    assert ruled["verification"]["verdict"] == "refuted"
    assert "not a dependency of any of them" in ruled["verification"]["reason"]
    assert report["causes"][0]["hypothesis"]["service"] == "payments"


def test_deploy_after_onset_is_refuted_by_temporal_precedence() -> None:
    world = bad_deploy_world().deploy("inventory", T0 + timedelta(minutes=5), "v3")
    _, report, _ = run(world)
    ruled = by_service(report["ruled_out"], "inventory", "bad_deploy")
    assert "temporal_precedence" in ruled["verification"]["reason"]
    assert "after the symptoms had started" in ruled["verification"]["reason"]


def test_victim_service_is_refuted_and_upstream_found() -> None:
    world = World().fault("payments", T0 - timedelta(minutes=5)).fault("checkout", T0 - timedelta(minutes=3))
    _, report, _ = run(world, SymptomGenerator(), TopologyGenerator())
    victim = by_service(report["ruled_out"], "checkout")
    assert "victim" in victim["verification"]["reason"]
    assert "payments" in victim["verification"]["reason"]
    assert report["causes"][0]["hypothesis"]["service"] == "payments"


def test_no_evidence_no_finding() -> None:
    tools = CannedTools()  # every tool denied
    investigator = Investigator(
        [ClaimWithoutEvidence(), ChangeGenerator()], default_checks(), tools, ManualClock(T0)
    )
    events = list(investigator.run("checkout errors", [alert()]))
    report = events[-1].payload["report"]
    assert report["causes"] == []
    assert report["ruled_out"][0]["verification"]["reason"] == NO_EVIDENCE
    assert "No root cause could be established" in report["narrative"]


def test_events_stream_in_order_with_one_report() -> None:
    events, _, _ = run(bad_deploy_world())
    kinds = [e.kind for e in events]
    assert kinds[0] == "started" and kinds[-1] == "report" and kinds.count("report") == 1
    first_hypothesis = kinds.index("hypothesis")
    assert "evidence" in kinds[:first_hypothesis]
    assert kinds.index("verification") > first_hypothesis
    assert all(k != "hypothesis" for k in kinds[kinds.index("verification") :])
    times = [e.at for e in events]
    assert times == sorted(times)


def test_global_shift_refutes_specificity() -> None:
    world = World().deploy("payments", T0 - timedelta(minutes=6))
    for s in SERVICES:
        world.fault(s, T0 - timedelta(minutes=5))
    _, report, _ = run(world)
    entry = next(e for e in report["causes"] + report["ruled_out"] if e["hypothesis"]["kind"] == "bad_deploy")
    assert entry["verification"]["verdict"] == Verdict.REFUTED.value
    assert "global shift" in entry["verification"]["reason"]


def test_saturation_found() -> None:
    world = (
        World()
        .fault("db", T0 - timedelta(minutes=5), "cpu_usage_ratio", 0.97)
        .fault("db", T0 - timedelta(minutes=4))
        .fault("payments", T0 - timedelta(minutes=4))
        .fault("checkout", T0 - timedelta(minutes=3))
    )
    _, report, _ = run(world)
    top = report["causes"][0]["hypothesis"]
    assert top["service"] == "db"
    kinds = {c["hypothesis"]["kind"] for c in report["causes"] if c["hypothesis"]["service"] == "db"}
    assert "resource_saturation" in kinds


def test_rollback_that_did_not_help_refutes() -> None:
    world = bad_deploy_world().deploy("payments", T0 + timedelta(minutes=1), "v1", kind="rollback")
    clock = ManualClock(T0 + timedelta(minutes=25))
    investigator = Investigator([ChangeGenerator()], default_checks(), world.tools(), clock)
    report = list(investigator.run("checkout errors", [alert()]))[-1].payload["report"]
    entry = by_service(report["ruled_out"], "payments", "bad_deploy")
    assert "still firing" in entry["verification"]["reason"]


def test_reported_confidence_is_the_committed_map_of_the_raw_one() -> None:
    from autoheal.reasoning.calibration import calibrate, default_map

    _, report, _ = run(bad_deploy_world())
    causes = report["causes"]
    raw = [(c["hypothesis"]["service"], c["raw_confidence"], c["verification"]["verdict"]) for c in causes]
    coverage = report["evidence_coverage"]["confidence_scale"]  # the map reads the report's coverage
    assert [c["confidence"] for c in causes] == calibrate(raw, default_map(), coverage)
    assert [r for _, r, _ in raw] == sorted((r for _, r, _ in raw), reverse=True)  # ranked on raw
    clock = ManualClock(T0 + timedelta(minutes=10))
    plain = Investigator(
        [ChangeGenerator()],
        default_checks(),
        bad_deploy_world().tools(),
        clock,
        config=EngineConfig(calibrated_confidence=False),
    )
    events = list(plain.run("checkout errors", [alert(service="checkout")]))
    uncalibrated = events[-1].payload["report"]["causes"]
    assert uncalibrated and all("raw_confidence" not in c for c in uncalibrated)

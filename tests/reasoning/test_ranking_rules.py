"""The report's fusion of several findings about one service, and checks that cannot judge."""

from __future__ import annotations

from datetime import timedelta

from autoheal.clock import ManualClock
from autoheal.domain.investigation import CheckOutcome, Hypothesis, Verdict, Verification, VerificationCheck
from autoheal.reasoning import report
from autoheal.reasoning.checks import default_checks
from autoheal.reasoning.config import EngineConfig, SymptomMetric
from autoheal.reasoning.engine import Investigator
from autoheal.reasoning.generators import ChangeGenerator, TopologyGenerator

from .fakes import T0, alert
from .world import World


def _finding(
    service: str, kind: str, score: float, generator: str = "test"
) -> tuple[Hypothesis, Verification]:
    h = Hypothesis(f"{service}:{kind}", service, kind, f"{service} {kind}", generator, score)
    checks = (
        VerificationCheck("a", CheckOutcome.PASSED, ""),
        VerificationCheck("b", CheckOutcome.PASSED, ""),
    )
    v = Verification(h.id, Verdict.SUPPORTED, checks, "survived")
    return h, v


def test_one_strong_finding_outranks_several_weak_ones() -> None:
    # four weak findings about 'noisy' (0.3 each), one strong about 'cause' (0.7); fusing the
    # confidences (each >= 0.5 once supported) put 'noisy' first (0.89 against 0.85)
    kinds = ("metric_anomaly", "latency", "code_error", "log_anomaly")
    findings = [_finding("noisy", k, 0.3) for k in kinds]
    findings.append(_finding("cause", "code_error", 0.7))
    ranked = report.rank(findings)
    assert ranked[0][0].service == "cause"
    # the weak ones still corroborate each other: above any one of them alone
    noisy = max(c for h, _, c in ranked if h.service == "noisy")
    assert noisy > report.confidence_of(0.3, ranked[-1][1])


def test_a_service_alone_keeps_its_confidence() -> None:
    h, v = _finding("svc", "latency", 0.6)
    assert report.rank([(h, v)]) == [(h, v, 0.5 + 0.5 * 0.6)]


def _run(config: EngineConfig):  # type: ignore[no-untyped-def]
    world = World().deploy("payments", T0 - timedelta(minutes=6)).fault("payments", T0 - timedelta(minutes=5))
    clock = ManualClock(T0 + timedelta(minutes=10))
    investigator = Investigator(
        [ChangeGenerator(config), TopologyGenerator(config)],
        default_checks(config),
        world.tools(),
        clock,
        config=config,
    )
    events = list(investigator.run("checkout errors", [alert(service="checkout")]))
    top = events[-1].payload["report"]["causes"][0]
    return {c["name"]: c for c in top["verification"]["checks"]}


def test_peers_without_symptom_metrics_cannot_judge() -> None:
    assert _run(EngineConfig())["peers"]["outcome"] == "passed"  # inventory has data and is fine
    blind = EngineConfig(symptom_metrics=[SymptomMetric(name="not_recorded_anywhere")])
    peers = _run(blind)["peers"]
    assert peers["outcome"] == "unknown"
    assert "no symptom metrics" in peers["detail"]


def test_corroboration_decides_between_equally_strong_findings() -> None:
    # Nezha round 7: without corroboration (weight 0) 17 of 45 Nezha cases moved, 10 of them
    # down: a second generator's finding about the same service must decide between services
    # whose best findings are equally strong, and a weak one must not beat a clearly stronger one
    lone = _finding("lone", "latency", 0.6)
    seen_twice = [_finding("twice", "latency", 0.6), _finding("twice", "code_error", 0.2)]
    assert report.rank([lone, *seen_twice])[0][0].service == "twice"
    stronger = _finding("stronger", "network_latency", 0.8)
    assert report.rank([stronger, *seen_twice])[0][0].service == "stronger"


def test_a_shift_every_suspect_shares_says_little_about_one() -> None:
    # Nezha: one logging statement's path broken in the cause (0.67, the other log suspects near
    # 0.05) against a busy service whose trace shift (0.62) most services shared after a change of
    # load and whose metric shift sits at the level the metric generator gave every suspect (0.5)
    cause = _finding("cause", "code_error", 0.67, "logs")
    busy = [_finding("busy", "latency", 0.62, "traces"), _finding("busy", "metric_anomaly", 0.5, "metrics")]
    crowd = [_finding(f"m{i}", "metric_anomaly", 0.5, "metrics") for i in range(3)]
    crowd += [_finding(f"t{i}", "latency", 0.45, "traces") for i in range(3)]
    crowd += [_finding(f"l{i}", "code_error", 0.05, "logs") for i in range(3)]
    findings = [cause, *busy, *crowd]
    assert report.rank(findings)[0][0].service == "busy"  # every score counted whole
    typical = report.typical_scores(h for h, _ in findings)
    ranked = report.rank(findings, typical)
    assert ranked[0][0].service == "cause"
    # the confidence is the specific part's: 0.67 - 0.05 for the cause
    assert ranked[0][2] == report.confidence_of(0.62, ranked[0][1])

    # the same metric shift above what the generator gave the other suspects corroborates again
    def busy_confidence(ranked: list[tuple[Hypothesis, Verification, float]]) -> float:
        return max(c for h, _, c in ranked if h.service == "busy")

    before = busy_confidence(ranked)
    typical[("metrics", "busy")] = 0.1
    assert busy_confidence(report.rank(findings, typical)) > before + 0.05


def test_typical_score_is_the_median_of_the_other_suspects() -> None:
    found = [_finding(f"s{i}", "latency", x, "traces")[0] for i, x in enumerate((0.1, 0.3, 0.9))]
    found.append(_finding("s1", "network_latency", 0.5, "traces")[0])  # a service counts once, at its best
    found.append(_finding("alone", "code_error", 0.4, "logs")[0])
    typical = report.typical_scores(found)
    assert typical[("traces", "s0")] == (0.5 + 0.9) / 2
    assert typical[("traces", "s2")] == (0.1 + 0.5) / 2
    assert typical[("logs", "alone")] == 0.0  # raised no other suspect: the whole score counts
    assert report.specific_score(found[-1], typical) == 0.4
    assert report.specific_score(found[2], typical) == 0.9 - 0.3

"""Rules that keep a first report honest (issue 20): a small count change is no surge, no baseline
no log finding, a change on the alerted service just before onset needs a strong refutation and is
not discounted by other changes, causes in confidence order, evidence with its data, a failed
investigation that says why."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from autoheal.analysis.logs import SURGE_ALPHA, surge_p_value, template_surges
from autoheal.clock import ManualClock
from autoheal.domain.investigation import CheckOutcome, Hypothesis, Verdict, Verification, VerificationCheck
from autoheal.domain.tools import ToolResult
from autoheal.reasoning import report
from autoheal.reasoning.base import InvestigationContext, Window
from autoheal.reasoning.checks import default_checks
from autoheal.reasoning.engine import Investigator
from autoheal.reasoning.generators import ChangeGenerator, TopologyGenerator
from autoheal.reasoning.generators.logs import LogTemplateGenerator
from autoheal.reasoning.verifier import verify

from .fakes import T0, CannedTools, alert
from .world import World

ERROR = "ERROR request validation failed: field 'quantity' must be positive (got -{}) request_id=ab{}"


# --- a log surge must be more than chance -------------------------------------------------------
def test_four_lines_then_three_in_a_shorter_window_is_no_surge() -> None:
    # the demo's "3.3x more frequent" template: 4 lines in the hour before, 3 in ten minutes
    ref = [ERROR.format(i, i) for i in range(4)]
    inc = [ERROR.format(i, i + 10) for i in range(3)]
    assert surge_p_value(4, 3, 610 / (610 + 3600)) > SURGE_ALPHA
    assert template_surges(ref, inc, reference_seconds=3600, incident_seconds=610) == []


def test_a_large_surge_is_kept_with_its_p_value() -> None:
    ref = [ERROR.format(i, i) for i in range(4)]
    inc = [ERROR.format(i, i + 10) for i in range(40)]
    (surge,) = template_surges(ref, inc, reference_seconds=3600, incident_seconds=610)
    assert not surge.new and surge.p_value is not None and surge.p_value < 1e-10


def test_p_value_is_a_binomial_tail() -> None:
    assert surge_p_value(0, 3, 0.5) == pytest.approx(0.125)  # three of three lines by chance
    assert surge_p_value(1, 1, 0.5) == pytest.approx(0.75)
    assert surge_p_value(5, 0, 0.5) == 1.0


def _log_tools(reference: list[dict[str, Any]], incident: list[dict[str, Any]]) -> CannedTools:
    def query(args: Any) -> ToolResult:
        start = (
            args["start"]
            if isinstance(args["start"], datetime)
            else datetime.fromisoformat(str(args["start"]))
        )
        lines = incident if start >= T0 - timedelta(minutes=10) else reference
        return ToolResult.success({"lines": lines}) if lines else ToolResult.empty()

    return CannedTools().on("logs.query", query)


def _line(at: Any, service: str, text: str) -> dict[str, Any]:
    return {"at": at.isoformat(), "service": service, "level": "error", "line": text}


def _ctx(tools: CannedTools) -> InvestigationContext:
    return InvestigationContext(
        investigation_id="inv-test",
        subject="s",
        alerts=[alert(service="checkout")],
        incident=Window(T0 - timedelta(minutes=10), T0 + timedelta(minutes=5)),
        reference=Window(T0 - timedelta(minutes=80), T0 - timedelta(minutes=20)),
        tools=tools,
        clock=ManualClock(T0 + timedelta(minutes=5)),
    )


def test_no_reference_lines_means_no_log_finding() -> None:
    incident = [_line(T0 + timedelta(seconds=i), "checkout", ERROR.format(i, i)) for i in range(30)]
    assert LogTemplateGenerator().generate(_ctx(_log_tools([], incident))) == []
    reference = [_line(T0 - timedelta(minutes=50), "checkout", "INFO order 1 created")]
    found = LogTemplateGenerator().generate(_ctx(_log_tools(reference, incident)))
    assert [h.service for h in found] == ["checkout"]
    # the evidence item carries the template counts, not only a summary
    data = found[0].evidence[0].data
    assert data["templates"][0]["incident"] == 30 and data["templates"][0]["new"] is True


# --- a change on the alerted service just before onset -------------------------------------------
def _checks(*outcomes: tuple[str, CheckOutcome]) -> list[Any]:
    class Fixed:
        def __init__(self, name: str, outcome: CheckOutcome) -> None:
            self.name, self.outcome = name, outcome

        def attack(self, hypothesis: Hypothesis, ctx: InvestigationContext) -> VerificationCheck:
            return VerificationCheck(self.name, self.outcome, f"{self.name} says {self.outcome.value}")

    return [Fixed(n, o) for n, o in outcomes]


def _deploy(prime: bool) -> Hypothesis:
    return Hypothesis(
        "changes:checkout:0",
        "checkout",
        "bad_deploy",
        "deploy",
        "changes",
        0.85,
        attributes={"prime_suspect": prime, "lead_seconds": 120.0},
    )


def test_a_prime_suspect_survives_one_weak_refutation() -> None:
    checks = _checks(("peers", CheckOutcome.FAILED), ("a", CheckOutcome.PASSED), ("b", CheckOutcome.PASSED))
    ctx = _ctx(CannedTools())
    assert verify(_deploy(False), checks, ctx).verdict is Verdict.REFUTED
    held = verify(_deploy(True), checks, ctx)
    assert held.verdict is Verdict.INCONCLUSIVE and "strong refutation" in held.reason


@pytest.mark.parametrize(
    "failed", [("temporal_precedence",), ("recovery",), ("peers", "specificity")], ids=str
)
def test_a_prime_suspect_falls_to_a_strong_refutation(failed: tuple[str, ...]) -> None:
    checks = _checks(*((n, CheckOutcome.FAILED) for n in failed), ("a", CheckOutcome.PASSED))
    assert verify(_deploy(True), checks, _ctx(CannedTools())).verdict is Verdict.REFUTED


def test_the_generator_marks_a_deploy_on_the_alerted_service_just_before_onset() -> None:
    world = (
        World()
        .deploy("checkout", T0 - timedelta(minutes=2), version="2.14.0")
        .deploy("catalog", T0 - timedelta(minutes=9), version="5.1.0")
        .deploy("checkout", T0 - timedelta(minutes=50), version="2.13.0")
    )
    ctx = _ctx(world.tools())
    found = {h.component: h for h in ChangeGenerator().generate(ctx)}
    assert found["2.14.0"].attributes["prime_suspect"] is True
    assert found["5.1.0"].attributes["prime_suspect"] is False  # not the alerted service
    assert found["2.13.0"].attributes["prime_suspect"] is False  # not just before
    assert found["2.14.0"].evidence[0].data["version"] == "2.14.0"


def _finding(
    service: str, kind: str, score: float, generator: str, **attrs: Any
) -> tuple[Hypothesis, Verification]:
    h = Hypothesis(
        f"{service}:{kind}:{generator}",
        service,
        kind,
        f"{service} {kind}",
        generator,
        score,
        attributes=attrs,
    )
    checks = (
        VerificationCheck("a", CheckOutcome.PASSED, ""),
        VerificationCheck("b", CheckOutcome.PASSED, ""),
    )
    return h, Verification(h.id, Verdict.SUPPORTED, checks, "survived")


def test_another_deploy_does_not_discount_a_deploy() -> None:
    mine = _finding("checkout", "bad_deploy", 0.87, "changes", lead_seconds=120.0)
    other = _finding("catalog", "bad_deploy", 0.72, "changes", lead_seconds=540.0)
    noise = _finding("redis", "dependency_fault", 0.4, "topology")
    typical = report.typical_scores(h for h, _ in (mine, other, noise))
    ranked = report.rank([mine, noise], typical)
    assert ranked[0][0].service == "checkout"
    assert ranked[0][2] == pytest.approx(0.5 + 0.5 * 0.87)


def test_causes_are_listed_in_confidence_order_explanation_first_on_ties() -> None:
    deploy = _finding("checkout", "bad_deploy", 0.6, "changes", lead_seconds=120.0)
    anomaly = _finding("checkout", "service_fault", 0.95, "topology")
    elsewhere = _finding("shipping", "latency", 0.7, "traces")
    weak = _finding("checkout", "log_anomaly", 0.05, "logs")
    ranked = report.rank([weak, elsewhere, anomaly, deploy])
    confidences = [c for _, _, c in ranked]
    assert confidences == sorted(confidences, reverse=True)
    assert [h.kind for h, _, _ in ranked[:2]] == ["bad_deploy", "service_fault"]
    assert ranked[0][2] == ranked[1][2]  # the deploy carries the anomaly it explains


def test_a_change_after_the_symptoms_explains_nothing() -> None:
    late = _finding("checkout", "bad_deploy", 0.2, "changes", lead_seconds=-300.0)
    anomaly = _finding("checkout", "service_fault", 0.95, "topology")
    ranked = report.rank([late, anomaly])
    assert ranked[0][0].kind == "service_fault" and ranked[1][2] < ranked[0][2]


def test_the_engine_puts_the_deploy_first_and_metric_evidence_has_data() -> None:
    world = (
        World()
        .deploy("checkout", T0 - timedelta(minutes=2), version="2.14.0")
        .deploy("catalog", T0 - timedelta(minutes=9), version="5.1.0")
        .fault("checkout", T0 - timedelta(minutes=1))
    )
    investigator = Investigator(
        [ChangeGenerator(), TopologyGenerator()],
        default_checks(),
        world.tools(),
        ManualClock(T0 + timedelta(seconds=30)),
    )
    events = list(investigator.run("checkout errors", [alert(service="checkout")]))
    causes = events[-1].payload["report"]["causes"]
    assert causes[0]["hypothesis"]["kind"] == "bad_deploy"
    assert causes[0]["hypothesis"]["component"] == "2.14.0"
    confidences = [c["confidence"] for c in causes]
    assert confidences == sorted(confidences, reverse=True)
    cited = [e for c in causes for e in c["hypothesis"]["evidence"] if e["data"] is not None]
    assert cited, "evidence items carry their data"

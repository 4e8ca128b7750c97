"""The verdict judges the investigations the pipeline ran, against the truth when each finished:
the first report of each fault counts, confident findings on noise are false findings."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from autoheal.sim import load_scenario, simulate
from autoheal.sim.engine import SimulatedRun
from autoheal.sim.judge import Judgement, LiveInvestigation, judge
from autoheal.sim.play import PlayResult
from autoheal.sim.truth import deployed_version
from autoheal.sim.webhook import fingerprint


@pytest.fixture(scope="module")
def story() -> SimulatedRun:
    return simulate(load_scenario("demo-story"))


def _cause(service: str, kind: str, component: str | None, verdict: str = "supported") -> dict[str, Any]:
    return {
        "confidence": 0.8,
        "hypothesis": {"service": service, "kind": kind, "component": component, "statement": "x"},
        "verification": {"verdict": verdict},
    }


def _inv(
    run: SimulatedRun, ident: str, alert: str, service: str, at: datetime, causes: list[dict[str, Any]]
) -> LiveInvestigation:
    fps = {fingerprint(a.labels) for a in run.alerts if a.name == alert and a.service == service}
    return LiveInvestigation(ident, alert, "finished", at, at, tuple(fps), {"causes": causes})


def _onset(run: SimulatedRun, fault: int) -> datetime:
    return min(a.starts_at for a in run.alerts if a.cause == fault)


def _right(run: SimulatedRun, fault: int) -> list[dict[str, Any]]:
    return [_cause("checkout", "bad_deploy", deployed_version(run, fault))]


def test_a_wrong_first_report_fails_the_run_even_when_a_later_one_is_right(story: SimulatedRun) -> None:
    t0, t1 = _onset(story, 0), _onset(story, 1)
    wrong = [_cause("postgres", "code_error", "request validation failed")]
    investigations = [
        _inv(story, "a", "HighErrorRate", "checkout", t0 + timedelta(seconds=10), wrong),
        _inv(story, "b", "HighErrorRate", "checkout", t0 + timedelta(minutes=5), _right(story, 0)),
        _inv(story, "c", "HighErrorRate", "checkout", t1 + timedelta(seconds=10), _right(story, 1)),
    ]
    judged = judge(story, investigations)
    first, second = judged.faults
    assert (first.first_report, first.final_report) == ("a", "b")
    assert not first.first_correct and first.final_correct and first.seconds_to_correct == 300.0
    assert second.first_correct and second.investigations == ["c"]  # same fingerprint, 3 h later
    assert judged.checks()["first_report_matches_ground_truth"] is False
    result = PlayResult("demo-story", [], 0, [], 0, 0, 0.0, judgement=judged)
    assert result.to_dict()["ground_truth_matched"] is False

    fixed = judge(story, investigations[1:])
    assert fixed.checks() == {"first_report_matches_ground_truth": True, "no_false_findings_on_noise": True}
    assert PlayResult("demo-story", [], 0, [], 0, 0, 0.0, judgement=fixed).to_dict()["ground_truth_matched"]


def test_another_deploy_is_not_the_fault(story: SimulatedRun) -> None:
    t0 = _onset(story, 0)
    other = [_cause("checkout", "bad_deploy", deployed_version(story, 1))]
    judged = judge(story, [_inv(story, "a", "HighErrorRate", "checkout", t0, other)])
    assert judged.faults[0].first_correct is False


def test_a_supported_cause_on_noise_is_a_false_finding(story: SimulatedRun) -> None:
    noise_at = min(a.starts_at for a in story.alerts if a.expected == "noise")
    blamed = _inv(
        story,
        "n",
        "HighLatencyP99",
        "recommendation",
        noise_at,
        [_cause("recommendation", "code_error", "x")],
    )
    judged = judge(story, [blamed])
    assert [i.id for i in judged.false_findings] == ["n"]
    assert judged.checks()["no_false_findings_on_noise"] is False
    assert judged.to_dict()["false_findings"] == 1
    unsure = _inv(
        story,
        "m",
        "HighLatencyP99",
        "recommendation",
        noise_at,
        [_cause("recommendation", "code_error", "x", verdict="inconclusive")],
    )
    assert judge(story, [unsure]).checks()["no_false_findings_on_noise"] is True  # no supported cause


def test_a_fault_nobody_investigated_is_not_right(story: SimulatedRun) -> None:
    judged = judge(story, [])
    assert [f.first_report for f in judged.faults] == [None, None]
    assert judged.checks()["first_report_matches_ground_truth"] is False
    assert Judgement().checks() == {}


def test_a_failed_investigation_is_not_a_right_answer(story: SimulatedRun) -> None:
    t0 = _onset(story, 0)
    inv = _inv(story, "f", "HighErrorRate", "checkout", t0, _right(story, 0))
    failed = LiveInvestigation("f", "s", "failed", t0, t0, inv.fingerprints, None, "OverflowError: x")
    judged = judge(story, [failed])
    assert judged.faults[0].first_report == "f" and not judged.faults[0].first_correct
    assert judged.investigations[0].error == "OverflowError: x"

"""Memory in the investigation: a prior is checked first, stops the investigation only when current
evidence confirms it unambiguously, and is never a finding by itself."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from autoheal.clock import ManualClock
from autoheal.reasoning.checks import default_checks
from autoheal.reasoning.engine import Investigator
from autoheal.reasoning.generators import (
    ChangeGenerator,
    SaturationGenerator,
    SimilarIncidentsGenerator,
    TopologyGenerator,
)

from .fakes import T0, alert
from .world import World


def prior(service: str, kind: str, component: str | None = None, *, anchor: bool = True) -> dict[str, Any]:
    return {
        "incident": "inc-7",
        "reasons": ["the same alert rule on the same service"],
        "similarity": 3.0,
        "weight": 1.0 if anchor else 0.5,
        "root_cause": {"service": service, "kind": kind, "component": component},
        "ruled_out": [{"service": "catalog", "kind": "bad_deploy", "why": "after the onset"}],
        "offered": True,
        "anchor": anchor,
    }


def investigate(world: World, priors: list[dict[str, Any]]) -> tuple[dict[str, Any], list[str]]:
    clock = ManualClock(T0 + timedelta(minutes=10))
    generators = [ChangeGenerator(), TopologyGenerator(), SaturationGenerator(), SimilarIncidentsGenerator()]
    investigator = Investigator(generators, default_checks(), world.tools(), clock)
    events = list(investigator.run("checkout errors", [alert(service="checkout")], prior=priors))
    steps = [str(e.payload.get("step")) for e in events if e.kind == "step"]
    return events[-1].payload["report"], steps


def deploy_world() -> World:
    return (
        World()
        .deploy("payments", T0 - timedelta(minutes=6))
        .fault("payments", T0 - timedelta(minutes=5))
        .fault("checkout", T0 - timedelta(minutes=4))
        .fault("frontend", T0 - timedelta(minutes=4))
    )


def top(report: dict[str, Any]) -> tuple[str, str]:
    h = report["causes"][0]["hypothesis"]
    return h["service"], h["kind"]


def test_a_confirmed_prior_anchors_with_fewer_calls_and_the_same_answer() -> None:
    without, _ = investigate(deploy_world(), [])
    with_memory, steps = investigate(deploy_world(), [prior("payments", "bad_deploy")])
    assert "anchor" in steps
    assert top(with_memory) == top(without) == ("payments", "bad_deploy")
    assert with_memory["memory"]["anchored"] and with_memory["memory"]["anchored_on"] == "inc-7"
    assert with_memory["usage"]["tool_calls"] < without["usage"]["tool_calls"]
    assert with_memory["narrative"].startswith("Anchored on incident inc-7 (similar because")
    assert with_memory["memory"]["red_herrings"][0]["service"] == "catalog"
    # the anchored cause was raised from current evidence and verified like any other
    assert with_memory["causes"][0]["verification"]["verdict"] == "supported"
    assert with_memory["causes"][0]["hypothesis"]["evidence"]


def test_a_prior_today_s_evidence_does_not_show_changes_nothing() -> None:
    """Memory says saturation on db; today it is a deploy on payments: full investigation, same
    ranking as without memory, and the report says the prior was not confirmed."""
    without, _ = investigate(deploy_world(), [])
    with_memory, _ = investigate(deploy_world(), [prior("db", "resource_saturation", "cpu_usage_ratio")])
    assert not with_memory["memory"]["anchored"]
    assert with_memory["memory"]["reason"].startswith("checked first, not confirmed")
    assert [c["hypothesis"]["id"] for c in with_memory["causes"]] == [
        c["hypothesis"]["id"] for c in without["causes"]
    ]
    assert not any(
        c["hypothesis"]["service"] == "db" and c["hypothesis"]["kind"] == "resource_saturation"
        for c in with_memory["causes"]
    )
    assert with_memory["usage"]["tool_calls"] >= without["usage"]["tool_calls"]


def test_a_prior_that_may_not_anchor_is_not_checked_first() -> None:
    without, _ = investigate(deploy_world(), [])
    with_memory, steps = investigate(deploy_world(), [prior("payments", "bad_deploy", anchor=False)])
    assert "anchor" not in steps
    assert not with_memory["memory"]["anchored"] and not with_memory["memory"]["checked_first"]
    assert with_memory["usage"]["tool_calls"] == without["usage"]["tool_calls"]
    assert top(with_memory) == top(without)


def test_an_upstream_anomaly_stops_the_shortcut() -> None:
    """The remembered cause (a deploy on checkout) is there today, but db, upstream, is failing
    too: the current evidence is not unambiguous, so the investigation runs in full."""
    world = (
        World()
        .deploy("checkout", T0 - timedelta(minutes=6))
        .fault("db", T0 - timedelta(minutes=5))
        .fault("payments", T0 - timedelta(minutes=5))
        .fault("checkout", T0 - timedelta(minutes=4))
    )
    without, _ = investigate(world, [])
    with_memory, _ = investigate(world, [prior("checkout", "bad_deploy")])
    assert top(without) == ("db", "dependency_fault")
    assert not with_memory["memory"]["anchored"]
    assert "ranks dependency_fault on db first" in with_memory["memory"]["reason"]
    assert [c["hypothesis"]["id"] for c in with_memory["causes"]] == [
        c["hypothesis"]["id"] for c in without["causes"]
    ]


def _report(*found: tuple[str, str, str]) -> Any:
    from autoheal.domain.investigation import (
        Hypothesis,
        InvestigationReport,
        RankedCause,
        Verdict,
        Verification,
    )

    causes = [
        RankedCause(
            i + 1,
            Hypothesis(f"h{i}", service, kind, "", "test"),
            Verification(f"h{i}", Verdict(verdict), (), verdict),
            1.0 - i / 10,
        )
        for i, (service, kind, verdict) in enumerate(found)
    ]
    return InvestigationReport("s", T0, causes=causes)


def test_a_supported_finding_explaining_only_part_of_the_symptoms_does_not_stop_the_anchor() -> None:
    from autoheal.reasoning.memory import anchored, explains_in
    from autoheal.reasoning.reading import Graph

    # checkout and shipping call rabbitmq; checkout and frontend call currency; frontend calls checkout
    graph = Graph({("checkout", "rabbitmq"), ("shipping", "rabbitmq"), ("checkout", "currency"),
                   ("frontend", "currency"), ("frontend", "checkout")})  # fmt: skip
    explains = explains_in(graph, ["rabbitmq", "checkout", "frontend", "shipping"], 3)
    priors = [prior("rabbitmq", "service_fault")]
    side = _report(("rabbitmq", "service_fault", "supported"), ("currency", "dependency_fault", "supported"))
    ok, why = anchored(side, priors, explains)
    assert ok and "currency also supported, explaining only part" in why
    assert not anchored(side, priors)[0]  # without the topology, any other supported finding stops it
    # a rival explaining an alerted service the remembered cause does not (payment alerted itself)
    explains = explains_in(graph, ["rabbitmq", "payment"], 3)
    rival = _report(("rabbitmq", "service_fault", "supported"), ("payment", "service_fault", "supported"))
    ok, why = anchored(rival, priors, explains)
    assert not ok and "payment show supported findings too" in why
    # equal coverage is not "part of": two explanations of the same symptoms stay ambiguous
    same = explains_in(Graph({("checkout", "rabbitmq"), ("checkout", "currency")}), ["checkout"], 3)
    both = _report(("rabbitmq", "service_fault", "supported"), ("currency", "dependency_fault", "supported"))
    assert not anchored(both, priors, same)[0]

"""The topology check's coverage rule: of two degraded services that could explain the same
symptoms (neither calls the other), the one whose degradation fewer degraded callers saw is the
weaker explanation when the other's observers include all of its own (PetShop: the front page's
view of the search load balancer against the search service itself)."""

from __future__ import annotations

from datetime import timedelta

from autoheal.domain.tools import ToolResult
from autoheal.reasoning import probe
from autoheal.reasoning.config import EngineConfig
from autoheal.reasoning.reading import Graph

from .fakes import T0, CannedTools, alert
from .test_engine import SymptomGenerator, by_service, run
from .world import EDGES, World

AT = T0 - timedelta(minutes=3)


class _World(World):
    """The test world with two more calls: catalog -> search (search has two callers, recs one)
    and catalog -> inventory (a healthy peer of search, so the peers check does not judge it)."""

    extra = [("catalog", "search"), ("catalog", "inventory")]
    dropped: tuple[tuple[str, str], ...] = ()

    def tools(self) -> CannedTools:
        edges = [e for e in EDGES if e not in self.dropped] + self.extra
        return (
            super()
            .tools()
            .on(
                "topology.graph",
                ToolResult.success({"edges": [{"source": a, "target": b} for a, b in edges]}),
            )
        )


def _siblings() -> World:
    # search fails; frontend and catalog (its callers) fail with it; recs, which only frontend
    # calls, shows a larger error ratio on its few requests (the load balancer's view)
    return (
        _World()
        .fault("search", AT, value=0.2)
        .fault("frontend", AT, value=0.1)
        .fault("catalog", AT, value=0.1)
        .fault("recs", AT, value=0.6)
    )


def test_observers_walk_up_through_degraded_callers_only() -> None:
    graph = Graph({("a", "b"), ("b", "c"), ("x", "c"), ("y", "x")})
    assert probe.observers(graph, "c", {"a", "b", "c", "x"}) == {"a", "b", "x"}
    assert probe.observers(graph, "c", {"a", "c"}) == set()  # b healthy: a did not see c
    assert probe.observers(Graph({("a", "b"), ("b", "a")}), "a", {"a", "b"}) == {"b"}  # cycles end


def test_service_seen_by_fewer_callers_is_ruled_out_for_the_sibling_seen_by_more() -> None:
    _, report, _ = run(_siblings(), SymptomGenerator(), alerts=[alert(service="frontend")])
    assert report["causes"][0]["hypothesis"]["service"] == "search"
    ruled = by_service(report["ruled_out"], "recs")
    reason = ruled["verification"]["reason"]
    assert "search explains what recs would, and more" in reason and "catalog" in reason


def _topology(report, service):  # type: ignore[no-untyped-def]
    entry = by_service(report["causes"] + report["ruled_out"], service)
    return next(c for c in entry["verification"]["checks"] if c["name"] == "topological_consistency")


def test_without_the_second_caller_degraded_both_stay() -> None:
    world = _siblings()
    del world.faults[("catalog", "error_ratio")]
    _, report, _ = run(world, SymptomGenerator(), alerts=[alert(service="frontend")])
    causes = {c["hypothesis"]["service"] for c in report["causes"]}
    assert {"search", "recs"} <= causes  # the same observers: nothing tells them apart
    assert _topology(report, "recs")["outcome"] == "passed"


def test_a_sibling_that_began_later_does_not_rule_it_out() -> None:
    world = _siblings()
    world.faults[("search", "error_ratio")] = (T0 + timedelta(minutes=5), 0.2)
    world.faults[("catalog", "error_ratio")] = (T0 + timedelta(minutes=5), 0.1)
    _, report, _ = run(world, SymptomGenerator(), alerts=[alert(service="frontend")])
    assert _topology(report, "recs")["outcome"] == "passed"


def test_degraded_means_the_alerted_symptom_when_the_alert_names_one() -> None:
    # the alert pages on latency; only error ratios moved: nothing is degraded in its terms
    world = _siblings()
    _, report, _ = run(
        world,
        SymptomGenerator(),
        alerts=[alert(service="frontend", expr='latency_p99_ms{service="frontend"} > 500')],
    )
    assert _topology(report, "recs")["outcome"] == "passed"
    assert [m.name for m in probe.alerted_metrics(_Ctx(), EngineConfig())] == [
        m.name for m in EngineConfig().symptom_metrics
    ]


class _Ctx:
    alerts: list = []  # an investigation whose alerts name no expression


def test_a_service_no_degraded_caller_saw_is_not_judged_by_coverage() -> None:
    # inventory degrades, but neither of its callers (checkout, catalog) does: no witness
    world = _siblings().fault("inventory", AT, value=0.6)
    del world.faults[("catalog", "error_ratio")]
    _, report, _ = run(world, SymptomGenerator(), alerts=[alert(service="frontend")])
    assert _topology(report, "inventory")["outcome"] == "passed"


def test_a_chain_above_one_caller_is_one_witness() -> None:
    # frontend reaches search only through catalog: search has one witness (catalog), recs one
    # (frontend); the chain frontend -> catalog -> search repeats catalog's observation
    world = _siblings()
    world.dropped = (("frontend", "search"),)
    _, report, _ = run(world, SymptomGenerator(), alerts=[alert(service="frontend")])
    assert _topology(report, "recs")["outcome"] == "passed"

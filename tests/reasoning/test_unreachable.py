"""Engine defects the simulator exposed: an unreachable dependency, a tiny error-ratio shift, a
leak's previous cycle in the reference window."""

from __future__ import annotations

from datetime import datetime, timedelta

from autoheal.domain.investigation import Evidence
from autoheal.reasoning import probe
from autoheal.reasoning.config import EngineConfig
from autoheal.reasoning.generators import SaturationGenerator, TopologyGenerator
from autoheal.reasoning.reading import Graph

from .fakes import T0
from .test_engine import SymptomGenerator, by_service, run
from .world import World

EV = Evidence("ev1", "prometheus.query_range", {}, "q")


def _shift(
    service: str, metric: str, reference: float, incident: float, at: datetime, z: float = 10.0
) -> probe.Shift:
    return probe.Shift(service, metric, z, reference, incident, at, EV)


def test_unreachable_needs_a_near_total_drop_and_a_caller_failing_at_the_same_time() -> None:
    config = EngineConfig()
    graph = Graph({("checkout", "payments"), ("payments", "db")})
    callers_failing = {"checkout": [_shift("checkout", "error_ratio", 0.01, 0.3, T0)]}
    collapsed = {"payments": _shift("payments", "request_rate", 50.0, 1.0, T0 + timedelta(seconds=30))}
    assert set(probe.unreachable(config, graph, callers_failing, collapsed)) == {"payments"}
    # half the traffic gone is not "cannot reach it" (a caller failing some requests does that)
    halved = {"payments": _shift("payments", "request_rate", 50.0, 25.0, T0)}
    assert probe.unreachable(config, graph, callers_failing, halved) == {}
    # no direct caller degraded: db's traffic fell because payments stopped calling it
    db = {"db": _shift("db", "request_rate", 50.0, 1.0, T0)}
    assert probe.unreachable(config, graph, callers_failing, db) == {}
    # the caller's failures began long before the drop: unrelated
    late = {"payments": _shift("payments", "request_rate", 50.0, 1.0, T0 + timedelta(minutes=20))}
    assert probe.unreachable(config, graph, callers_failing, late) == {}


def test_unreachable_dependency_is_the_root_and_its_caller_a_victim() -> None:
    at = T0 - timedelta(minutes=3)
    world = World().fault("checkout", at).fault("payments", at, "request_rate", 0.5)
    _, report, _ = run(world, SymptomGenerator(), TopologyGenerator())
    top = report["causes"][0]["hypothesis"]
    assert (top["service"], top["kind"]) == ("payments", "dependency_fault")
    assert "inbound traffic collapsed" in top["statement"]
    victim = by_service(report["ruled_out"], "checkout")
    assert "victim" in victim["verification"]["reason"] and "payments" in victim["verification"]["reason"]


def test_traffic_drop_without_failing_callers_names_nothing() -> None:
    world = (
        World()
        .fault("checkout", T0 - timedelta(minutes=3))
        .fault("search", T0 - timedelta(minutes=3), "request_rate", 0.5)
    )
    _, report, _ = run(world, TopologyGenerator())
    services = {e["hypothesis"]["service"] for e in report["causes"] + report["ruled_out"]}
    assert "search" not in services  # frontend, search's caller, did not degrade


def test_error_ratio_shift_below_min_change_is_not_a_shift() -> None:
    small = _shift("db", "error_ratio", 0.002, 0.004, T0)
    assert not probe.Shift(
        *[
            getattr(small, f)
            for f in ("service", "metric", "z", "reference", "incident", "onset", "evidence")
        ],
        0.01,
    ).beyond(3.0)
    assert small.beyond(3.0)  # without a floor the robust z alone decides
    big = probe.Shift("db", "error_ratio", 10.0, 0.002, 0.05, T0, EV, 0.01)
    assert big.beyond(3.0) and not big.beyond(11.0)


def test_jitter_on_a_dependency_does_not_make_its_caller_a_victim() -> None:
    # payments' error ratio moves 0.012 -> 0.02 (robust z > 3, less than one point): background
    at = T0 - timedelta(minutes=3)
    world = World().fault("checkout", at).fault("payments", at - timedelta(minutes=2), value=0.02)
    _, report, _ = run(world, SymptomGenerator(), TopologyGenerator())
    assert report["causes"][0]["hypothesis"]["service"] == "checkout"


class LeakWorld(World):
    """db's memory (served as cpu_usage_ratio) hit the limit once in the reference window (the
    previous cycle of a leak, reset by a restart) and again in the incident."""

    def value(self, service: str, metric: str, i: int, at: datetime) -> float:
        if service == "db" and metric == "cpu_usage_ratio" and -52 <= i <= -50:
            return 0.95
        return super().value(service, metric, i, at)


def test_saturation_skips_only_chronic_saturation() -> None:
    world = LeakWorld().fault("db", T0 - timedelta(minutes=5), "cpu_usage_ratio", 0.97)
    world.fault("checkout", T0 - timedelta(minutes=3))
    _, report, _ = run(world, SaturationGenerator())
    entry = by_service(report["causes"] + report["ruled_out"], "db", "resource_saturation")
    assert "typically" in entry["hypothesis"]["evidence"][0]["summary"]
    chronic = World().fault("db", T0 - timedelta(hours=5), "cpu_usage_ratio", 0.97)
    chronic.fault("checkout", T0 - timedelta(minutes=3))
    _, report, _ = run(chronic, SaturationGenerator())
    assert not [e for e in report["causes"] + report["ruled_out"] if e["hypothesis"]["service"] == "db"]

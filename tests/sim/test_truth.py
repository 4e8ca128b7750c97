"""When a fault's investigation counts as right (docs/scenarios.md "When a cause counts as right"),
how the scenario's maintenance reaches the app, and the triage check on its own."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from autoheal.reasoning.triage import MaintenanceWindow
from autoheal.sim import load_scenario, simulate
from autoheal.sim.kinds import FaultKind
from autoheal.sim.parity import play_on
from autoheal.sim.play import AlertOutcome, EmbeddedAutoheal, maintenance_config
from autoheal.sim.truth import ACCEPTED, deployed_version, matched_kind


def test_every_fault_kind_has_a_rule() -> None:
    assert set(ACCEPTED) == set(FaultKind)


@pytest.mark.parametrize(
    ("fault", "kind", "component", "ok"),
    [
        (FaultKind.MEMORY_LEAK, "resource_saturation", "memory_usage_ratio", True),
        (FaultKind.MEMORY_LEAK, "resource_saturation", "cpu_usage_ratio", False),  # wrong resource
        (FaultKind.MEMORY_LEAK, "metric_anomaly", "memory_usage_ratio", False),
        # CPU that a noisy neighbour takes is not the service's own saturation (and the reverse)
        (FaultKind.CPU_CONTENTION, "resource_saturation", "cpu_usage_ratio", False),
        (FaultKind.CPU_CONTENTION, "cpu_contention", "cpu_steal_ratio", True),
        (FaultKind.RUNAWAY_PROCESS, "runaway_process", "cpu_usage_ratio", True),
        (FaultKind.RUNAWAY_PROCESS, "cpu_contention", "cpu_steal_ratio", False),
        (FaultKind.LOAD_SURGE, "load_surge", "request_rate", True),
        (FaultKind.LOAD_SURGE, "resource_saturation", "memory_usage_ratio", False),
        (FaultKind.MEMORY_LEAK, "load_surge", "request_rate", False),
        (FaultKind.DNS_FAILURE, "dns_failure", "payment.shop.svc.cluster.local", True),
        (FaultKind.DNS_FAILURE, "service_fault", "error_ratio", False),
        (FaultKind.DISK_FULL, "resource_saturation", "disk_usage_ratio", True),
        (FaultKind.DISK_FULL, "resource_saturation", "pool_usage_ratio", False),
        (FaultKind.CONNECTION_POOL_EXHAUSTION, "resource_saturation", "pool_usage_ratio", True),
        (FaultKind.DEPENDENCY_OUTAGE, "service_fault", "error_ratio", True),
        (FaultKind.DEPENDENCY_OUTAGE, "dependency_fault", "up", True),
        (FaultKind.DEPENDENCY_OUTAGE, "code_error", "connection refused", False),
        (FaultKind.DEPENDENCY_OUTAGE, "latency", "GET /", False),
        (FaultKind.NETWORK_DELAY, "service_fault", "latency_p99_ms", True),
        (FaultKind.NETWORK_DELAY, "service_fault", "error_ratio", False),  # errors are not a delay
        (FaultKind.NETWORK_DELAY, "network_latency", "GET /convert", True),
        (FaultKind.THIRD_PARTY_DEGRADATION, "service_fault", "error_ratio", True),
        (FaultKind.THIRD_PARTY_DEGRADATION, "resource_saturation", "cpu_usage_ratio", False),
        (FaultKind.CERTIFICATE_EXPIRY, "dependency_fault", "request_rate", True),
        (FaultKind.CONFIG_CHANGE, "config_change", None, True),
        (FaultKind.CONFIG_CHANGE, "bad_deploy", "1.2.0", False),
    ],
)
def test_matched_kind(fault: FaultKind, kind: str, component: str | None, ok: bool) -> None:
    assert matched_kind(fault, {"service": "x", "kind": kind, "component": component}) is ok


def test_a_bad_deploy_must_name_the_fault_s_own_deploy() -> None:
    run = simulate(load_scenario("recurrence-bad-deploy-checkout"))
    first, second = deployed_version(run, 0), deployed_version(run, 1)
    assert first and second and first != second
    assert matched_kind(FaultKind.BAD_DEPLOY, {"kind": "bad_deploy", "component": first}, first)
    assert not matched_kind(FaultKind.BAD_DEPLOY, {"kind": "bad_deploy", "component": first}, second)
    assert not matched_kind(FaultKind.BAD_DEPLOY, None, first)


def test_scenario_maintenance_becomes_the_app_s_triage_maintenance() -> None:
    run = simulate(load_scenario("maintenance-postgres"))
    (entry,) = maintenance_config(run)
    window = MaintenanceWindow.model_validate(entry)  # what the config file would hold
    assert window.services == ["postgres"]
    assert window.start == datetime.fromisoformat("2026-01-05T08:20:00+00:00")
    assert window.end == datetime.fromisoformat("2026-01-05T08:40:00+00:00")
    assert maintenance_config(simulate(load_scenario("noise-transient-spikes"))) == []


def test_triage_check_reads_the_verdict_alone() -> None:
    def outcome(expected: str, verdict: str | None) -> AlertOutcome:
        return AlertOutcome("t", "A", "s", "fp", expected, "why", None, verdict=verdict)

    assert outcome("noise", "noise").triage_matched is True
    assert outcome("noise", "duplicate").triage_matched is True
    assert outcome("noise", "signal").triage_matched is False
    assert outcome("signal", "known_issue").triage_matched is True
    assert outcome("signal", "noise").triage_matched is False
    assert outcome("signal", None).triage_matched is None


@pytest.mark.parametrize("name", ["maintenance-postgres", "noise-transient-spikes"])
def test_the_wired_app_acknowledges_maintenance_and_transients_as_noise(name: str, tmp_path: Path) -> None:
    """Through the real app: the declared window reaches triage as configured maintenance, and a
    critical blip paged while it fired is acknowledged as noise once it resolved on its own."""
    run = simulate(load_scenario(name))
    result = play_on(run, "embedded", tmp_path, investigate=False).result
    noise = [o for o in result.outcomes if o.expected == "noise"]
    assert noise and all(o.verdict == "noise" for o in noise)
    assert all(o.verdict != "noise" for o in result.outcomes if o.expected == "signal")
    assert result.checks()["triage_matches_ground_truth"]


def test_the_embedded_app_is_configured_with_the_scenario_s_topology_and_maintenance(tmp_path: Path) -> None:
    run = simulate(load_scenario("maintenance-postgres"))
    with EmbeddedAutoheal.for_run(run, tmp_path) as server:
        settings = server.autoheal.settings
        (window,) = settings.triage.maintenance
        assert window.services == ["postgres"] and window.name == run.scenario.maintenance[0].reason
        topology = settings.tools.topology.file
        assert topology is not None and "caller: checkout" in Path(topology).read_text()
        assert server.clock.now() == run.start

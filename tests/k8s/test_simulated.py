"""Simulated production with a Kubernetes face: the investigators find the injected cause."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from autoheal.k8s.bench import investigate_governed
from autoheal.k8s.fakeapi import FakeKubeAPI
from autoheal.k8s.metrics import RecordedPrometheus
from autoheal.k8s.simulated import FROM_SIM_FAULT, K8sFault, from_simulation, simulate
from autoheal.tools.kubernetes import ApiBackend, kubernetes_tools

NOW = datetime(2026, 5, 4, 9, 30, tzinfo=UTC)
SERVICES = [("checkout", "shop"), ("ledger-writer", "payments"), ("search-api", "catalog")]


@pytest.mark.parametrize("fault", list(K8sFault))
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_investigator_finds_the_injected_cause(fault: K8sFault, seed: int) -> None:
    service, namespace = SERVICES[seed % len(SERVICES)]
    cluster = simulate(
        fault, service=service, namespace=namespace, start=NOW - timedelta(minutes=40), now=NOW, seed=seed
    )
    run = investigate_governed(f"sim-{fault}-{seed}", cluster.alerts, NOW, cluster.tools())
    top = run.hypotheses[0]
    assert top.kind == cluster.truth["kind"], top.statement
    assert cluster.truth["object"] in (top.service, top.component) or cluster.truth["object"] in top.statement
    if "fact" in cluster.truth:
        assert cluster.truth["fact"] in top.statement
    assert top.evidence, "a finding without cited evidence"


def test_oom_and_bad_config_name_the_cause_precisely() -> None:
    start = NOW - timedelta(minutes=25)
    oom = simulate("memory_leak", service="indexer", namespace="search", start=start, now=NOW, seed=7)
    top = investigate_governed("sim-oom", oom.alerts, NOW, oom.tools()).hypotheses[0]
    assert top.kind == "oom" and "OOMKilled" in top.statement and "working set peaked" in top.statement
    bad = simulate(
        "config_change", service="ledger-writer", namespace="payments", start=start, now=NOW, seed=7
    )
    top = investigate_governed("sim-config", bad.alerts, NOW, bad.tools()).hypotheses[0]
    assert top.kind == "bad_deploy" and "revision 2" in top.statement
    assert f"environment variable {bad.truth['fact']} is not set" in top.statement


def test_same_seed_same_cluster_and_the_simulator_faults_map() -> None:
    a = simulate(K8sFault.OOM, service="x", namespace="y", start=NOW - timedelta(hours=1), now=NOW, seed=5)
    b = simulate(K8sFault.OOM, service="x", namespace="y", start=NOW - timedelta(hours=1), now=NOW, seed=5)
    assert a.backend.resources() == b.backend.resources()
    assert set(FROM_SIM_FAULT.values()) <= set(K8sFault)


def test_simulated_cluster_served_through_the_official_client() -> None:
    cluster = simulate(
        K8sFault.BAD_CONFIG_ROLLOUT,
        service="cart",
        namespace="shop",
        start=NOW - timedelta(minutes=30),
        now=NOW,
        seed=11,
    )
    with FakeKubeAPI(cluster.backend) as api:
        tools = [*kubernetes_tools(ApiBackend(api.client())), RecordedPrometheus(cluster.metrics)]
        top = investigate_governed("sim-api", cluster.alerts, NOW, tools).hypotheses[0]
    assert top.kind == "bad_deploy" and cluster.truth["fact"] in top.statement


@pytest.mark.parametrize("scenario", ["memory-leak-payment", "config-change-checkout", "disk-full-postgres"])
def test_from_simulation_gives_the_kubernetes_face_of_a_scenario_run(scenario: str) -> None:
    from autoheal.sim.engine import simulate as run_scenario
    from autoheal.sim.scenario import load_scenario

    run = run_scenario(load_scenario(scenario))
    cluster = from_simulation(run)
    assert cluster is not None and cluster.alerts
    assert cluster.observed_at is not None
    at = cluster.observed_at
    top = investigate_governed(f"sim-{scenario}", cluster.alerts[:1], at, cluster.tools()).hypotheses[0]
    assert top.kind == cluster.truth["kind"], top.statement
    assert cluster.truth["object"] in top.statement

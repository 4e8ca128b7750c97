"""The simulator: determinism, fault symptoms where they belong, noise, red herrings, payload shape."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from autoheal.sim import catalogue, load_scenario, parse_scenario, simulate
from autoheal.sim.engine import SimulatedRun
from autoheal.sim.webhook import fingerprint
from autoheal.telemetry.model import ChangeKind

FIXTURES = Path("/work/shared/fixtures/alertmanager")


def _run(kind: str, service: str, **extra: Any) -> SimulatedRun:
    data = {
        "name": f"t-{kind}",
        "duration": "50m",
        "step": "15s",
        "seed": 1,
        "traces_per_minute": 2,
        "faults": [{"kind": kind, "service": service, "at": "15m", "duration": "30m", **extra}],
    }
    return simulate(parse_scenario(data))


def _mean(run: SimulatedRun, metric: str, service: str, start_min: float, end_min: float) -> float:
    values = run.value(metric, service)
    a, b = int(start_min * 4), int(end_min * 4)
    return float(np.mean(values[a:b]))


def _degraded(run: SimulatedRun, service: str) -> bool:
    err = _mean(run, "error_ratio", service, 25, 44) > max(
        0.03, 3 * _mean(run, "error_ratio", service, 0, 14)
    )
    lat = _mean(run, "latency_p99_ms", service, 25, 44) > 1.5 * _mean(run, "latency_p99_ms", service, 0, 14)
    return err or lat


def test_same_seed_same_telemetry_and_other_seed_differs() -> None:
    sc = load_scenario("bad-deploy-checkout")
    a, b = simulate(sc), simulate(sc)
    for (na, la, va), (nb, lb, vb) in zip(a.series(), b.series(), strict=True):
        assert (na, la) == (nb, lb)
        assert np.array_equal(va, vb)
    assert [(r.at, r.line) for r in a.logs] == [(r.at, r.line) for r in b.logs]
    assert [(s.trace_id, s.span_id, s.duration_ms) for s in a.spans] == [
        (s.trace_id, s.span_id, s.duration_ms) for s in b.spans
    ]
    assert [d.body() for d in a.deliveries] == [d.body() for d in b.deliveries]
    other = simulate(sc.model_copy(update={"seed": 8}))
    assert not np.array_equal(other.value("request_rate", "cart"), a.value("request_rate", "cart"))


@pytest.mark.parametrize(
    ("kind", "service"),
    [
        ("bad_deploy", "payment"),
        ("dependency_outage", "redis"),
        ("connection_pool_exhaustion", "payment"),
        ("cpu_contention", "catalogue"),
        ("network_delay", "currency"),
        ("config_change", "checkout"),
        ("certificate_expiry", "catalogue"),
        ("disk_full", "postgres"),
        ("third_party_degradation", "payment-gateway"),
    ],
)
def test_faults_reach_callers_not_callees(kind: str, service: str) -> None:
    params = {"params": {"ramp": "3m"}} if kind in {"disk_full", "connection_pool_exhaustion"} else {}
    if kind == "cpu_contention":
        params = {"params": {"latency_factor": 10}}
    run = _run(kind, service, **params)
    topo = run.topology
    for caller in topo.callers(service):
        assert _degraded(run, caller), f"{caller} should suffer from {kind} on {service}"
    for callee in topo.downstream_of(service):
        assert not _degraded(run, callee), f"{callee} is downstream of {service} and should be healthy"
    signal = [a for a in run.alerts if a.expected == "signal"]
    assert signal and all(a.cause == 0 for a in signal)
    assert not [a for a in run.alerts if a.expected == "unexplained"]


def test_kind_specific_symptoms() -> None:
    leak = _run("memory_leak", "recommendation", params={"ramp": "8m"})
    assert leak.value("restarts_total", "recommendation")[-1] >= 3
    assert {a.name for a in leak.alerts} >= {"HighMemoryUsage", "PodRestarting"}
    assert any("OOMKilled" in r.line for r in leak.logs if r.service == "recommendation")

    deploy = _run("bad_deploy", "checkout")
    change = next(c for c in deploy.changes if c.kind is ChangeKind.DEPLOY)
    assert change.service == "checkout" and change.version == "2.14.0" and change.previous_version == "2.13.4"
    assert change.at < deploy.scenario.at(15 * 60)
    new_lines = [r for r in deploy.logs if "version 2.14.0" in r.line]
    assert new_lines and min(r.at for r in new_lines) >= change.at

    cert = _run("certificate_expiry", "catalogue")
    assert any("x509: certificate has expired" in r.line for r in cert.logs if r.service == "frontend")
    assert _mean(cert, "request_rate", "catalogue", 20, 40) < 0.1 * _mean(
        cert, "request_rate", "catalogue", 0, 14
    )

    disk = _run("disk_full", "postgres", params={"ramp": "3m"})
    assert disk.value("disk_usage_ratio", "postgres").max() == 1.0
    assert any("No space left on device" in r.line for r in disk.logs)

    pool = _run("connection_pool_exhaustion", "payment", params={"ramp": "3m"})
    assert pool.value("pool_usage_ratio", "payment").max() > 0.95
    assert pool.value("pool_usage_ratio", "checkout").max() < 0.9

    outage = _run("dependency_outage", "redis")
    assert any("connection refused" in r.line for r in outage.logs if r.service == "cart")
    assert any(a.name == "ServiceDown" and a.service == "redis" for a in outage.alerts)


def test_traces_follow_the_call_graph() -> None:
    run = _run("bad_deploy", "checkout")
    by_id = {s.span_id: s for s in run.spans}
    edges = {(p, c) for p, c, _ in run.topology.edges()}
    assert run.spans
    for span in run.spans:
        if span.parent_id is not None:
            assert (by_id[span.parent_id].service, span.service) in edges
    failing = [s for s in run.spans if s.service == "checkout" and s.error]
    assert failing and all(run.scenario.at(14 * 60) <= s.start for s in failing[:1])


def test_noise_and_red_herrings() -> None:
    by_name = {s.name: s for s in catalogue()}
    flap = simulate(by_name["noise-flapping"])
    fps = {}
    for alert in flap.alerts:
        assert alert.expected == "noise"
        fps.setdefault((alert.name, alert.service), set()).add(fingerprint(alert.labels))
    assert all(len(v) == 1 for v in fps.values())  # one fingerprint per flapping alert
    assert max(sum(1 for a in flap.alerts if (a.name, a.service) == key) for key in fps) >= 5

    spikes = simulate(by_name["noise-transient-spikes"])
    assert spikes.alerts and all(a.ends_at is not None and a.expected == "noise" for a in spikes.alerts)
    assert all((a.ends_at - a.starts_at).total_seconds() <= 300 for a in spikes.alerts if a.ends_at)

    maint = simulate(by_name["maintenance-postgres"])
    assert {a.expected for a in maint.alerts if a.service == "postgres"} == {"noise"}

    chronic = simulate(by_name["chronic-cpu-throttling"])
    assert sum(1 for a in chronic.alerts if a.name == "CPUThrottlingHigh") >= 5

    dup = simulate(by_name["duplicates-redelivery"])
    again = [d for d in dup.deliveries if d.redelivery]
    assert len(again) == 2 * (len(dup.deliveries) - len(again))

    herring = simulate(by_name["red-herring-deploy-before-cpu"])
    deploys = [c for c in herring.changes if c.kind is ChangeKind.DEPLOY]
    assert [c.service for c in deploys] == ["cart"]
    assert not [a for a in herring.alerts if a.service == "cart"]
    victim = simulate(by_name["bad-deploy-payment-victim"])
    assert _mean(victim, "error_ratio", "checkout", 60, 85) > _mean(victim, "error_ratio", "payment", 60, 85)


def test_every_catalogue_alert_is_explained() -> None:
    for scenario in catalogue():
        if scenario.duration > 4 * 3600:
            continue  # the long recurrences are checked through their short cousins here
        run = simulate(scenario)
        assert run.alerts, scenario.name
        assert not [a for a in run.alerts if a.expected == "unexplained"], scenario.name
        for i in range(len(scenario.faults)):
            assert any(a.cause == i for a in run.alerts), f"{scenario.name}: fault {i} raised no alert"


def test_payload_has_the_real_alertmanager_shape() -> None:
    real = json.loads((FIXTURES / "alertmanager_payload_firing_errorrate.json").read_text())
    labels = real["alerts"][0]["labels"]
    assert fingerprint(labels) == real["alerts"][0]["fingerprint"]
    run = _run("bad_deploy", "checkout")
    firing = next(d for d in run.deliveries if d.status == "firing")
    resolved = next(
        d for d in run.deliveries if d.status == "resolved" and d.alert_index == firing.alert_index
    )
    assert set(firing.payload) == set(real)
    assert set(firing.payload["alerts"][0]) == set(real["alerts"][0])
    assert firing.payload["alerts"][0]["endsAt"] == "0001-01-01T00:00:00Z"
    assert (
        resolved.payload["alerts"][0]["endsAt"].endswith("Z")
        and resolved.payload["alerts"][0]["endsAt"][0] == "2"
    )
    assert firing.payload["alerts"][0]["fingerprint"] == resolved.payload["alerts"][0]["fingerprint"]
    assert firing.payload["version"] == "4"

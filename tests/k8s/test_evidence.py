"""Series arithmetic the investigators use instead of PromQL functions."""

from __future__ import annotations

import math

from autoheal.k8s import evidence as kev


def test_counter_rate_handles_resets() -> None:
    points = [(0.0, 0.0), (60.0, 120.0), (120.0, 240.0), (180.0, 30.0)]
    assert kev.counter_rate(points) == [(60.0, 2.0), (120.0, 2.0), (180.0, 0.5)]


def test_time_to_full_fits_the_last_hour_like_predict_linear() -> None:
    points = [(60.0 * i, 1000.0 + (0 if i < 60 else 10.0 * (i - 60))) for i in range(121)]
    slope, eta = kev.time_to_full(points, free_now=600.0, last_seconds=3600)
    assert math.isclose(slope, 10.0 / 60, rel_tol=1e-9)
    assert math.isclose(eta, 3600.0, rel_tol=1e-9)
    assert kev.time_to_full([(0.0, 5.0), (60.0, 5.0)], 100.0)[1] == float("inf")


def test_quantities_and_workload_names() -> None:
    assert kev.quantity("6071320Ki") == 6071320 * 1024
    assert kev.quantity("500m") == 0.5
    pod = {
        "metadata": {
            "name": "web-5c4b3a291-x1",
            "labels": {"pod-template-hash": "5c4b3a291"},
            "ownerReferences": [{"kind": "ReplicaSet", "name": "web-5c4b3a291", "controller": True}],
        },
        "spec": {"containers": [{"resources": {"requests": {"memory": "1Gi"}}}, {"resources": {}}]},
    }
    assert kev.workload_of(pod) == "web"
    assert kev.requests_of(pod, "memory") == 1024**3


def test_series_on_node_falls_back_to_pod_names_in_guarded_chunks() -> None:
    from datetime import UTC, datetime, timedelta

    from autoheal.domain.alerts import Alert, AlertStatus, Severity
    from autoheal.k8s.bench import investigate_governed
    from autoheal.k8s.metrics import RecordedPrometheus

    now = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
    pods = [{"metadata": {"name": f"very-long-workload-name-{i:03d}-6d5c4b3a2-abcde"}} for i in range(150)]
    recorded = [
        {
            "metric": {
                "__name__": "container_memory_working_set_bytes",
                "pod": p["metadata"]["name"],
                "container": "c",
            },
            "values": [[(now - timedelta(minutes=5)).timestamp(), "1024"]],
        }
        for p in pods
    ]
    alert = Alert(
        source="test",
        fingerprint="f",
        status=AlertStatus.FIRING,
        name="Unrouted",
        starts_at=now - timedelta(minutes=10),
        labels={},
        annotations={},
        service="x",
        severity=Severity.WARNING,
    )
    run = investigate_governed("fallback", [alert], now, [RecordedPrometheus(recorded)])
    series, evidence = kev.series_on_node(
        run.context, "container_memory_working_set_bytes", "n1", pods, "usage"
    )
    assert len(series) == 150
    assert len(evidence) >= 3  # the node-label query, then at least two chunks of pod names
    assert all(run.context.statuses[e.id].value in ("ok", "no_data") for e in evidence)

"""Catalogue cases: HPA maxed out, CPU throttling, CPU and memory overcommit."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from autoheal.k8s import apiobjects as k
from tests.k8s.casebook import case, deployment_family, m, series


def running_pods(
    ns: str,
    rs: str,
    tmpl: dict[str, Any],
    created: datetime,
    suffixes: list[str],
    *,
    nodes: list[str] | None = None,
    ip_base: str = "10.244.4",
) -> list[dict[str, Any]]:
    cname, image = tmpl["spec"]["containers"][0]["name"], tmpl["spec"]["containers"][0]["image"]
    nodes = nodes or ["worker-1"]
    return [
        k.pod(
            f"{rs}-{s}",
            ns,
            created,
            tmpl,
            [k.container_status(cname, image, k.running(created), ready=True)],
            owner=("ReplicaSet", rs),
            node=nodes[i % len(nodes)],
            ip=f"{ip_base}.{i + 10}",
            extra_labels={"pod-template-hash": rs.rsplit("-", 1)[-1]},
        )
        for i, s in enumerate(suffixes)
    ]


def _hpa_labels(ns: str, name: str) -> dict[str, str]:
    return {
        "alertname": "KubeHpaMaxedOut",
        "namespace": ns,
        "horizontalpodautoscaler": name,
        "job": "kube-state-metrics",
        "severity": "warning",
    }


@case
def hpa_maxed_load_unrelated_rollout() -> dict[str, Any]:
    ns, app, c = "storefront", "catalog-api", "api"
    img = "ghcr.io/shopco/catalog-api:7.14.2"
    t1 = k.template(
        {"app": app}, [k.container(c, img, requests={"cpu": "500m"}, env={"FEATURE_BANNER": "off"})]
    )
    t2 = k.template(
        {"app": app}, [k.container(c, img, requests={"cpu": "500m"}, env={"FEATURE_BANNER": "on"})]
    )
    objs = deployment_family(
        ns, app, [("6c5b4a39d", t1, m(-9000)), ("7d6c5b4a3", t2, m(-50))], replicas=10, ready=10
    )
    pods = running_pods(ns, "catalog-api-7d6c5b4a3", t2, m(-48), [f"p{i}x{i}" for i in range(10)])
    objs += pods
    objs.append(
        k.hpa(
            app,
            ns,
            app,
            m(-90000),
            min_replicas=3,
            max_replicas=10,
            current=10,
            desired=14,
            cpu_target=70,
            cpu_current=96,
            scaled_at=m(-22),
        )
    )

    def rps(i: int) -> float:
        return 400.0 if i < 160 else min(1300.0, 400.0 + (i - 160) * 30)

    metrics = [
        series("http_requests_total", {"namespace": ns, "service": app, "job": app}, rps, counter=True)
    ]
    for p in pods:
        name = p["metadata"]["name"]
        labels = {"namespace": ns, "pod": name, "container": c, "service": app}
        metrics.append(
            series("container_cpu_usage_seconds_total", labels, lambda i: rps(i) * 0.012 / 10, counter=True)
        )
    return {
        "title": "HPA maxed out by a traffic surge; a feature-flag rollout is a red herring",
        "family": "KubeHpaMaxedOut",
        "now": m(0),
        "starts": m(-15),
        "summary": f"HPA {ns}/{app} has been running at max replicas for longer than 15 minutes.",
        "labels": _hpa_labels(ns, app),
        "objects": objs,
        "metrics": metrics,
        "expected": {
            "root_cause": {"kind": "load_increase", "object": app},
            "noise": False,
            "facts": [
                "the desired replica count is more than the maximum replica count",
                {"text": "cpu utilization 96% vs target 70%", "derived": True},
                {"text": "from 400 to", "derived": True},
                {"text": "CPU per request went from 12.0 to 12.0 ms", "derived": True},
            ],
        },
    }


@case
def hpa_maxed_cpu_regression_rollout() -> dict[str, Any]:
    ns, app, c = "search", "query-router", "router"
    t1 = k.template(
        {"app": app}, [k.container(c, "quay.io/findit/query-router:5.2.0", requests={"cpu": "1"})]
    )
    t2 = k.template(
        {"app": app}, [k.container(c, "quay.io/findit/query-router:5.3.0", requests={"cpu": "1"})]
    )
    objs = deployment_family(
        ns, app, [("5b4c3d2e1", t1, m(-20000)), ("8e7f6a5b4", t2, m(-40))], replicas=16, ready=16
    )
    pods = running_pods(
        ns, "query-router-8e7f6a5b4", t2, m(-38), [f"r{i}q{i}" for i in range(4)], ip_base="10.244.7"
    )
    objs += pods
    objs.append(
        k.hpa(
            app,
            ns,
            app,
            m(-60000),
            min_replicas=4,
            max_replicas=16,
            current=16,
            desired=22,
            cpu_target=65,
            cpu_current=91,
            scaled_at=m(-12),
        )
    )

    def rps(i: int) -> float:
        return 220.0 + (i % 7)

    def cpu_per_req(i: int) -> float:
        return 0.008 if i <= 160 else 0.021

    metrics = [
        series("http_requests_total", {"namespace": ns, "service": app, "job": app}, rps, counter=True)
    ]
    for p in pods:
        labels = {"namespace": ns, "pod": p["metadata"]["name"], "container": c, "service": app}
        metrics.append(
            series(
                "container_cpu_usage_seconds_total",
                labels,
                lambda i: rps(i) * cpu_per_req(i) / 4,
                counter=True,
            )
        )
    return {
        "title": "HPA maxed out: 5.3.0 needs 2.6x the CPU per request at flat traffic",
        "family": "KubeHpaMaxedOut",
        "now": m(0),
        "starts": m(-10),
        "summary": f"HPA {ns}/{app} has been running at max replicas for longer than 15 minutes.",
        "labels": _hpa_labels(ns, app),
        "objects": objs,
        "metrics": metrics,
        "expected": {
            "root_cause": {"kind": "bad_deploy", "object": app},
            "noise": False,
            "facts": [
                "5.3.0",
                {"text": "revision 2", "derived": True},
                {"text": "CPU per request went from 8.0 to 21.0 ms", "derived": True},
            ],
        },
    }


def _throttle_labels(ns: str, pod: str, c: str) -> dict[str, str]:
    return {
        "alertname": "CPUThrottlingHigh",
        "namespace": ns,
        "pod": pod,
        "container": c,
        "job": "kubelet",
        "severity": "info",
    }


def _throttle_metrics(
    ns: str, pod: str, c: str, usage: Any, throttled_share: Any, app: str
) -> list[dict[str, Any]]:
    labels = {"namespace": ns, "pod": pod, "container": c, "service": app}
    return [
        series("container_cpu_usage_seconds_total", labels, usage, counter=True),
        series("container_cpu_cfs_periods_total", labels, lambda i: 10.0, counter=True),
        series(
            "container_cpu_cfs_throttled_periods_total",
            labels,
            lambda i: 10.0 * throttled_share(i),
            counter=True,
        ),
    ]


@case
def cpu_throttling_limit_lowered_rollout() -> dict[str, Any]:
    ns, app, c = "payments", "fraud-scorer", "scorer"
    img = "registry.corp.example/risk/fraud-scorer:2.9.1"
    t1 = k.template({"app": app}, [k.container(c, img, requests={"cpu": "400m"}, limits={"cpu": "1500m"})])
    t2 = k.template({"app": app}, [k.container(c, img, requests={"cpu": "400m"}, limits={"cpu": "400m"})])
    objs = deployment_family(
        ns, app, [("4f3e2d1c0", t1, m(-30000)), ("6a5f4e3d2", t2, m(-75))], replicas=3, ready=3
    )
    pods = running_pods(
        ns, "fraud-scorer-6a5f4e3d2", t2, m(-74), ["zx81a", "zx81b", "zx81c"], ip_base="10.244.9"
    )
    objs += pods
    pod = pods[0]["metadata"]["name"]
    metrics = _throttle_metrics(
        ns,
        pod,
        c,
        lambda i: 0.39 if i > 125 else 0.62 + 0.1 * (i % 3),
        lambda i: 0.58 if i > 125 else 0.0,
        app,
    )
    return {
        "title": "CPU throttling: a right-sizing rollout cut the CPU limit from 1500m to 400m",
        "family": "CPUThrottlingHigh",
        "now": m(0),
        "starts": m(-45),
        "summary": f"58% throttling of CPU in namespace {ns} for container {c} in pod {pod}.",
        "labels": _throttle_labels(ns, pod, c),
        "objects": objs,
        "metrics": metrics,
        "expected": {
            "root_cause": {"kind": "bad_deploy", "object": app},
            "noise": False,
            "facts": ["1500m", "400m", {"text": "58% of CFS periods throttled", "derived": True}],
        },
    }


@case
def cpu_throttling_bursty_low_limit() -> dict[str, Any]:
    ns, app, c = "ingest", "thumbnail-renderer", "render"
    img = "docker.io/pixco/renderer:11.0.3"
    t1 = k.template({"app": app}, [k.container(c, img, requests={"cpu": "200m"}, limits={"cpu": "300m"})])
    objs = deployment_family(ns, app, [("7c6b5a4f3", t1, m(-40000))], replicas=2, ready=2)
    pods = running_pods(
        ns, "thumbnail-renderer-7c6b5a4f3", t1, m(-3000), ["q1w2e", "r3t4y"], ip_base="10.244.11"
    )
    objs += pods
    pod = pods[1]["metadata"]["name"]
    metrics = _throttle_metrics(
        ns, pod, c, lambda i: 0.3 if i % 4 == 0 else 0.18, lambda i: 0.41 if i > 140 else 0.12, app
    )
    return {
        "title": "CPU throttling: bursts hit a 300m limit",
        "family": "CPUThrottlingHigh",
        "now": m(0),
        "starts": m(-30),
        "summary": f"41% throttling of CPU in namespace {ns} for container {c} in pod {pod}.",
        "labels": _throttle_labels(ns, pod, c),
        "objects": objs,
        "metrics": metrics,
        "expected": {
            "root_cause": {"kind": "cpu_limit", "object": app},
            "noise": False,
            "facts": [
                "300m",
                {"text": "41% of CFS periods throttled", "derived": True},
                {"text": "100% of its limit", "derived": True},
            ],
        },
    }


def _nodes(names: list[str], cpu: str, memory: str) -> list[dict[str, Any]]:
    return [k.node(n, m(-200000), allocatable={"cpu": cpu, "memory": memory, "pods": "110"}) for n in names]


@case
def memory_overcommit_batch_scale_out() -> dict[str, Any]:
    workers = ["ip-10-1-4-21", "ip-10-1-4-37", "ip-10-1-5-12", "ip-10-1-5-40"]
    objs = _nodes(workers, "3920m", "16069552Ki")
    old = [
        ("shop", "web", "6d5c4b3a2", "1536Mi", 3),
        ("shop", "orders", "5c4b3a291", "1Gi", 2),
        ("auth", "login", "49f8e7d6c", "768Mi", 2),
    ]
    for ns, app, h, mem, n in old:
        t = k.template(
            {"app": app}, [k.container(app, f"ghcr.io/shopco/{app}:1.0.{n}", requests={"memory": mem})]
        )
        objs += deployment_family(ns, app, [(h, t, m(-50000))], replicas=n, ready=n)
        objs += running_pods(ns, f"{app}-{h}", t, m(-20000), [f"o{i}k{n}" for i in range(n)], nodes=workers)
    t = k.template(
        {"app": "embedding-worker"},
        [
            k.container(
                "worker", "ghcr.io/mlco/embedding-worker:0.4.0", requests={"memory": "6Gi", "cpu": "250m"}
            )
        ],
    )
    objs += deployment_family(
        "ml-batch", "embedding-worker", [("58b7c6d5e", t, m(-30000))], replicas=8, ready=8
    )
    objs += running_pods(
        "ml-batch", "embedding-worker-58b7c6d5e", t, m(-95), [f"e{i}m{i}" for i in range(8)], nodes=workers
    )
    t = k.template(
        {"app": "audit-log"},
        [k.container("audit", "ghcr.io/shopco/audit-log:3.3.0", requests={"memory": "512Mi"})],
    )
    objs += deployment_family("auth", "audit-log", [("3e2d1c0b9", t, m(-30000))], replicas=1, ready=1)
    objs += running_pods("auth", "audit-log-3e2d1c0b9", t, m(-130), ["a0u1d"], nodes=workers)
    return {
        "title": "Memory overcommit: embedding-worker scaled out to 8 x 6Gi",
        "family": "KubeMemoryOvercommit",
        "now": m(0),
        "starts": m(-60),
        "summary": "Cluster has overcommitted memory resource requests for Pods by 14.6Gi bytes and cannot tolerate node failure.",
        "labels": {"alertname": "KubeMemoryOvercommit", "severity": "warning", "job": "kube-state-metrics"},
        "objects": objs,
        "expected": {
            "root_cause": {"kind": "overcommit", "object": "embedding-worker"},
            "noise": False,
            "facts": [
                {"text": "8 of its 8 pods were created", "derived": True},
                {"text": "48.0Gi", "derived": True},
                {"text": "on 4 nodes", "derived": True},
            ],
        },
    }


@case
def cpu_overcommit_requests_raised_rollout() -> dict[str, Any]:
    workers = ["gke-prod-pool-1-a1", "gke-prod-pool-1-b2", "gke-prod-pool-1-c3"]
    objs = _nodes(workers, "7910m", "30Gi")
    for ns, app, h, cpu, n in [
        ("web", "frontend", "7a6b5c4d3", "500m", 4),
        ("web", "bff", "2b3c4d5e6", "750m", 3),
    ]:
        t = k.template({"app": app}, [k.container(app, f"ghcr.io/acme/{app}:9.{n}.0", requests={"cpu": cpu})])
        objs += deployment_family(ns, app, [(h, t, m(-50000))], replicas=n, ready=n)
        objs += running_pods(ns, f"{app}-{h}", t, m(-20000), [f"w{i}b{n}" for i in range(n)], nodes=workers)
    app = "report-builder"
    t1 = k.template(
        {"app": app},
        [
            k.container(
                "builder", "ghcr.io/acme/report-builder:4.1.0", requests={"cpu": "500m", "memory": "1Gi"}
            )
        ],
    )
    t2 = k.template(
        {"app": app},
        [k.container("builder", "ghcr.io/acme/report-builder:4.1.0", requests={"cpu": "2", "memory": "1Gi"})],
    )
    objs += deployment_family(
        "analytics", app, [("6f5e4d3c2", t1, m(-40000)), ("9a8b7c6d5", t2, m(-25))], replicas=6, ready=6
    )
    objs += running_pods(
        "analytics", f"{app}-9a8b7c6d5", t2, m(-24), [f"b{i}r{i}" for i in range(6)], nodes=workers
    )
    return {
        "title": "CPU overcommit: a rollout raised report-builder's CPU request from 500m to 2",
        "family": "KubeCPUOvercommit",
        "now": m(0),
        "starts": m(-12),
        "summary": "Cluster has overcommitted CPU resource requests for Pods by 3.2 CPU shares and cannot tolerate node failure.",
        "labels": {"alertname": "KubeCPUOvercommit", "severity": "warning", "job": "kube-state-metrics"},
        "objects": objs,
        "expected": {
            "root_cause": {"kind": "overcommit", "object": "report-builder"},
            "noise": False,
            "facts": [
                "500m",
                {"text": "revision 2", "derived": True},
                {"text": "6 of its 6 pods", "derived": True},
            ],
        },
    }

"""Catalogue cases: storage, nodes and monitoring alerts."""

from __future__ import annotations

from typing import Any

from autoheal.k8s import apiobjects as k
from tests.k8s.casebook import case, crash_pod, deployment_family, m, series
from tests.k8s.casebook_capacity import running_pods

GI = 1024.0**3


def _sts_pod(
    ns: str, sts: str, ordinal: int, tmpl: dict[str, Any], node: str, created: Any
) -> dict[str, Any]:
    c = tmpl["spec"]["containers"][0]
    status = k.container_status(c["name"], c["image"], k.running(created), ready=True)
    p = k.pod(f"{sts}-{ordinal}", ns, created, tmpl, [status], owner=("StatefulSet", sts), node=node)
    p["metadata"]["labels"]["statefulset.kubernetes.io/pod-name"] = f"{sts}-{ordinal}"
    return p


@case
def pvc_filling_wal_archive_failing() -> dict[str, Any]:
    ns, sts, claim = "data", "events-db", "data-events-db-0"
    container = k.container(
        "postgres", "docker.io/library/postgres:16.3", port=5432, requests={"memory": "4Gi"}
    )
    container["volumeMounts"] = [{"name": "data", "mountPath": "/var/lib/postgresql/data"}]
    tmpl = k.template(
        {"app": sts}, [container], [{"name": "data", "persistentVolumeClaim": {"claimName": claim}}]
    )
    pod = _sts_pod(ns, sts, 0, tmpl, "worker-3", m(-40000))
    sidecar = k.template({"app": "events-api"}, [k.container("api", "ghcr.io/acme/events-api:2.0.1")])
    objs = [
        k.pvc(claim, ns, m(-90000), storage="80Gi", labels={"app": sts}),
        pod,
        *running_pods(ns, "events-api-5f6e7d8c9", sidecar, m(-9000), ["ab12c"]),
    ]

    def used(i: int) -> float:
        base = 60 * GI + i * 0.2 * GI / 60
        return base if i <= 150 else base + (i - 150) * 9 * GI / 60

    labels = {"namespace": ns, "persistentvolumeclaim": claim, "service": sts, "node": "worker-3"}
    metrics = [
        series("kubelet_volume_stats_used_bytes", labels, used),
        series("kubelet_volume_stats_capacity_bytes", labels, lambda i: 80 * GI),
    ]
    log = ""
    for n in range(60):
        seg = f"000000010000002A000000{0x90 + n:02X}"
        log += (
            f"2026-03-10 13:{n:02d}:14.311 UTC [71] LOG:  archive command failed with exit code 1\n"
            f"2026-03-10 13:{n:02d}:14.311 UTC [71] DETAIL:  The failed archive command was: "
            f"wal-g wal-push pg_wal/{seg}\n"
        )
    log += "2026-03-10 13:59:40.002 UTC [64] LOG:  checkpoint starting: wal\n"
    return {
        "title": "PVC filling up: WAL piles up because archiving fails",
        "family": "KubePersistentVolumeFillingUp",
        "now": m(0),
        "starts": m(-20),
        "summary": f"The PersistentVolume claimed by {claim} in Namespace {ns} is expected to fill up within four days.",
        "labels": {
            "alertname": "KubePersistentVolumeFillingUp",
            "namespace": ns,
            "persistentvolumeclaim": claim,
            "job": "kubelet",
            "severity": "warning",
        },
        "objects": objs,
        "metrics": metrics,
        "logs": {(f"{sts}-0", "postgres", False): log},
        "expected": {
            "root_cause": {"kind": "volume_filling", "object": sts},
            "noise": False,
            "facts": [
                "archive command failed with exit code 1",
                {"text": "growing 8.5Gi/h", "derived": True},
                {"text": "Growth accelerated", "derived": True},
                {"text": "full in about", "derived": True},
            ],
        },
    }


@case
def node_filesystem_debug_logging() -> dict[str, Any]:
    node, ip = "worker-7", "10.0.3.17"
    objs: list[dict[str, Any]] = [
        k.node(node, m(-100000), allocatable={"cpu": "8", "memory": "32Gi", "pods": "110"}, address=ip)
    ]
    t = k.template(
        {"app": "recommendation-engine"}, [k.container("engine", "ghcr.io/shopco/reco-engine:3.7.0")]
    )
    objs += deployment_family(
        "reco", "recommendation-engine", [("6b7c8d9e0", t, m(-8000))], replicas=1, ready=1
    )
    noisy = running_pods("reco", "recommendation-engine-6b7c8d9e0", t, m(-120), ["lg7zz"], nodes=[node])
    others = []
    for ns, app, h in [("shop", "cart", "4d5e6f7a8"), ("shop", "search", "5e6f7a8b9")]:
        tt = k.template({"app": app}, [k.container(app, f"ghcr.io/shopco/{app}:1.2.3")])
        objs += deployment_family(ns, app, [(h, tt, m(-9000))], replicas=1, ready=1)
        others += running_pods(ns, f"{app}-{h}", tt, m(-9000), ["n0d3x"], nodes=[node])
    objs += noisy + others
    fs = {
        "instance": f"{ip}:9100",
        "mountpoint": "/",
        "device": "/dev/nvme0n1p1",
        "fstype": "ext4",
        "job": "node-exporter",
        "service": "node-exporter",
    }
    metrics = [
        series("node_filesystem_size_bytes", fs, lambda i: 100 * GI),
        series("node_filesystem_avail_bytes", fs, lambda i: 40 * GI - (max(0, i - 80) * 4.2 * GI / 60)),
    ]
    for p in noisy + others:
        name, ns = p["metadata"]["name"], p["metadata"]["namespace"]
        grow = 4.0 if p in noisy else 0.001
        cname = p["spec"]["containers"][0]["name"]
        labels = {"namespace": ns, "pod": name, "container": cname, "service": "kubelet", "node": node}
        metrics.append(
            series(
                "kubelet_container_log_filesystem_used_bytes",
                labels,
                lambda i, g=grow: 50e6 + max(0, i - 80) * g * GI / 60,
            )
        )
    log = "".join(
        f"2026-03-10T13:59:{s % 60:02d}.{s:03d}Z DEBUG scoring candidate item_id={1000 + s * 7} user_id={s * 13} "
        f"score=0.{s % 97:02d} features=[{s % 5},{s % 3},{s % 11}]\n"
        for s in range(400)
    )
    log += "2026-03-10T13:59:59.999Z INFO served 1200 recommendations in 60s\n"
    return {
        "title": "Node filesystem filling: a DEBUG log level writes 4Gi/h of container logs",
        "family": "NodeFilesystemSpaceFillingUp",
        "now": m(0),
        "starts": m(-25),
        "summary": "Filesystem on /dev/nvme0n1p1, mounted on /, at 10.0.3.17:9100 has only 31.6% available space left and is filling up.",
        "labels": {"alertname": "NodeFilesystemSpaceFillingUp", **fs, "severity": "critical"},
        "objects": objs,
        "metrics": metrics,
        "logs": {(noisy[0]["metadata"]["name"], "engine", False): log},
        "expected": {
            "root_cause": {"kind": "disk_filling", "object": "recommendation-engine"},
            "noise": False,
            "facts": ["DEBUG scoring candidate", "worker-7", {"text": "full in about", "derived": True}],
        },
    }


def _unknown_conditions() -> dict[str, tuple[str, str, str]]:
    msg = "Kubelet stopped posting node status."
    return {
        c: ("Unknown", "NodeStatusUnknown", msg) for c in ("MemoryPressure", "DiskPressure", "PIDPressure")
    }


@case
def node_notready_kubelet_stopped() -> dict[str, Any]:
    node = "ip-10-2-9-144.eu-west-1.compute.internal"
    n = k.node(
        node,
        m(-70000),
        allocatable={"cpu": "3920m", "memory": "15Gi", "pods": "58"},
        ready=("Unknown", "NodeStatusUnknown", "Kubelet stopped posting node status."),
        pressure=_unknown_conditions(),
        heartbeat=m(-9),
        taints=[{"key": "node.kubernetes.io/unreachable", "effect": "NoExecute", "timeAdded": k.ts(m(-8))}],
    )
    t = k.template({"app": "ingest"}, [k.container("ingest", "ghcr.io/acme/ingest:8.1.0")])
    objs = [n, *deployment_family("pipeline", "ingest", [("3a4b5c6d7", t, m(-9000))], replicas=2, ready=1)]
    objs += running_pods("pipeline", "ingest-3a4b5c6d7", t, m(-9000), ["u1n2k"], nodes=[node])
    objs.append(
        k.event(
            "default",
            "Node",
            node,
            "NodeNotReady",
            f"Node {node} status is now: NodeNotReady",
            m(-8),
            m(-8),
            type_="Normal",
            component="node-controller",
        )
    )
    return {
        "title": "Node not ready: the kubelet stopped posting status",
        "family": "KubeNodeNotReady",
        "now": m(0),
        "starts": m(-3),
        "summary": f"{node} has been unready for more than 15 minutes.",
        "labels": {
            "alertname": "KubeNodeNotReady",
            "node": node,
            "condition": "Ready",
            "status": "unknown",
            "job": "kube-state-metrics",
            "severity": "warning",
        },
        "objects": objs,
        "expected": {
            "root_cause": {"kind": "kubelet_down", "object": node},
            "noise": False,
            "facts": ["Kubelet stopped posting node status.", "13:51:00", "NodeNotReady"],
        },
    }


@case
def node_notready_memory_pressure_evictions() -> dict[str, Any]:
    node = "aks-nodepool1-31718369-vmss000004"
    n = k.node(
        node,
        m(-80000),
        allocatable={"cpu": "3860m", "memory": "12864508Ki", "pods": "110"},
        ready=(
            "False",
            "KubeletNotReady",
            "PLEG is not healthy: pleg was last seen active 3m41s ago; threshold is 3m0s",
        ),
        pressure={
            "MemoryPressure": (
                "True",
                "KubeletHasInsufficientMemory",
                "kubelet has insufficient memory available",
            )
        },
        heartbeat=m(-1),
    )
    objs: list[dict[str, Any]] = [n]
    t = k.template(
        {"app": "session-cache"},
        [k.container("cache", "docker.io/library/memcached:1.6.27", requests={"memory": "1Gi"})],
    )
    objs += deployment_family("web", "session-cache", [("7f8e9d0c1", t, m(-9000))], replicas=2, ready=1)
    evicted = k.pod(
        "session-cache-7f8e9d0c1-ev1ct",
        "web",
        m(-4000),
        t,
        [],
        owner=("ReplicaSet", "session-cache-7f8e9d0c1"),
        node=node,
        phase="Failed",
    )
    evicted["status"].update(
        reason="Evicted",
        message="The node was low on resource: memory. Threshold quantity: 100Mi, available: 61240Ki. "
        "Container cache was using 6071320Ki, request is 1Gi, has larger consumption of memory. ",
    )
    objs.append(evicted)
    t2 = k.template(
        {"app": "avatar"}, [k.container("avatar", "ghcr.io/acme/avatar:2.2.0", requests={"memory": "256Mi"})]
    )
    objs += deployment_family("web", "avatar", [("1c2d3e4f5", t2, m(-9000))], replicas=1, ready=0)
    ev2 = k.pod(
        "avatar-1c2d3e4f5-p0q9r",
        "web",
        m(-3000),
        t2,
        [],
        owner=("ReplicaSet", "avatar-1c2d3e4f5"),
        node=node,
        phase="Failed",
    )
    ev2["status"].update(
        reason="Evicted",
        message="The node was low on resource: memory. Threshold quantity: 100Mi, available: 80112Ki. "
        "Container avatar was using 301232Ki, request is 256Mi, has larger consumption of memory. ",
    )
    objs.append(ev2)
    objs += [
        k.event(
            "default",
            "Node",
            node,
            "EvictionThresholdMet",
            "Attempting to reclaim memory",
            m(-14),
            m(-6),
            count=3,
        ),
        k.event(
            "default",
            "Node",
            node,
            "NodeNotReady",
            f"Node {node} status is now: NodeNotReady",
            m(-5),
            m(-5),
            type_="Normal",
            component="node-controller",
        ),
    ]
    return {
        "title": "Node not ready under MemoryPressure: session-cache far above its request, pods evicted",
        "family": "KubeNodeNotReady",
        "now": m(0),
        "starts": m(-4),
        "summary": f"{node} has been unready for more than 15 minutes.",
        "labels": {
            "alertname": "KubeNodeNotReady",
            "node": node,
            "condition": "Ready",
            "status": "false",
            "job": "kube-state-metrics",
            "severity": "warning",
        },
        "objects": objs,
        "expected": {
            "root_cause": {"kind": "node_pressure", "object": node},
            "noise": False,
            "facts": [
                "MemoryPressure",
                "was using 6071320Ki, request is 1Gi",
                "PLEG is not healthy",
                "EvictionThresholdMet",
            ],
        },
    }


@case
def node_memory_noisy_neighbour_victim() -> dict[str, Any]:
    node = "worker-4"
    objs: list[dict[str, Any]] = [
        k.node(node, m(-90000), allocatable={"cpu": "8", "memory": "32Gi", "pods": "110"})
    ]
    tn = k.template(
        {"app": "pdf-renderer"},
        [
            k.container(
                "renderer", "ghcr.io/docsco/pdf-renderer:1.19.0", requests={"memory": "1Gi", "cpu": "500m"}
            )
        ],
    )
    objs += deployment_family("tenant-a", "pdf-renderer", [("2e3f4a5b6", tn, m(-7000))], replicas=1, ready=1)
    noisy = running_pods("tenant-a", "pdf-renderer-2e3f4a5b6", tn, m(-300), ["hx9m2"], nodes=[node])
    tv = k.template(
        {"app": "checkout"},
        [
            k.container(
                "checkout",
                "ghcr.io/shopco/checkout:5.4.1",
                requests={"memory": "512Mi"},
                limits={"memory": "1Gi"},
            )
        ],
    )
    objs += deployment_family("shop", "checkout", [("9c8b7a6f5", tv, m(-20000))], replicas=3, ready=2)
    victim = crash_pod(
        "shop",
        "checkout-9c8b7a6f5-vk3tm",
        "checkout-9c8b7a6f5",
        tv,
        m(-2000),
        "checkout",
        "ghcr.io/shopco/checkout:5.4.1",
        restarts=4,
        exit_code=137,
        reason="OOMKilled",
        last_start=m(-12),
        last_end=m(-3),
        node=node,
        state=k.running(m(-2)),
        ready=True,
    )
    victim["metadata"]["labels"]["pod-template-hash"] = "9c8b7a6f5"
    objs += [*noisy, victim]
    t3 = k.template(
        {"app": "ledger"}, [k.container("ledger", "ghcr.io/shopco/ledger:3.0.0", requests={"memory": "4Gi"})]
    )
    objs += deployment_family("shop", "ledger", [("0a1b2c3d4", t3, m(-20000))], replicas=1, ready=1)
    quiet = running_pods("shop", "ledger-0a1b2c3d4", t3, m(-20000), ["s7t8u"], nodes=[node])
    objs += quiet
    inst = {"instance": node, "job": "node-exporter", "service": "node-exporter"}
    metrics = [
        series("node_memory_MemTotal_bytes", inst, lambda i: 32 * GI),
        series("node_memory_MemAvailable_bytes", inst, lambda i: max(1.1 * GI, 20 * GI - i * 0.12 * GI)),
    ]
    usage = {
        noisy[0]["metadata"]["name"]: (lambda i: 0.8 * GI + i * 0.1 * GI),
        victim["metadata"]["name"]: (lambda i: 0.35 * GI),
        quiet[0]["metadata"]["name"]: (lambda i: 3.7 * GI),
    }
    for p in [*noisy, victim, *quiet]:
        name = p["metadata"]["name"]
        labels = {
            "namespace": p["metadata"]["namespace"],
            "pod": name,
            "container": p["spec"]["containers"][0]["name"],
            "node": node,
            "service": "kubelet",
        }
        metrics.append(series("container_memory_working_set_bytes", labels, usage[name]))
    return {
        "title": "Node memory high: pdf-renderer uses 20Gi against a 1Gi request; checkout is its OOM victim",
        "family": "NodeMemoryHighUtilization",
        "now": m(0),
        "starts": m(-20),
        "summary": f"Memory is filling up at {node}, currently over 90% is in use.",
        "labels": {"alertname": "NodeMemoryHighUtilization", **inst, "severity": "warning"},
        "objects": objs,
        "metrics": metrics,
        "expected": {
            "root_cause": {"kind": "noisy_neighbour", "object": "pdf-renderer"},
            "noise": False,
            "facts": [
                {"text": "has no memory limit", "derived": True},
                {"text": "uses 20.8Gi", "derived": True},
                "checkout-9c8b7a6f5-vk3tm",
                "OOMKilled",
            ],
        },
    }


def _targetdown_labels(ns: str, svc: str) -> dict[str, str]:
    return {"alertname": "TargetDown", "namespace": ns, "service": svc, "job": svc, "severity": "warning"}


@case
def targetdown_removed_deployment() -> dict[str, Any]:
    ns, app = "payments", "ledger-exporter"
    objs = [
        k.service(app, ns, {"app": app}, 9187, m(-60000)),
        k.event(
            ns,
            "Deployment",
            app,
            "ScalingReplicaSet",
            f"Scaled down replica set {app}-5d4c3b2a1 to 0 from 1",
            m(-32),
            m(-32),
            type_="Normal",
            component="deployment-controller",
        ),
        k.event(
            ns,
            "ReplicaSet",
            f"{app}-5d4c3b2a1",
            "SuccessfulDelete",
            f"Deleted pod: {app}-5d4c3b2a1-9xk2p",
            m(-32),
            m(-32),
            type_="Normal",
            component="replicaset-controller",
        ),
    ]
    t = k.template({"app": "ledger-api"}, [k.container("api", "ghcr.io/fin/ledger-api:6.0.0")])
    objs += deployment_family(ns, "ledger-api", [("8d9e0f1a2", t, m(-9000))], replicas=2, ready=2)
    objs += running_pods(ns, "ledger-api-8d9e0f1a2", t, m(-9000), ["l1a2b", "l3c4d"])
    return {
        "title": "Target down: the exporter's deployment was deleted, its Service and ServiceMonitor were not",
        "family": "TargetDown",
        "now": m(0),
        "starts": m(-20),
        "summary": f"100% of the {app}/{app} targets in {ns} namespace are down.",
        "labels": _targetdown_labels(ns, app),
        "objects": objs,
        "expected": {
            "root_cause": {"kind": "removed_workload", "object": app},
            "noise": False,
            "facts": [
                f"Scaled down replica set {app}-5d4c3b2a1 to 0 from 1",
                f"Deleted pod: {app}-5d4c3b2a1-9xk2p",
            ],
        },
    }


@case
def targetdown_exporter_oomkilled() -> dict[str, Any]:
    ns, app, c = "cache", "redis-exporter", "exporter"
    t = k.template(
        {"app": app},
        [
            k.container(
                c,
                "quay.io/oliver006/redis_exporter:v1.62.0",
                port=9121,
                requests={"memory": "32Mi"},
                limits={"memory": "64Mi"},
            )
        ],
    )
    objs = deployment_family(ns, app, [("4b5c6d7e8", t, m(-30000))], replicas=1, ready=0)
    pod = "redis-exporter-4b5c6d7e8-7hjkl"
    objs += [
        k.service(app, ns, {"app": app}, 9121, m(-30000)),
        crash_pod(
            ns,
            pod,
            f"{app}-4b5c6d7e8",
            t,
            m(-3000),
            c,
            "quay.io/oliver006/redis_exporter:v1.62.0",
            restarts=17,
            exit_code=137,
            reason="OOMKilled",
            last_start=m(-4),
            last_end=m(-2),
        ),
    ]
    labels = {"namespace": ns, "pod": pod, "container": c, "service": app}
    metrics = [series("container_memory_working_set_bytes", labels, lambda i: 20e6 + (i % 10) * 4.8e6)]
    return {
        "title": "Target down: the exporter is OOMKilled at its 64Mi limit",
        "family": "TargetDown",
        "now": m(0),
        "starts": m(-30),
        "summary": f"100% of the {app}/{app} targets in {ns} namespace are down.",
        "labels": _targetdown_labels(ns, app),
        "objects": objs,
        "metrics": metrics,
        "expected": {
            "root_cause": {"kind": "oom", "object": app},
            "noise": False,
            "facts": [
                "OOMKilled",
                "64Mi",
                {"text": "0/1 pods of service redis-exporter are ready", "derived": True},
            ],
        },
    }


@case
def prometheus_rule_failures_many_to_many() -> dict[str, Any]:
    file = "/etc/prometheus/rules/prometheus-k8s-rulefiles-0/monitoring-checkout-slo-rules-3f1c9a2e.yaml"
    bad = "checkout:request_errors:ratio_rate5m"
    error = (
        'found duplicate series for the match group {namespace="shop", service="checkout"} on the right hand-side '
        'of the operation: [{__name__="http_requests_total", namespace="shop", service="checkout", '
        'job="checkout"}, {__name__="http_requests_total", namespace="shop", service="checkout", '
        'job="checkout-canary"}];many-to-many matching not allowed: matching labels must be unique on one side'
    )
    rules = [
        {
            "name": "checkout-slo.rules",
            "file": file,
            "interval": 30,
            "limit": 0,
            "evaluationTime": 0.004,
            "lastEvaluation": "2026-03-10T13:59:45.118Z",
            "rules": [
                {
                    "name": bad,
                    "query": 'sum by (namespace, service) (rate(http_requests_total{code=~"5.."}[5m])) / on (namespace, service) rate(http_requests_total[5m])',
                    "health": "err",
                    "lastError": error,
                    "evaluationTime": 0.002,
                    "lastEvaluation": "2026-03-10T13:59:45.118Z",
                    "type": "recording",
                },
                {
                    "name": "checkout:requests:rate5m",
                    "query": "sum by (namespace, service) (rate(http_requests_total[5m]))",
                    "health": "ok",
                    "evaluationTime": 0.001,
                    "lastEvaluation": "2026-03-10T13:59:45.120Z",
                    "type": "recording",
                },
            ],
        },
        {
            "name": "kubernetes-apps",
            "file": "/etc/prometheus/rules/prometheus-k8s-rulefiles-0/monitoring-kube-prometheus-rules.yaml",
            "interval": 30,
            "limit": 0,
            "evaluationTime": 0.02,
            "lastEvaluation": "2026-03-10T13:59:41.000Z",
            "rules": [
                {
                    "state": "inactive",
                    "name": "KubePodCrashLooping",
                    "query": 'max_over_time(kube_pod_container_status_waiting_reason{job="kube-state-metrics",reason="CrashLoopBackOff"}[5m]) >= 1',
                    "duration": 900,
                    "labels": {"severity": "warning"},
                    "annotations": {"summary": "Pod is crash looping."},
                    "alerts": [],
                    "health": "ok",
                    "evaluationTime": 0.003,
                    "lastEvaluation": "2026-03-10T13:59:41.000Z",
                    "type": "alerting",
                }
            ],
        },
    ]
    return {
        "title": "Prometheus rule failures: a canary job made an SLO rule's match many-to-many",
        "family": "PrometheusRuleFailures",
        "now": m(0),
        "starts": m(-15),
        "summary": "Prometheus monitoring/prometheus-k8s-0 has failed to evaluate 20 rules in the last 5m.",
        "labels": {
            "alertname": "PrometheusRuleFailures",
            "namespace": "monitoring",
            "instance": "10.244.0.12:9090",
            "job": "prometheus-k8s",
            "pod": "prometheus-k8s-0",
            "rule_group": f"{file};checkout-slo.rules",
            "severity": "critical",
        },
        "objects": [],
        "rules": rules,
        "expected": {
            "root_cause": {"kind": "rule_error", "object": bad},
            "noise": False,
            "facts": ["many-to-many matching not allowed", "checkout-slo.rules", 'job="checkout-canary"'],
        },
    }

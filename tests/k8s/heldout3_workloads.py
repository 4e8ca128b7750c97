"""The third held-out set, part 2: workloads, nodes, and the healthy, recovered and empty situations
other clusters page on (recovered crash loops, pods already gone, terminating pods in normal
rollouts, alerts with nothing behind them). Written with part 1, before any investigator change."""

from __future__ import annotations

from typing import Any

from tests.k8s.heldout3_pods import RUNBOOK, backoff, crash_alert, crashing_pod, datadog, grafana
from tests.k8s.heldout_book import (
    am_webhook,
    bundle3,
    cond,
    container,
    cstatus,
    deploy_family,
    event,
    owner,
    pod,
    running,
    terminated,
    ts,
    waiting,
)

COMPLETE = ("Progressing", "True", "NewReplicaSetAvailable")


def _complete(name: str, h: str, minutes: float) -> list[dict[str, Any]]:
    return [
        cond(
            "Available", "True", "MinimumReplicasAvailable", "Deployment has minimum availability.", minutes
        ),
        cond(*COMPLETE, f'ReplicaSet "{name}-{h}" has successfully progressed.', minutes),
    ]


def _ready_pods(
    ns: str,
    name: str,
    h: str,
    c: dict[str, Any],
    ages: list[tuple[str, float]],
    labels: dict[str, str] | None = None,
) -> list[dict[str, Any]]:
    labels = labels or {"app": name}
    return [
        pod(
            f"{name}-{h}-{s}",
            ns,
            {**labels, "pod-template-hash": h},
            owner("ReplicaSet", f"{name}-{h}", ns),
            [c],
            [cstatus(c["name"], c["image"], running(m), ready=True)],
            ready=True,
            created_min=m,
        )
        for s, m in ages
    ]


def _sts(
    name: str,
    ns: str,
    labels: dict[str, str],
    c: dict[str, Any],
    *,
    replicas: int,
    ready: int,
    updated: int | None = None,
    current_rev: str = "",
    update_rev: str = "",
) -> dict[str, Any]:
    status: dict[str, Any] = {
        "replicas": replicas,
        "readyReplicas": ready,
        "availableReplicas": ready,
        "currentReplicas": replicas,
        "updatedReplicas": replicas if updated is None else updated,
        "observedGeneration": 4,
    }
    if current_rev:
        status.update(currentRevision=current_rev, updateRevision=update_rev or current_rev)
    return {
        "metadata": {"name": name, "namespace": ns, "uid": f"sts-{name}", "generation": 4, "labels": labels},
        "spec": {
            "replicas": replicas,
            "serviceName": name,
            "selector": {"matchLabels": labels},
            "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}},
            "template": {"metadata": {"labels": labels}, "spec": {"containers": [c]}},
        },
        "status": status,
    }


def _ds(
    name: str,
    ns: str,
    labels: dict[str, str],
    c: dict[str, Any],
    *,
    desired: int,
    ready: int,
    updated: int,
    unavailable: int,
) -> dict[str, Any]:
    return {
        "metadata": {"name": name, "namespace": ns, "uid": f"ds-{name}", "generation": 9, "labels": labels},
        "spec": {
            "selector": {"matchLabels": labels},
            "template": {"metadata": {"labels": labels}, "spec": {"containers": [c]}},
            "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1}},
        },
        "status": {
            "desiredNumberScheduled": desired,
            "currentNumberScheduled": desired,
            "numberReady": ready,
            "numberAvailable": ready,
            "updatedNumberScheduled": updated,
            "numberUnavailable": unavailable,
            "numberMisscheduled": 0,
            "observedGeneration": 9,
        },
    }


def _node(
    name: str,
    ready: tuple[str, str, str],
    *,
    minutes: float = 30,
    pressure: dict[str, str] | None = None,
    taints: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    status, reason, message = ready
    conds = [
        {
            "type": t,
            "status": (pressure or {}).get(t, "False"),
            "reason": f"KubeletHas{'No' if t != 'PIDPressure' else 'Sufficient'}{t}"
            if (pressure or {}).get(t, "False") == "False"
            else f"KubeletHas{t}",
            "message": "kubelet has sufficient resources",
            "lastHeartbeatTime": ts(0.5),
            "lastTransitionTime": ts(60 * 24),
        }
        for t in ("MemoryPressure", "DiskPressure", "PIDPressure")
    ]
    conds.append(
        {
            "type": "Ready",
            "status": status,
            "reason": reason,
            "message": message,
            "lastHeartbeatTime": ts(0.5),
            "lastTransitionTime": ts(minutes),
        }
    )
    return {
        "metadata": {
            "name": name,
            "uid": f"node-{name}",
            "creationTimestamp": ts(60 * 24 * 40),
            "labels": {"kubernetes.io/hostname": name},
        },
        "spec": {"podCIDR": "10.244.4.0/24", **({"taints": taints} if taints else {})},
        "status": {
            "capacity": {"cpu": "8", "memory": "32Gi", "pods": "110"},
            "allocatable": {"cpu": "7910m", "memory": "30Gi", "pods": "110"},
            "conditions": conds,
            "addresses": [
                {"type": "InternalIP", "address": "10.20.9.31"},
                {"type": "Hostname", "address": name},
            ],
            "nodeInfo": {
                "kubeletVersion": "v1.30.4",
                "containerRuntimeVersion": "containerd://1.7.20",
                "osImage": "Bottlerocket OS 1.21.1",
            },
        },
    }


def _node_alert(node: str, minutes: float = 20) -> dict[str, Any]:
    return am_webhook(
        {
            "alertname": "KubeNodeNotReady",
            "node": node,
            "condition": "Ready",
            "status": "false",
            "job": "kube-state-metrics",
            "severity": "warning",
        },
        minutes,
        {
            "summary": f"{node} has been unready for more than 15 minutes.",
            "runbook_url": RUNBOOK + "kubenodenotready",
        },
    )


# --- healthy, recovered, nothing behind the alert ----------------------------------------------------


@bundle3
def crashloop_recovered_running_25m() -> dict[str, Any]:
    ns, name, h = "orders", "checkout-worker", "6f5e4d3c2"
    image = "ghcr.io/corp/checkout-worker:4.2.1"
    c = container("worker", image)
    deps, rss = deploy_family(
        ns,
        name,
        {"app": name},
        [c],
        h,
        replicas=2,
        ready=2,
        created_min=600,
        conditions=_complete(name, h, 25),
    )
    p = f"{name}-{h}-w2e3r"
    status = cstatus(
        "worker", image, running(25), ready=True, restarts=6, last=terminated(1, "Error", 27, 26)
    )
    the_pod = pod(
        p,
        ns,
        {"app": name, "pod-template-hash": h},
        owner("ReplicaSet", f"{name}-{h}", ns),
        [c],
        [status],
        ready=True,
        created_min=600,
    )
    return {
        "title": "Recovered: the crash loop stopped 25 minutes ago (running and ready since)",
        "alert": crash_alert(ns, p, "worker", 50),
        "objects": {
            "Pod": [the_pod],
            "Event": [
                event(
                    ns,
                    "Pod",
                    p,
                    "BackOff",
                    f"Back-off restarting failed container worker in pod {p}_{ns}",
                    60,
                    27,
                    count=18,
                )
            ],
            "ReplicaSet": rss,
            "Deployment": deps,
        },
        "logs": {
            (p, "worker", False): "INFO worker ready, consuming orders.v3\n",
            (p, "worker", True): "ERROR broker unavailable: orders-kafka:9092\n",
        },
        "expected": {"root_cause": {"kind": "noise", "object": p}, "noise": True, "facts": []},
    }


@bundle3
def notready_pod_gone_hpa_scale_down() -> dict[str, Any]:
    """The pod the alert names was removed by an HPA scale-down; the Deployment is complete."""
    ns, name, h = "api", "public-api", "7a6b5c4d3"
    image = "ghcr.io/corp/public-api:15.3.0"
    c = container("api", image)
    deps, rss = deploy_family(
        ns,
        name,
        {"app": name},
        [c],
        h,
        replicas=3,
        ready=3,
        created_min=60 * 24,
        conditions=_complete(name, h, 60 * 20),
    )
    gone = f"{name}-{h}-l0k9j"
    return {
        "title": "Pod gone: scaled down by the HPA; the Deployment is complete and every pod ready",
        "alert": am_webhook(
            {"alertname": "KubePodNotReady", "namespace": ns, "pod": gone, "severity": "warning"},
            18,
            {"summary": "Pod has been in a non-ready state for more than 15 minutes."},
        ),
        "objects": {
            "Pod": _ready_pods(ns, name, h, c, [("a1s2d", 60 * 24), ("f3g4h", 60 * 24), ("j5k6l", 300)]),
            "Event": [
                event(ns, "Pod", gone, "Killing", "Stopping container api", 9, 9, type_="Normal"),
                event(
                    ns,
                    "Deployment",
                    name,
                    "ScalingReplicaSet",
                    f"Scaled down replica set {name}-{h} to 3 from 4",
                    9,
                    9,
                    type_="Normal",
                    component="deployment-controller",
                ),
            ],
            "ReplicaSet": rss,
            "Deployment": deps,
        },
        "expected": {"root_cause": {"kind": "noise", "object": gone}, "noise": True, "facts": []},
    }


@bundle3
def terminating_statefulset_pod_rolling_update() -> dict[str, Any]:
    """A StatefulSet rolling update replaces pods one by one from the highest ordinal; pod-1 is terminating."""
    ns, name = "cache", "memcached"
    image = "docker.io/library/memcached:1.6.29"
    labels = {"app.kubernetes.io/name": name}
    c = container("memcached", image)
    sts = _sts(
        name,
        ns,
        labels,
        c,
        replicas=3,
        ready=2,
        updated=1,
        current_rev=f"{name}-5c7d9f8b6",
        update_rev=f"{name}-6d8e7a9c5",
    )
    p = f"{name}-1"
    term = pod(
        p,
        ns,
        {**labels, "controller-revision-hash": f"{name}-5c7d9f8b6"},
        owner("StatefulSet", name, ns),
        [c],
        [cstatus("memcached", image, running(60 * 24 * 6), ready=False)],
        created_min=60 * 24 * 6,
        deletion_min=0.5,
    )
    others = [
        pod(
            f"{name}-2",
            ns,
            {**labels, "controller-revision-hash": f"{name}-6d8e7a9c5"},
            owner("StatefulSet", name, ns),
            [c],
            [cstatus("memcached", image, running(2), ready=True)],
            ready=True,
            created_min=2,
        ),
        pod(
            f"{name}-0",
            ns,
            {**labels, "controller-revision-hash": f"{name}-5c7d9f8b6"},
            owner("StatefulSet", name, ns),
            [c],
            [cstatus("memcached", image, running(60 * 24 * 6), ready=True)],
            ready=True,
            created_min=60 * 24 * 6,
        ),
    ]
    return {
        "title": "Terminating pod during a normal StatefulSet rolling update",
        "alert": am_webhook(
            {"alertname": "KubePodNotReady", "namespace": ns, "pod": p, "severity": "warning"},
            1,
            {"summary": "Pod has been in a non-ready state for more than 15 minutes."},
        ),
        "objects": {
            "Pod": [term, *others],
            "Event": [
                event(ns, "Pod", p, "Killing", "Stopping container memcached", 0.5, 0.5, type_="Normal"),
                event(
                    ns,
                    "StatefulSet",
                    name,
                    "SuccessfulDelete",
                    f"delete Pod {p} in StatefulSet {name} successful",
                    0.5,
                    0.5,
                    type_="Normal",
                    component="statefulset-controller",
                ),
            ],
            "StatefulSet": [sts],
        },
        "expected": {"root_cause": {"kind": "noise", "object": p}, "noise": True, "facts": []},
    }


@bundle3
def statefulset_replicas_mismatch_recovered() -> dict[str, Any]:
    ns, name = "queue", "rabbitmq"
    image = "docker.io/library/rabbitmq:3.13.6-management"
    labels = {"app.kubernetes.io/name": name}
    c = container("rabbitmq", image, mem="2Gi")
    sts = _sts(name, ns, labels, c, replicas=3, ready=3, current_rev=f"{name}-7b8c9d6f5")
    pods = [
        pod(
            f"{name}-{i}",
            ns,
            {**labels, "controller-revision-hash": f"{name}-7b8c9d6f5"},
            owner("StatefulSet", name, ns),
            [c],
            [cstatus("rabbitmq", image, running(m), ready=True)],
            ready=True,
            created_min=m,
        )
        for i, m in ((0, 60 * 24 * 3), (1, 60 * 24 * 3), (2, 6))
    ]
    return {
        "title": "Recovered: StatefulSet replicas mismatch while rabbitmq-2 rejoined; 3/3 ready now",
        "alert": am_webhook(
            {
                "alertname": "KubeStatefulSetReplicasMismatch",
                "namespace": ns,
                "statefulset": name,
                "severity": "warning",
                "job": "kube-state-metrics",
            },
            22,
            {
                "summary": "StatefulSet has not matched the expected number of replicas.",
                "runbook_url": RUNBOOK + "kubestatefulsetreplicasmismatch",
            },
        ),
        "objects": {"Pod": pods, "StatefulSet": [sts]},
        "expected": {"root_cause": {"kind": "noise", "object": name}, "noise": True, "facts": []},
    }


@bundle3
def container_waiting_now_running() -> dict[str, Any]:
    """KubeContainerWaiting for a slow image pull that finished; the container runs and is ready."""
    ns, name, h = "ml", "notebook-hub", "8c7b6a5d4"
    image = "quay.io/jupyterhub/k8s-hub:3.3.8"
    c = container("hub", image)
    deps, rss = deploy_family(
        ns, name, {"app": name}, [c], h, replicas=1, ready=1, created_min=75, conditions=_complete(name, h, 4)
    )
    pods = _ready_pods(ns, name, h, c, [("z1x2c", 75)])
    pods[0]["status"]["containerStatuses"][0]["state"] = running(4)
    p = pods[0]["metadata"]["name"]
    return {
        "title": "Recovered: the container waited on a 4 GB image pull; running and ready for 4 minutes",
        "alert": am_webhook(
            {
                "alertname": "KubeContainerWaiting",
                "namespace": ns,
                "pod": p,
                "container": "hub",
                "severity": "warning",
            },
            62,
            {"summary": "Pod container waiting longer than 1 hour"},
        ),
        "objects": {
            "Pod": pods,
            "Event": [
                event(ns, "Pod", p, "Pulling", f'Pulling image "{image}"', 75, 75, type_="Normal"),
                event(
                    ns,
                    "Pod",
                    p,
                    "Pulled",
                    f'Successfully pulled image "{image}" in 1h10m3.2s (1h10m3.2s including waiting). Image size: 4123456789 bytes.',
                    5,
                    5,
                    type_="Normal",
                ),
                event(ns, "Pod", p, "Started", "Started container hub", 4, 4, type_="Normal"),
            ],
            "ReplicaSet": rss,
            "Deployment": deps,
        },
        "expected": {"root_cause": {"kind": "noise", "object": name}, "noise": True, "facts": []},
    }


@bundle3
def replicas_mismatch_deployment_deleted() -> dict[str, Any]:
    """An alert with nothing behind it: the Deployment was deleted; no object, pod or event remains."""
    ns, name = "sandbox", "feature-preview-1432"
    return {
        "title": "Nothing behind the alert: the Deployment it names no longer exists",
        "alert": am_webhook(
            {
                "alertname": "KubeDeploymentReplicasMismatch",
                "namespace": ns,
                "deployment": name,
                "severity": "warning",
            },
            16,
            {"summary": "Deployment has not matched the expected number of replicas."},
        ),
        "objects": {"Pod": [], "Event": [], "ReplicaSet": [], "Deployment": []},
        "expected": {"root_cause": {"kind": "noise", "object": name}, "noise": True, "facts": []},
    }


@bundle3
def datadog_restarts_healthy_pod() -> dict[str, Any]:
    """A Datadog restarts monitor on a pod that restarted once three days ago and is healthy."""
    ns, name, h = "search", "query-router", "5b4c3d2e1"
    image = "ghcr.io/corp/query-router:8.8.0"
    c = container("router", image)
    deps, rss = deploy_family(
        ns,
        name,
        {"app": name},
        [c],
        h,
        replicas=2,
        ready=2,
        created_min=60 * 24 * 5,
        conditions=_complete(name, h, 60 * 24 * 5),
    )
    pods = _ready_pods(ns, name, h, c, [("q1w2e", 60 * 24 * 5), ("r3t4y", 60 * 24 * 5)])
    st = pods[0]["status"]["containerStatuses"][0]
    st.update(
        restartCount=1,
        state=running(60 * 24 * 3),
        lastState=terminated(137, "OOMKilled", 60 * 24 * 4, 60 * 24 * 3),
    )
    p = pods[0]["metadata"]["name"]
    return {
        "title": "Datadog monitor on a stale restart: one restart three days ago, healthy since",
        "source": "datadog",
        "family": "restarts (Datadog)",
        "alert": datadog(
            "query-router restarted",
            {"kube_namespace": ns, "pod_name": p, "kube_container_name": "router"},
            "%%%\nrestarts > 0 over the last 7 days\n%%%",
            minutes=5,
            priority="P4",
        ),
        "objects": {"Pod": pods, "ReplicaSet": rss, "Deployment": deps},
        "expected": {"root_cause": {"kind": "noise", "object": p}, "noise": True, "facts": []},
    }


@bundle3
def node_notready_recovered() -> dict[str, Any]:
    node = "ip-10-20-9-31.eu-west-1.compute.internal"
    n = _node(node, ("True", "KubeletReady", "kubelet is posting ready status"), minutes=6)
    return {
        "title": "Recovered: the node was NotReady during a kubelet restart, Ready for 6 minutes",
        "alert": _node_alert(node, 22),
        "objects": {
            "Node": [n],
            "Event": [
                event(
                    "default",
                    "Node",
                    node,
                    "NodeNotReady",
                    f"Node {node} status is now: NodeNotReady",
                    25,
                    25,
                    type_="Normal",
                    component="node-controller",
                ),
                event(
                    "default",
                    "Node",
                    node,
                    "NodeReady",
                    f"Node {node} status is now: NodeReady",
                    6,
                    6,
                    type_="Normal",
                ),
            ],
            "Pod": [],
        },
        "expected": {"root_cause": {"kind": "noise", "object": node}, "noise": True, "facts": []},
    }


@bundle3
def rollout_stuck_alert_but_complete_now() -> dict[str, Any]:
    ns, name, new_h, old_h = "payments", "fraud-check", "9c8b7a6d5", "8d7c6b5a4"
    image, old_image = "ghcr.io/corp/fraud-check:3.1.0", "ghcr.io/corp/fraud-check:3.0.9"
    c, oc = container("app", image), container("app", old_image)
    deps, rss = deploy_family(
        ns,
        name,
        {"app": name},
        [c],
        new_h,
        replicas=6,
        ready=6,
        revision=22,
        old=(old_h, [oc], 60 * 24 * 7),
        created_min=40,
        conditions=_complete(name, new_h, 3),
    )
    return {
        "title": "Recovered: a slow rollout tripped KubeDeploymentRolloutStuck, it completed 3 minutes ago",
        "alert": am_webhook(
            {
                "alertname": "KubeDeploymentRolloutStuck",
                "namespace": ns,
                "deployment": name,
                "severity": "warning",
            },
            18,
            {
                "summary": "Deployment rollout is not progressing.",
                "runbook_url": RUNBOOK + "kubedeploymentrolloutstuck",
            },
        ),
        "objects": {
            "Pod": _ready_pods(
                ns,
                name,
                new_h,
                c,
                [(s, m) for s, m in (("a", 40), ("b", 30), ("c", 22), ("d", 14), ("e", 8), ("f", 4))],
            ),
            "ReplicaSet": rss,
            "Deployment": deps,
        },
        "expected": {"root_cause": {"kind": "noise", "object": name}, "noise": True, "facts": []},
    }


@bundle3
def grafana_terminating_pod_during_rollout() -> dict[str, Any]:
    """A Grafana 'pod not ready' alert on the old pod being terminated by a rollout that is complete."""
    ns, name, new_h, old_h = "portal", "customer-portal", "6b5a4c3d2", "5c4b3a2d1"
    image, old_image = "ghcr.io/corp/portal:2.0.1", "ghcr.io/corp/portal:2.0.0"
    c, oc = container("web", image), container("web", old_image)
    deps, rss = deploy_family(
        ns,
        name,
        {"app": name},
        [c],
        new_h,
        replicas=2,
        ready=2,
        revision=9,
        old=(old_h, [oc], 60 * 24 * 2),
        created_min=5,
        conditions=_complete(name, new_h, 1),
    )
    old_p = f"{name}-{old_h}-u7i8o"
    term = pod(
        old_p,
        ns,
        {"app": name, "pod-template-hash": old_h},
        owner("ReplicaSet", f"{name}-{old_h}", ns),
        [oc],
        [cstatus("web", old_image, running(60 * 24 * 2), ready=False)],
        created_min=60 * 24 * 2,
        deletion_min=1,
    )
    return {
        "title": "Grafana alert: the old pod is terminating at the end of a complete rollout",
        "source": "grafana",
        "family": "not ready (Grafana)",
        "alert": grafana(
            "Pod not ready",
            {"namespace": ns, "pod": old_p},
            {"summary": f"{old_p} is not ready"},
            {"A": 0, "C": 1},
            minutes=1,
        ),
        "objects": {
            "Pod": [term, *_ready_pods(ns, name, new_h, c, [("p1o2i", 5), ("u3y4t", 3)])],
            "Event": [event(ns, "Pod", old_p, "Killing", "Stopping container web", 1, 1, type_="Normal")],
            "ReplicaSet": rss,
            "Deployment": deps,
        },
        "expected": {"root_cause": {"kind": "noise", "object": old_p}, "noise": True, "facts": []},
    }


# --- workloads ---------------------------------------------------------------------------------------


def _failed_create(
    ns: str, name: str, h: str, message: str, image: str, *, replicas: int = 2
) -> dict[str, Any]:
    c = container("app", image)
    rs_conds = [cond("ReplicaFailure", "True", "FailedCreate", message, 20)]
    deps, rss = deploy_family(
        ns,
        name,
        {"app": name},
        [c],
        h,
        replicas=replicas,
        ready=0,
        rs_conditions=rs_conds,
        created_min=25,
        conditions=[
            cond(
                "Available",
                "False",
                "MinimumReplicasUnavailable",
                "Deployment does not have minimum availability.",
                25,
            ),
            cond("ReplicaFailure", "True", "FailedCreate", message, 20),
        ],
    )
    return {
        "alert": am_webhook(
            {
                "alertname": "KubeDeploymentReplicasMismatch",
                "namespace": ns,
                "deployment": name,
                "severity": "warning",
            },
            16,
            {"summary": "Deployment has not matched the expected number of replicas."},
        ),
        "objects": {
            "Pod": [],
            "Event": [
                event(
                    ns,
                    "ReplicaSet",
                    f"{name}-{h}",
                    "FailedCreate",
                    f"Error creating: {message}",
                    25,
                    1,
                    count=17,
                    component="replicaset-controller",
                )
            ],
            "ReplicaSet": rss,
            "Deployment": deps,
        },
    }


@bundle3
def replicas_mismatch_pod_security_rejected() -> dict[str, Any]:
    ns, name, h = "reporting", "report-builder", "7d6c5b4a3"
    msg = (
        f'pods "{name}-{h}-8nq2x" is forbidden: violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false '
        '(container "app" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container "app" '
        'must set securityContext.capabilities.drop=["ALL"]), runAsNonRoot != true (pod or container "app" must set '
        "securityContext.runAsNonRoot=true)"
    )
    return {
        "title": "Pod Security admission rejects every pod; only the ReplicaSet's events say so",
        **_failed_create(ns, name, h, msg, "ghcr.io/corp/report-builder:1.0.0"),
        "expected": {
            "root_cause": {"kind": "admission_denied", "object": name},
            "noise": False,
            "facts": ["violates PodSecurity"],
        },
    }


@bundle3
def replicas_mismatch_limitrange_rejected() -> dict[str, Any]:
    ns, name, h = "tenant-a", "image-resizer", "8e7d6c5b4"
    msg = f'pods "{name}-{h}-4kd9s" is forbidden: maximum memory usage per Container is 1Gi, but limit is 2Gi'
    return {
        "title": "A LimitRange rejects the pods: the container asks more memory than the namespace allows",
        **_failed_create(ns, name, h, msg, "ghcr.io/corp/image-resizer:2.2.2"),
        "expected": {
            "root_cause": {"kind": "admission_denied", "object": name},
            "noise": False,
            "facts": ["maximum memory usage per Container is 1Gi"],
        },
    }


@bundle3
def rollout_stuck_readiness_path_changed() -> dict[str, Any]:
    ns, name, new_h, old_h = "catalog", "product-api", "7f6e5d4c3", "6e5d4c3b2"
    image = "ghcr.io/corp/product-api:5.0.0"
    probe_new = {"httpGet": {"path": "/health/ready", "port": 8080}, "periodSeconds": 10}
    probe_old = {"httpGet": {"path": "/healthz", "port": 8080}, "periodSeconds": 10}
    c, oc = (
        container("api", image, readinessProbe=probe_new),
        container("api", "ghcr.io/corp/product-api:4.9.2", readinessProbe=probe_old),
    )
    deps, rss = deploy_family(
        ns,
        name,
        {"app": name},
        [c],
        new_h,
        replicas=4,
        ready=3,
        revision=40,
        old=(old_h, [oc], 60 * 24 * 6),
        created_min=30,
        conditions=[
            cond(
                "Available",
                "True",
                "MinimumReplicasAvailable",
                "Deployment has minimum availability.",
                60 * 24,
            ),
            cond(
                "Progressing",
                "False",
                "ProgressDeadlineExceeded",
                f'ReplicaSet "{name}-{new_h}" has timed out progressing.',
                20,
            ),
        ],
    )
    deps[0]["status"]["updatedReplicas"] = 1
    rss[0]["status"].update(replicas=3, readyReplicas=3, availableReplicas=3)
    rss[1]["status"].update(replicas=1, readyReplicas=0, availableReplicas=0)
    p = f"{name}-{new_h}-e4r5t"
    new_pod = pod(
        p,
        ns,
        {"app": name, "pod-template-hash": new_h},
        owner("ReplicaSet", f"{name}-{new_h}", ns),
        [c],
        [cstatus("api", image, running(30), ready=False)],
        created_min=30,
    )
    olds = _ready_pods(
        ns, name, old_h, oc, [("y6u7i", 60 * 24 * 6), ("o8p9a", 60 * 24 * 6), ("s1d2f", 60 * 24 * 6)]
    )
    probe = "Readiness probe failed: HTTP probe failed with statuscode: 404"
    return {
        "title": "Rollout stuck: the new release's readiness probe path answers 404",
        "alert": am_webhook(
            {
                "alertname": "KubeDeploymentRolloutStuck",
                "namespace": ns,
                "deployment": name,
                "severity": "warning",
            },
            15,
            {"summary": "Deployment rollout is not progressing."},
        ),
        "objects": {
            "Pod": [new_pod, *olds],
            "Event": [event(ns, "Pod", p, "Unhealthy", probe, 29, 1, count=180)],
            "ReplicaSet": rss,
            "Deployment": deps,
        },
        "logs": {
            (
                p,
                "api",
                False,
            ): '10.42.1.1 - - [02/Sep/2026:08:29:51 +0000] "GET /health/ready HTTP/1.1" 404 19\n'
        },
        "expected": {
            "root_cause": {"kind": "bad_deploy", "object": name},
            "noise": False,
            "facts": ["statuscode: 404"],
        },
    }


@bundle3
def daemonset_rollout_stuck_image_pull() -> dict[str, Any]:
    ns, name = "logging", "fluent-bit"
    image = "cr.fluentbit.io/fluent/fluent-bit:3.1.99"
    labels = {"app.kubernetes.io/name": name}
    c = container("fluent-bit", image, mem="128Mi", cpu="50m")
    ds = _ds(name, ns, labels, c, desired=6, ready=5, updated=1, unavailable=1)
    p = f"{name}-7xk2p"
    msg = f'Failed to pull image "{image}": rpc error: code = NotFound desc = failed to pull and unpack image "{image}": failed to resolve reference "{image}": {image}: not found'
    the_pod = pod(
        p,
        ns,
        {**labels, "controller-revision-hash": "6d5f8c7b9"},
        owner("DaemonSet", name, ns),
        [c],
        [cstatus("fluent-bit", image, waiting("ImagePullBackOff", f'Back-off pulling image "{image}"'))],
        phase="Pending",
        created_min=25,
    )
    return {
        "title": "DaemonSet rollout stuck: the new fluent-bit tag does not exist",
        "alert": am_webhook(
            {
                "alertname": "KubeDaemonSetRolloutStuck",
                "namespace": ns,
                "daemonset": name,
                "severity": "warning",
            },
            15,
            {"summary": "DaemonSet rollout is stuck.", "runbook_url": RUNBOOK + "kubedaemonsetrolloutstuck"},
        ),
        "objects": {
            "Pod": [the_pod],
            "Event": [event(ns, "Pod", p, "Failed", msg, 25, 1, count=8)],
            "DaemonSet": [ds],
        },
        "expected": {
            "root_cause": {"kind": "image_pull", "object": name},
            "noise": False,
            "facts": ["not found"],
        },
    }


@bundle3
def daemonset_pod_crashloop_missing_config() -> dict[str, Any]:
    ns, name = "monitoring", "node-agent"
    image = "ghcr.io/corp/node-agent:0.9.0"
    labels = {"app": name}
    c = container("agent", image)
    ds = _ds(name, ns, labels, c, desired=8, ready=7, updated=8, unavailable=1)
    p = f"{name}-q9z8x"
    the_pod = pod(
        p,
        ns,
        {**labels, "controller-revision-hash": "5c4b7d6f8"},
        owner("DaemonSet", name, ns),
        [c],
        [
            cstatus(
                "agent",
                image,
                waiting("CrashLoopBackOff", f"back-off 5m0s restarting failed container=agent pod={p}"),
                restarts=30,
                last=terminated(1, "Error", 3, 3),
            )
        ],
        created_min=60 * 24,
    )
    log = 'time="2026-09-02T08:26:40Z" level=fatal msg="failed to load config" error="open /host/etc/node-agent/agent.yaml: no such file or directory"\n'
    return {
        "title": "DaemonSet pod on one node crash loops: the host config file it mounts is missing there",
        "alert": crash_alert(ns, p, "agent", 60),
        "objects": {"Pod": [the_pod], "Event": [backoff(ns, p, "agent")], "DaemonSet": [ds]},
        "logs": {(p, "agent", True): log},
        "expected": {
            "root_cause": {"kind": "config_error", "object": name},
            "noise": False,
            "facts": ["agent.yaml"],
        },
    }


def _job(
    ns: str, name: str, c: dict[str, Any], *, failed: int, reason: str, message: str, backoff_limit: int = 2
) -> dict[str, Any]:
    return {
        "metadata": {
            "name": name,
            "namespace": ns,
            "uid": f"job-{name}",
            "labels": {"job-name": name},
            "ownerReferences": [
                {
                    "apiVersion": "batch/v1",
                    "kind": "CronJob",
                    "name": name.rsplit("-", 1)[0],
                    "uid": "cj",
                    "controller": True,
                }
            ],
        },
        "spec": {
            "backoffLimit": backoff_limit,
            "completions": 1,
            "parallelism": 1,
            "selector": {"matchLabels": {"job-name": name}},
            "template": {
                "metadata": {"labels": {"job-name": name}},
                "spec": {"containers": [c], "restartPolicy": "Never"},
            },
        },
        "status": {
            "failed": failed,
            "startTime": ts(50),
            "conditions": [
                {
                    "type": "Failed",
                    "status": "True",
                    "reason": reason,
                    "message": message,
                    "lastProbeTime": ts(5),
                    "lastTransitionTime": ts(5),
                }
            ],
        },
    }


def _job_alert(ns: str, name: str) -> dict[str, Any]:
    return am_webhook(
        {"alertname": "KubeJobFailed", "namespace": ns, "job_name": name, "severity": "warning"},
        5,
        {"summary": "Job failed to complete.", "runbook_url": RUNBOOK + "kubejobfailed"},
    )


@bundle3
def job_pod_evicted_ephemeral_storage() -> dict[str, Any]:
    ns, name = "backup", "pg-dump-29311440"
    image = "ghcr.io/corp/pg-backup:16.2"
    c = container("dump", image)
    msg = (
        "The node was low on resource: ephemeral-storage. Threshold quantity: 4174534322, available: 3849392Ki. "
        "Container dump was using 14598084Ki, request is 0, has larger consumption of ephemeral-storage. "
    )
    pods = []
    for s, m in (("h7j6k", 45), ("l5z4x", 30), ("c3v2b", 15)):
        pp = pod(
            f"{name}-{s}",
            ns,
            {"job-name": name},
            owner("Job", name, ns),
            [c],
            [
                cstatus(
                    "dump",
                    image,
                    terminated(
                        137,
                        "ContainerStatusUnknown",
                        m,
                        m - 10,
                        "The container could not be located when the pod was terminated",
                    ),
                )
            ],
            phase="Failed",
            created_min=m,
        )
        pp["status"].update(reason="Evicted", message=msg)
        pods.append(pp)
    return {
        "title": "Job failed: every attempt evicted for ephemeral-storage (the dump is written to the container's disk)",
        "alert": _job_alert(ns, name),
        "objects": {
            "Job": [
                _job(
                    ns,
                    name,
                    c,
                    failed=3,
                    reason="BackoffLimitExceeded",
                    message="Job has reached the specified backoff limit",
                )
            ],
            "Pod": pods,
            "Event": [event(ns, "Pod", f"{name}-c3v2b", "Evicted", msg, 5, 5)],
        },
        "expected": {
            "root_cause": {"kind": "eviction", "object": name},
            "noise": False,
            "facts": ["ephemeral-storage"],
        },
    }


@bundle3
def job_failed_undefined_table() -> dict[str, Any]:
    ns, name = "analytics", "daily-rollup-29311380"
    image = "ghcr.io/corp/rollup:3.4.0"
    c = container("rollup", image)
    pods = [
        pod(
            f"{name}-{s}",
            ns,
            {"job-name": name},
            owner("Job", name, ns),
            [c],
            [cstatus("rollup", image, terminated(1, "Error", m, m - 1))],
            phase="Failed",
            created_min=m,
        )
        for s, m in (("d4f5g", 40), ("h6j7k", 25), ("l8z9x", 10))
    ]
    log = (
        "2026-09-02 08:19:02 INFO  rollup: aggregating 2026-09-01\n"
        "Traceback (most recent call last):\n"
        '  File "/app/rollup/run.py", line 88, in main\n'
        "    cur.execute(QUERY)\n"
        'psycopg2.errors.UndefinedTable: relation "events_v2" does not exist\n'
        "LINE 1: SELECT date_trunc('day', ts), count(*) FROM events_v2 GROUP BY 1\n"
    )
    return {
        "title": "Job failed: the query reads a table that does not exist",
        "alert": _job_alert(ns, name),
        "objects": {
            "Job": [
                _job(
                    ns,
                    name,
                    c,
                    failed=3,
                    reason="BackoffLimitExceeded",
                    message="Job has reached the specified backoff limit",
                )
            ],
            "Pod": pods,
        },
        "logs": {(f"{name}-l8z9x", "rollup", False): log},
        "expected": {
            "root_cause": {"kind": "code_error", "object": name},
            "noise": False,
            "facts": ['relation "events_v2" does not exist'],
        },
    }


@bundle3
def statefulset_mismatch_volume_full() -> dict[str, Any]:
    ns, name = "db", "orders-pg"
    image = "docker.io/library/postgres:15.8"
    labels = {"app.kubernetes.io/name": name}
    c = container("postgres", image, mem="4Gi")
    sts = _sts(name, ns, labels, c, replicas=2, ready=1, current_rev=f"{name}-6c5d7e8f9")
    p = f"{name}-1"
    bad = pod(
        p,
        ns,
        labels,
        owner("StatefulSet", name, ns),
        [c],
        [
            cstatus(
                "postgres",
                image,
                waiting("CrashLoopBackOff", f"back-off 5m0s restarting failed container=postgres pod={p}"),
                restarts=9,
                last=terminated(1, "Error", 2, 2),
            )
        ],
        created_min=60 * 24 * 9,
    )
    ok = pod(
        f"{name}-0",
        ns,
        labels,
        owner("StatefulSet", name, ns),
        [c],
        [cstatus("postgres", image, running(60 * 24 * 9), ready=True)],
        ready=True,
        created_min=60 * 24 * 9,
    )
    log = (
        "2026-09-02 08:27:30.101 UTC [1] LOG:  starting PostgreSQL 15.8 (Debian 15.8-1.pgdg120+1)\n"
        "2026-09-02 08:27:30.140 UTC [27] LOG:  database system was interrupted while in recovery at log time 2026-09-02 07:58:12 UTC\n"
        '2026-09-02 08:27:30.162 UTC [27] FATAL:  could not write to file "pg_wal/xlogtemp.27": No space left on device\n'
        "2026-09-02 08:27:30.170 UTC [1] LOG:  startup process (PID 27) exited with exit code 1\n"
    )
    return {
        "title": "StatefulSet replica crash loops: its data volume is full (No space left on device)",
        "alert": am_webhook(
            {
                "alertname": "KubeStatefulSetReplicasMismatch",
                "namespace": ns,
                "statefulset": name,
                "severity": "warning",
            },
            25,
            {"summary": "StatefulSet has not matched the expected number of replicas."},
        ),
        "objects": {"Pod": [ok, bad], "Event": [backoff(ns, p, "postgres")], "StatefulSet": [sts]},
        "logs": {(p, "postgres", True): log},
        "expected": {
            "root_cause": {"kind": "disk_full", "object": name},
            "noise": False,
            "facts": ["No space left on device"],
        },
    }


@bundle3
def node_notready_pleg_unhealthy() -> dict[str, Any]:
    node = "ip-10-20-11-8.eu-west-1.compute.internal"
    n = _node(
        node,
        (
            "False",
            "KubeletNotReady",
            "PLEG is not healthy: pleg was last seen active 3m12.5s ago; threshold is 3m0s",
        ),
        minutes=22,
    )
    return {
        "title": "Node NotReady: PLEG is not healthy (the container runtime stopped answering)",
        "alert": _node_alert(node),
        "objects": {
            "Node": [n],
            "Event": [
                event(
                    "default",
                    "Node",
                    node,
                    "NodeNotReady",
                    f"Node {node} status is now: NodeNotReady",
                    22,
                    22,
                    type_="Normal",
                    component="node-controller",
                )
            ],
            "Pod": [],
        },
        "expected": {
            "root_cause": {"kind": "runtime_failure", "object": node},
            "noise": False,
            "facts": ["PLEG is not healthy"],
        },
    }


@bundle3
def node_notready_cni_not_initialized() -> dict[str, Any]:
    node = "ip-10-20-12-77.eu-west-1.compute.internal"
    msg = (
        "container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns "
        "error: cni plugin not initialized"
    )
    n = _node(
        node,
        ("False", "KubeletNotReady", msg),
        minutes=35,
        taints=[{"key": "node.kubernetes.io/not-ready", "effect": "NoSchedule"}],
    )
    return {
        "title": "Node NotReady: the CNI plugin is not initialised (the aws-node pod is not running there)",
        "alert": _node_alert(node, 25),
        "objects": {"Node": [n], "Event": [], "Pod": []},
        "expected": {
            "root_cause": {"kind": "network_unavailable", "object": node},
            "noise": False,
            "facts": ["cni plugin not initialized"],
        },
    }


@bundle3
def datadog_monitor_job_deadline() -> dict[str, Any]:
    """A Datadog monitor on failed jobs (kube_job tag); the Job hit its activeDeadlineSeconds."""
    ns, name = "etl", "warehouse-load-29311200"
    image = "ghcr.io/corp/warehouse-load:1.12.0"
    c = container("load", image)
    job = _job(
        ns,
        name,
        c,
        failed=1,
        reason="DeadlineExceeded",
        message="Job was active longer than specified deadline",
    )
    job["spec"]["activeDeadlineSeconds"] = 3600
    p = f"{name}-n4m5b"
    the_pod = pod(
        p,
        ns,
        {"job-name": name},
        owner("Job", name, ns),
        [c],
        [cstatus("load", image, terminated(143, "Error", 65, 5))],
        phase="Failed",
        created_min=65,
    )
    return {
        "title": "Datadog monitor: the warehouse load Job ran past its one-hour deadline",
        "source": "datadog",
        "family": "jobs (Datadog)",
        "alert": datadog(
            "Kubernetes job failed",
            {"kube_namespace": ns, "kube_job": name},
            "%%%\nJob failed.\n%%%",
            minutes=4,
        ),
        "objects": {
            "Job": [job],
            "Pod": [the_pod],
            "Event": [
                event(
                    ns,
                    "Job",
                    name,
                    "DeadlineExceeded",
                    "Job was active longer than specified deadline",
                    5,
                    5,
                    component="job-controller",
                )
            ],
        },
        "logs": {(p, "load", False): "INFO loaded 412/1300 partitions\nINFO loaded 413/1300 partitions\n"},
        "expected": {
            "root_cause": {"kind": "deadline_exceeded", "object": name},
            "noise": False,
            "facts": ["DeadlineExceeded"],
        },
    }


@bundle3
def crashloop_exit_zero_sidecar_less_cron_in_deployment() -> dict[str, Any]:
    """A Grafana restarts alert: a cleanup script deployed as a Deployment exits 0 and is restarted forever."""
    ns, name, h = "platform", "tmp-cleaner", "6a7b8c9d0"
    image = "docker.io/library/busybox:1.36"
    p, the_pod, deps, rss = crashing_pod(
        ns,
        name,
        h,
        image,
        "clean",
        code=0,
        reason="Completed",
        restarts=40,
        command=["sh", "-c", "find /scratch -mtime +1 -delete"],
    )
    return {
        "title": "Grafana alert: a one-shot cleanup command under a Deployment exits 0 and is restarted",
        "source": "grafana",
        "family": "restarts (Grafana)",
        "alert": grafana(
            "Container restarts",
            {"namespace": ns, "pod": p, "container": "clean"},
            {"summary": f"{p} restarts"},
            {"A": 40},
            minutes=120,
        ),
        "objects": {
            "Pod": [the_pod],
            "Event": [backoff(ns, p, "clean", 300)],
            "ReplicaSet": rss,
            "Deployment": deps,
        },
        "logs": {(p, "clean", True): ""},
        "expected": {
            "root_cause": {"kind": "config_error", "object": name},
            "noise": False,
            "facts": ["Completed"],
        },
    }

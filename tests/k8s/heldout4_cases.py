"""The fourth held-out set (``tests/k8s/heldout-4/``): written *after* the investigators were
generalised on the third set, and measured once, with no investigator change after. New shapes on
purpose (a completed Job's pod, a pod stuck terminating, a readiness probe on a port a rollout moved,
a quota rejection behind a Datadog monitor, a job named only in a Robusta-style title...)."""

from __future__ import annotations

from typing import Any

from tests.k8s.heldout3_pods import backoff, crash_alert, crashing_pod, datadog, generic, grafana
from tests.k8s.heldout3_workloads import _complete, _job, _ready_pods, _sts
from tests.k8s.heldout_book import (
    am_webhook,
    bundle4,
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


@bundle4
def grafana_statefulset_elasticsearch_max_map_count() -> dict[str, Any]:
    ns, name = "logging", "elasticsearch"
    image = "docker.elastic.co/elasticsearch/elasticsearch:8.15.0"
    labels = {"app.kubernetes.io/name": name}
    c = container("elasticsearch", image, mem="4Gi")
    sts = _sts(name, ns, labels, c, replicas=3, ready=2, current_rev=f"{name}-7f6d5c8b9")
    p = f"{name}-2"
    bad = pod(
        p, ns, labels, owner("StatefulSet", name, ns), [c],
        [cstatus("elasticsearch", image, waiting("CrashLoopBackOff", f"back-off 5m0s restarting failed container=elasticsearch pod={p}"), restarts=8, last=terminated(78, "Error", 3, 2))],
        created_min=40,
    )  # fmt: skip
    log = (
        '{"@timestamp":"2026-09-02T08:27:01.201Z", "log.level": "INFO", "message":"initialized"}\n'
        '{"@timestamp":"2026-09-02T08:27:01.950Z", "log.level":"ERROR", "message":"node validation exception\\n'
        "[1] bootstrap checks failed. You must address the points described in the following [1] lines before "
        "starting Elasticsearch.\\nbootstrap check failure [1] of [1]: max virtual memory areas vm.max_map_count "
        '[65530] is too low, increase to at least [262144]"}\n'
        '{"@timestamp":"2026-09-02T08:27:01.960Z", "log.level": "INFO", "message":"stopping ..."}\n'
    )
    return {
        "title": "Grafana alert on a StatefulSet: Elasticsearch's bootstrap check fails on a new node (vm.max_map_count)",
        "source": "grafana",
        "family": "statefulset (Grafana)",
        "alert": grafana(
            "StatefulSet replicas not ready",
            {"namespace": ns, "statefulset": name},
            {"summary": "2/3 ready"},
            {"A": 2},
        ),
        "objects": {"Pod": [bad], "Event": [backoff(ns, p, "elasticsearch")], "StatefulSet": [sts]},
        "logs": {(p, "elasticsearch", True): log},
        "expected": {
            "root_cause": {"kind": "config_error", "object": name},
            "noise": False,
            "facts": ["vm.max_map_count"],
        },
    }


@bundle4
def datadog_deployment_quota_exceeded() -> dict[str, Any]:
    ns, name, h = "ingest", "ingest-api", "5d6c7b8a9"
    c = container("api", "ghcr.io/corp/ingest-api:3.3.3", mem="2Gi")
    msg = (
        f'pods "{name}-{h}-q2w3e" is forbidden: exceeded quota: compute-quota, requested: limits.memory=2Gi, '
        "used: limits.memory=15Gi, limited: limits.memory=16Gi"
    )
    rs_conds = [cond("ReplicaFailure", "True", "FailedCreate", msg, 12)]
    deps, rss = deploy_family(
        ns, name, {"app": name}, [c], h, replicas=6, ready=5, rs_conditions=rs_conds, created_min=300
    )
    return {
        "title": "Datadog monitor on unavailable replicas: the namespace's ResourceQuota rejects the sixth pod",
        "source": "datadog",
        "family": "replicas (Datadog)",
        "alert": datadog(
            "ingest-api has unavailable replicas",
            {"kube_namespace": ns, "kube_deployment": name},
            "%%%\n1 unavailable replica\n%%%",
            minutes=12,
        ),
        "objects": {
            "Pod": _ready_pods(
                ns, name, h, c, [(s, 300) for s in ("a1a1a", "b2b2b", "c3c3c", "d4d4d", "e5e5e")]
            ),
            "Event": [
                event(
                    ns,
                    "ReplicaSet",
                    f"{name}-{h}",
                    "FailedCreate",
                    f"Error creating: {msg}",
                    12,
                    1,
                    count=9,
                    component="replicaset-controller",
                )
            ],
            "ReplicaSet": rss,
            "Deployment": deps,
        },
        "expected": {
            "root_cause": {"kind": "quota_exceeded", "object": name},
            "noise": False,
            "facts": ["exceeded quota: compute-quota"],
        },
    }


@bundle4
def robusta_title_job_oomkilled() -> dict[str, Any]:
    ns, name = "ops", "backup-nightly-29312160"
    image = "ghcr.io/corp/backup:5.1.0"
    c = container("backup", image, mem="512Mi")
    pods = [
        pod(f"{name}-{s}", ns, {"job-name": name}, owner("Job", name, ns), [c], [cstatus("backup", image, terminated(137, "OOMKilled", m, m - 3))], phase="Failed", created_min=m)
        for s, m in (("k1l2m", 40), ("n3o4p", 25))
    ]  # fmt: skip
    return {
        "title": "Robusta-style title names the Job only in text; its pods are OOMKilled",
        "source": "generic",
        "family": "jobs (Robusta-style)",
        "alert": generic(
            "Job Failure",
            {"cluster": "prod-eu-3"},
            {"title": f"Job {name} in namespace {ns} failed", "description": "BackoffLimitExceeded"},
        ),
        "objects": {
            "Job": [
                _job(
                    ns,
                    name,
                    c,
                    failed=2,
                    reason="BackoffLimitExceeded",
                    message="Job has reached the specified backoff limit",
                    backoff_limit=1,
                )
            ],
            "Pod": pods,
        },
        "expected": {"root_cause": {"kind": "oom", "object": name}, "noise": False, "facts": ["OOMKilled"]},
    }


@bundle4
def enriched_go_panic_logs_in_annotation() -> dict[str, Any]:
    ns, name, h = "routing", "geo-router", "8c9d7e6f5"
    p, the_pod, deps, rss = crashing_pod(ns, name, h, "ghcr.io/corp/geo-router:1.2.0", "router", code=2)
    alert = crash_alert(ns, p, "router", 20)
    alert["alerts"][0]["annotations"]["kubectl_logs"] = (
        "panic: runtime error: index out of range [3] with length 3\n\n"
        "goroutine 41 [running]:\n"
        "main.(*Router).pick(...)\n\t/src/router.go:88\n"
    )
    return {
        "title": "Enriched alert: a Go panic in the logs attached to the alert; the API had no logs",
        "family": "restarts (enriched)",
        "alert": alert,
        "objects": {"Pod": [the_pod], "ReplicaSet": rss, "Deployment": deps},
        "expected": {
            "root_cause": {"kind": "code_error", "object": name},
            "noise": False,
            "facts": ["index out of range"],
        },
    }


@bundle4
def notready_completed_job_pod() -> dict[str, Any]:
    """A pod of a Job that completed successfully: not ready by design (phase Succeeded)."""
    ns, name = "reports", "weekly-export-29311000"
    image = "ghcr.io/corp/export:2.0.0"
    c = container("export", image)
    p = f"{name}-z8x7c"
    the_pod = pod(
        p,
        ns,
        {"job-name": name},
        owner("Job", name, ns),
        [c],
        [cstatus("export", image, terminated(0, "Completed", 30, 18))],
        phase="Succeeded",
        created_min=30,
    )
    job = {
        "metadata": {"name": name, "namespace": ns, "uid": "job-export", "labels": {"job-name": name}},
        "spec": {
            "completions": 1,
            "backoffLimit": 3,
            "template": {"spec": {"containers": [c], "restartPolicy": "Never"}},
        },
        "status": {
            "succeeded": 1,
            "completionTime": ts(18),
            "conditions": [{"type": "Complete", "status": "True", "lastTransitionTime": ts(18)}],
        },
    }
    return {
        "title": "Not ready by design: the pod of a Job that completed 18 minutes ago",
        "alert": am_webhook(
            {"alertname": "KubePodNotReady", "namespace": ns, "pod": p, "severity": "warning"},
            15,
            {"summary": "Pod has been in a non-ready state for more than 15 minutes."},
        ),
        "objects": {"Pod": [the_pod], "Job": [job]},
        "expected": {"root_cause": {"kind": "noise", "object": p}, "noise": True, "facts": []},
    }


@bundle4
def custom_info_restarts_after_node_drain() -> dict[str, Any]:
    ns, name, h = "web", "static-site", "6f7e8d9c0"
    image = "docker.io/library/nginx:1.27.1"
    c = container("nginx", image)
    deps, rss = deploy_family(
        ns,
        name,
        {"app": name},
        [c],
        h,
        replicas=2,
        ready=2,
        created_min=60 * 24 * 3,
        conditions=_complete(name, h, 60 * 20),
    )
    pods = _ready_pods(ns, name, h, c, [("m1n2b", 60 * 24 * 3), ("v3c4x", 60 * 24 * 3)])
    st = pods[1]["status"]["containerStatuses"][0]
    st.update(restartCount=2, state=running(60 * 20), lastState=terminated(0, "Completed", 60 * 21, 60 * 20))
    p = pods[1]["metadata"]["name"]
    return {
        "title": "A team's info-level restarts alert after a node drain; running and ready for 20 h",
        "family": "restarts (custom rule)",
        "alert": am_webhook(
            {"alertname": "PodRestartsHigh", "namespace": ns, "pod": p, "severity": "info"},
            5,
            {"summary": f"{p} restarted 2 times in 48h"},
        ),
        "objects": {"Pod": pods, "ReplicaSet": rss, "Deployment": deps},
        "expected": {"root_cause": {"kind": "noise", "object": p}, "noise": True, "facts": []},
    }


@bundle4
def job_not_completed_image_pull_denied() -> dict[str, Any]:
    ns, name = "finance", "ledger-close-29311800"
    image = "registry.corp.example/finance/ledger-close:2026.09"
    c = container("close", image)
    p = f"{name}-t5r4e"
    msg = (
        f'Failed to pull image "{image}": rpc error: code = Unknown desc = failed to pull and unpack image "{image}": '
        "failed to resolve reference: pull access denied, repository does not exist or may require authorization: "
        "server message: insufficient_scope: authorization failed"
    )
    the_pod = pod(
        p,
        ns,
        {"job-name": name},
        owner("Job", name, ns),
        [c],
        [cstatus("close", image, waiting("ImagePullBackOff", f'Back-off pulling image "{image}"'))],
        phase="Pending",
        created_min=80,
    )
    job = {
        "metadata": {"name": name, "namespace": ns, "uid": "job-close", "labels": {"job-name": name}},
        "spec": {
            "completions": 1,
            "backoffLimit": 2,
            "template": {"spec": {"containers": [c], "restartPolicy": "Never"}},
        },
        "status": {"active": 1, "startTime": ts(80)},
    }
    return {
        "title": "KubeJobNotCompleted: the Job's pod cannot pull its image (authorization failed)",
        "alert": am_webhook(
            {"alertname": "KubeJobNotCompleted", "namespace": ns, "job_name": name, "severity": "warning"},
            20,
            {"summary": "Job did not complete in time"},
        ),
        "objects": {
            "Pod": [the_pod],
            "Job": [job],
            "Event": [event(ns, "Pod", p, "Failed", msg, 80, 1, count=20)],
        },
        "expected": {
            "root_cause": {"kind": "image_pull", "object": name},
            "noise": False,
            "facts": ["authorization failed"],
        },
    }


@bundle4
def node_notready_disk_pressure_evictions() -> dict[str, Any]:
    node = "ip-10-20-14-5.eu-west-1.compute.internal"
    conds = [
        {"type": "MemoryPressure", "status": "False", "reason": "KubeletHasSufficientMemory", "message": "kubelet has sufficient memory available", "lastHeartbeatTime": ts(0.5), "lastTransitionTime": ts(60 * 24)},
        {"type": "DiskPressure", "status": "True", "reason": "KubeletHasDiskPressure", "message": "kubelet has disk pressure", "lastHeartbeatTime": ts(0.5), "lastTransitionTime": ts(40)},
        {"type": "PIDPressure", "status": "False", "reason": "KubeletHasSufficientPID", "message": "kubelet has sufficient PID available", "lastHeartbeatTime": ts(0.5), "lastTransitionTime": ts(60 * 24)},
        {"type": "Ready", "status": "False", "reason": "KubeletNotReady", "message": "PLEG is not healthy: pleg was last seen active 3m4s ago; threshold is 3m0s", "lastHeartbeatTime": ts(0.5), "lastTransitionTime": ts(25)},
    ]  # fmt: skip
    n = {
        "metadata": {"name": node, "labels": {"kubernetes.io/hostname": node}},
        "spec": {"taints": [{"key": "node.kubernetes.io/disk-pressure", "effect": "NoSchedule"}]},
        "status": {
            "conditions": conds,
            "allocatable": {"cpu": "4", "memory": "16Gi", "pods": "58"},
            "addresses": [{"type": "InternalIP", "address": "10.20.14.5"}],
        },
    }
    evicted = pod(
        "log-spammer-5f6d7c8b9-q1w2e",
        "sandbox",
        {"app": "log-spammer"},
        owner("ReplicaSet", "log-spammer-5f6d7c8b9", "sandbox"),
        [container("app", "busybox:1.36")],
        [],
        phase="Failed",
        created_min=120,
        node=node,
    )
    evicted["status"].update(
        reason="Evicted",
        message="The node was low on resource: ephemeral-storage. Threshold quantity: 2146223340, available: 1483424Ki. Container app was using 18362310Ki, request is 0, has larger consumption of ephemeral-storage. ",
    )
    return {
        "title": "Node NotReady under DiskPressure; the kubelet evicted the pod filling its disk",
        "alert": am_webhook(
            {
                "alertname": "KubeNodeNotReady",
                "node": node,
                "condition": "Ready",
                "status": "false",
                "severity": "warning",
            },
            16,
            {"summary": f"{node} has been unready for more than 15 minutes."},
        ),
        "objects": {
            "Node": [n],
            "Pod": [evicted],
            "Event": [
                event(
                    "default",
                    "Node",
                    node,
                    "EvictionThresholdMet",
                    "Attempting to reclaim ephemeral-storage",
                    40,
                    30,
                    count=3,
                )
            ],
        },
        "expected": {
            "root_cause": {"kind": "node_pressure", "object": node},
            "noise": False,
            "facts": ["DiskPressure"],
        },
    }


@bundle4
def pod_stuck_terminating_finalizer() -> dict[str, Any]:
    """A pod asked to terminate 40 minutes ago (grace 30 s) is still there: not a normal rollout."""
    ns, name, new_h, old_h = "billing", "invoice-web", "7a8b9c0d1", "6b7c8d9e0"
    image, old_image = "ghcr.io/corp/invoice-web:2.2.0", "ghcr.io/corp/invoice-web:2.1.9"
    c, oc = container("web", image), container("web", old_image)
    deps, rss = deploy_family(
        ns,
        name,
        {"app": name},
        [c],
        new_h,
        replicas=2,
        ready=2,
        revision=4,
        old=(old_h, [oc], 60 * 24 * 4),
        created_min=45,
        conditions=_complete(name, new_h, 38),
    )
    old_p = f"{name}-{old_h}-f9g8h"
    stuck = pod(
        old_p,
        ns,
        {"app": name, "pod-template-hash": old_h},
        owner("ReplicaSet", f"{name}-{old_h}", ns),
        [oc],
        [cstatus("web", old_image, running(60 * 24 * 4), ready=False)],
        created_min=60 * 24 * 4,
        deletion_min=40,
    )
    stuck["metadata"]["finalizers"] = ["corp.example/session-drain"]
    return {
        "title": "Stuck terminating: a finalizer keeps the old pod 40 minutes past its 30 s grace period",
        "alert": am_webhook(
            {"alertname": "KubePodNotReady", "namespace": ns, "pod": old_p, "severity": "warning"},
            25,
            {"summary": "Pod has been in a non-ready state for more than 15 minutes."},
        ),
        "objects": {
            "Pod": [stuck, *_ready_pods(ns, name, new_h, c, [("j1k2l", 45), ("m3n4o", 42)])],
            "ReplicaSet": rss,
            "Deployment": deps,
        },
        "expected": {
            "root_cause": {"kind": "stuck_terminating", "object": old_p},
            "noise": False,
            "facts": ["corp.example/session-drain"],
        },
    }


@bundle4
def readiness_refused_port_moved_by_rollout() -> dict[str, Any]:
    ns, name, new_h, old_h = "search", "suggest-api", "9e8d7c6b5", "8f7e6d5c4"
    image = "ghcr.io/corp/suggest-api:4.0.0"
    probe = {"httpGet": {"path": "/ready", "port": 8080}, "periodSeconds": 5}
    c = container("api", image, env=[{"name": "PORT", "value": "8081"}], readinessProbe=probe)
    oc = container("api", image, env=[{"name": "PORT", "value": "8080"}], readinessProbe=probe)
    deps, rss = deploy_family(
        ns,
        name,
        {"app": name},
        [c],
        new_h,
        replicas=3,
        ready=2,
        revision=12,
        old=(old_h, [oc], 60 * 24 * 8),
        created_min=25,
    )
    p = f"{name}-{new_h}-r6t5y"
    the_pod = pod(
        p,
        ns,
        {"app": name, "pod-template-hash": new_h},
        owner("ReplicaSet", f"{name}-{new_h}", ns),
        [c],
        [cstatus("api", image, running(25), ready=False)],
        created_min=25,
    )
    msg = 'Readiness probe failed: Get "http://10.42.5.17:8080/ready": dial tcp 10.42.5.17:8080: connect: connection refused'
    return {
        "title": "Readiness refused on 8080: the rollout moved the app to PORT 8081, the probe still checks 8080",
        "alert": am_webhook(
            {"alertname": "KubePodNotReady", "namespace": ns, "pod": p, "severity": "warning"},
            18,
            {"summary": "Pod has been in a non-ready state for more than 15 minutes."},
        ),
        "objects": {
            "Pod": [the_pod],
            "Event": [event(ns, "Pod", p, "Unhealthy", msg, 25, 1, count=290)],
            "ReplicaSet": rss,
            "Deployment": deps,
        },
        "logs": {(p, "api", False): '{"level":"info","msg":"listening","addr":":8081"}\n'},
        "expected": {
            "root_cause": {"kind": "bad_deploy", "object": name},
            "noise": False,
            "facts": ["connection refused"],
        },
    }

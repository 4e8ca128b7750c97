"""The held-out bundles themselves (see :mod:`tests.k8s.heldout_book`). Written before the
investigators were generalised; answers follow what an SRE would conclude from the objects."""

from __future__ import annotations

from typing import Any

from tests.k8s.heldout_book import (
    am_webhook,
    bundle,
    cond,
    container,
    cstatus,
    deploy_family,
    event,
    owner,
    pod,
    running,
    template,
    terminated,
    ts,
    waiting,
)

RUNBOOK = "https://runbooks.prometheus-operator.dev/runbooks/kubernetes/"


@bundle
def crashloop_exit_zero_oneshot() -> dict[str, Any]:
    """A Deployment whose process finishes successfully (exit 0, Completed) and is restarted forever."""
    ns, name, h = "billing", "invoice-sync", "6f8d9c7b5"
    p = f"{name}-{h}-q7wzt"
    image = "registry.acme.io/billing/invoice-sync:1.8.0"
    labels = {"app.kubernetes.io/name": name}
    c = container("sync", image, command=["/app/invoice-sync", "--once"])
    deps, rss = deploy_family(ns, name, labels, [c], h, replicas=1, ready=0)
    status = cstatus(
        "sync",
        image,
        waiting("CrashLoopBackOff", f"back-off 5m0s restarting failed container=sync pod={p}"),
        restarts=9,
        last=terminated(0, "Completed", 6, 5.5),
    )
    return {
        "title": "Crash loop with exit code 0: a run-once command under a Deployment",
        "alert": am_webhook(
            {
                "alertname": "KubePodCrashLooping",
                "namespace": ns,
                "pod": p,
                "container": "sync",
                "severity": "warning",
                "job": "kube-state-metrics",
                "cluster": "prod-eu-1",
            },
            40,
            {
                "description": f'Pod {ns}/{p} (sync) is in waiting state (reason: "CrashLoopBackOff").',
                "runbook_url": RUNBOOK + "kubepodcrashlooping",
                "summary": "Pod is crash looping.",
            },
        ),
        "objects": {
            "Pod": [
                pod(
                    p,
                    ns,
                    {**labels, "pod-template-hash": h},
                    owner("ReplicaSet", f"{name}-{h}", ns),
                    [c],
                    [status],
                    created_min=85,
                )
            ],
            "Event": [
                event(
                    ns,
                    "Pod",
                    p,
                    "BackOff",
                    f"Back-off restarting failed container sync in pod {p}_{ns}({'x'})",
                    80,
                    1,
                    count=212,
                )
            ],
            "ReplicaSet": rss,
            "Deployment": deps,
        },
        "logs": {
            (p, "sync", True): "2026-09-02T08:24:01Z INFO starting invoice sync (once)\n"
            "2026-09-02T08:24:03Z INFO fetched 0 new invoices\n"
            "2026-09-02T08:24:03Z INFO sync complete, exiting\n",
        },
        "expected": {
            "root_cause": {"kind": "config_error", "object": name},
            "noise": False,
            "facts": ["exit code 0", "Completed"],
        },
    }


@bundle
def waiting_secret_key_missing() -> dict[str, Any]:
    """CreateContainerConfigError: a key missing from a Secret (not a ConfigMap)."""
    ns, name, h = "payments", "ledger-api", "58b7c9d4f"
    p = f"{name}-{h}-2mhxk"
    image = "ghcr.io/acme/ledger-api:3.4.2"
    labels = {"app": name, "team": "payments"}
    c = container(
        "api",
        image,
        env=[
            {"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "ledger-db", "key": "password"}}}
        ],
    )
    deps, rss = deploy_family(ns, name, labels, [c], h, replicas=2, ready=1)
    msg = "couldn't find key password in Secret payments/ledger-db"
    status = cstatus("api", image, waiting("CreateContainerConfigError", msg))
    return {
        "title": "Container config error: key missing from a Secret",
        "alert": am_webhook(
            {
                "alertname": "KubeContainerWaiting",
                "namespace": ns,
                "pod": p,
                "container": "api",
                "severity": "warning",
                "cluster": "prod-us-2",
            },
            70,
            {
                "description": f"pod/{p} in namespace {ns} on container api has been in waiting state for longer than 1 hour.",
                "runbook_url": RUNBOOK + "kubecontainerwaiting",
                "summary": "Pod container waiting longer than 1 hour",
            },
        ),
        "objects": {
            "Pod": [
                pod(
                    p,
                    ns,
                    {**labels, "pod-template-hash": h},
                    owner("ReplicaSet", f"{name}-{h}", ns),
                    [c],
                    [status],
                    phase="Pending",
                    created_min=75,
                )
            ],
            "Event": [event(ns, "Pod", p, "Failed", f"Error: {msg}", 74, 1, count=340)],
            "ReplicaSet": rss,
            "Deployment": deps,
        },
        "expected": {
            "root_cause": {"kind": "config_error", "object": name},
            "noise": False,
            "facts": ["couldn't find key password in Secret payments/ledger-db"],
        },
    }


@bundle
def crashloop_exec_format_error_rollout() -> dict[str, Any]:
    """StartError / exec format error: an arm64-only image rolled out onto amd64 nodes."""
    ns, name = "geo", "tile-render"
    new_h, old_h = "7c4b8f6d9", "5d9f7b8c6"
    p = f"{name}-{new_h}-vx8pl"
    new_image, old_image = "quay.io/acme/tile-render:2.0.0", "quay.io/acme/tile-render:1.9.3"
    labels = {"app": name}
    c = container("render", new_image, mem="1Gi")
    oc = container("render", old_image, mem="1Gi")
    msg = (
        "failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create "
        'failed: unable to start container process: exec: "/usr/local/bin/render": exec format error: unknown'
    )
    deps, rss = deploy_family(
        ns,
        name,
        labels,
        [c],
        new_h,
        replicas=3,
        ready=2,
        revision=7,
        old=(old_h, [oc], 60 * 24 * 6),
        created_min=25,
        conditions=[
            cond(
                "Progressing", "True", "ReplicaSetUpdated", f'ReplicaSet "{name}-{new_h}" is progressing.', 25
            ),
            cond("Available", "True", "MinimumReplicasAvailable", "Deployment has minimum availability.", 25),
        ],
    )
    status = cstatus(
        "render",
        new_image,
        waiting("CrashLoopBackOff", f"back-off 2m40s restarting failed container=render pod={p}"),
        restarts=6,
        last=terminated(128, "StartError", 3, 3, msg),
    )
    return {
        "title": "Crash loop: exec format error after a rollout (wrong image architecture)",
        "alert": am_webhook(
            {
                "alertname": "KubePodCrashLooping",
                "namespace": ns,
                "pod": p,
                "container": "render",
                "severity": "warning",
                "cluster": "prod-eu-1",
            },
            20,
            {
                "description": f'Pod {ns}/{p} (render) is in waiting state (reason: "CrashLoopBackOff").',
                "runbook_url": RUNBOOK + "kubepodcrashlooping",
                "summary": "Pod is crash looping.",
            },
        ),
        "objects": {
            "Pod": [
                pod(
                    p,
                    ns,
                    {**labels, "pod-template-hash": new_h},
                    owner("ReplicaSet", f"{name}-{new_h}", ns),
                    [c],
                    [status],
                    created_min=24,
                )
            ],
            "Event": [
                event(ns, "Pod", p, "Failed", f"Error: {msg}", 24, 3, count=7),
                event(
                    ns,
                    "Pod",
                    p,
                    "BackOff",
                    f"Back-off restarting failed container render in pod {p}_{ns}",
                    23,
                    1,
                    count=90,
                ),
            ],
            "ReplicaSet": rss,
            "Deployment": deps,
        },
        "expected": {
            "root_cause": {"kind": "bad_deploy", "object": name},
            "noise": False,
            "facts": ["exec format error", "tile-render:2.0.0"],
        },
    }


@bundle
def notready_init_container_waits_for_db() -> dict[str, Any]:
    """Init:CrashLoopBackOff: the init container cannot reach the database, whose pod is not ready."""
    ns, name, h = "orders", "order-worker", "84c6d5f7b"
    p = f"{name}-{h}-t5n2d"
    image = "registry.acme.io/orders/worker:5.1.0"
    labels = {"app": name}
    init = container(
        "wait-for-db",
        "postgres:15-alpine",
        mem="64Mi",
        cpu="10m",
        command=["sh", "-c", "pg_isready -h orders-db -p 5432 && psql -h orders-db -c 'select 1'"],
    )
    c = container("worker", image)
    deps, rss = deploy_family(ns, name, labels, [c], h, replicas=2, ready=0)
    init_status = cstatus(
        "wait-for-db",
        "postgres:15-alpine",
        waiting("CrashLoopBackOff", f"back-off 5m0s restarting failed container=wait-for-db pod={p}"),
        restarts=11,
        last=terminated(2, "Error", 4, 4),
    )
    main_status = cstatus("worker", image, waiting("PodInitializing"))
    worker_pod = pod(
        p,
        ns,
        {**labels, "pod-template-hash": h},
        owner("ReplicaSet", f"{name}-{h}", ns),
        [c],
        [main_status],
        phase="Pending",
        created_min=50,
        init_containers=[init],
        init_statuses=[init_status],
        conditions=[
            {
                "type": "Initialized",
                "status": "False",
                "reason": "ContainersNotInitialized",
                "message": "containers with incomplete status: [wait-for-db]",
                "lastTransitionTime": ts(50),
            },
            {
                "type": "Ready",
                "status": "False",
                "reason": "ContainersNotReady",
                "message": "containers with unready status: [worker]",
                "lastTransitionTime": ts(50),
            },
            {"type": "PodScheduled", "status": "True", "lastTransitionTime": ts(50)},
        ],
    )
    db_labels = {"app": "orders-db"}
    db_c = container(
        "postgres",
        "postgres:15.4",
        mem="2Gi",
        readinessProbe={"exec": {"command": ["pg_isready"]}, "periodSeconds": 10},
    )
    db_pod = pod(
        "orders-db-0",
        ns,
        db_labels,
        owner("StatefulSet", "orders-db", ns),
        [db_c],
        [cstatus("postgres", "postgres:15.4", running(55), ready=False, restarts=0)],
        created_min=55,
    )
    sts = {
        "metadata": {
            "name": "orders-db",
            "namespace": ns,
            "uid": "sts-orders-db",
            "creationTimestamp": ts(60 * 24 * 90),
            "labels": db_labels,
        },
        "spec": {
            "replicas": 1,
            "serviceName": "orders-db",
            "selector": {"matchLabels": db_labels},
            "template": template(db_labels, [db_c]),
        },
        "status": {
            "replicas": 1,
            "readyReplicas": 0,
            "currentReplicas": 1,
            "updatedReplicas": 1,
            "availableReplicas": 0,
        },
    }
    log = (
        "orders-db:5432 - no response\n"
        'psql: error: connection to server at "orders-db" (10.96.44.12), port 5432 failed: Connection refused\n'
        "\tIs the server running on that host and accepting TCP/IP connections?\n"
    )
    return {
        "title": "Not ready: init container cannot reach the database (the database pod is not ready)",
        "alert": am_webhook(
            {
                "alertname": "KubePodNotReady",
                "namespace": ns,
                "pod": p,
                "severity": "warning",
                "cluster": "prod-eu-1",
            },
            35,
            {
                "description": f"Pod {ns}/{p} has been in a non-ready state for longer than 15 minutes.",
                "runbook_url": RUNBOOK + "kubepodnotready",
                "summary": "Pod has been in a non-ready state for more than 15 minutes.",
            },
        ),
        "objects": {
            "Pod": [worker_pod, db_pod],
            "Event": [
                event(
                    ns,
                    "Pod",
                    p,
                    "BackOff",
                    f"Back-off restarting failed container wait-for-db in pod {p}_{ns}",
                    45,
                    1,
                    count=150,
                ),
                event(
                    ns,
                    "Pod",
                    "orders-db-0",
                    "Unhealthy",
                    "Readiness probe failed: /var/run/postgresql:5432 - no response",
                    54,
                    1,
                    count=320,
                ),
            ],
            "ReplicaSet": rss,
            "Deployment": deps,
            "StatefulSet": [sts],
        },
        "logs": {(p, "wait-for-db", True): log, (p, "wait-for-db", False): log},
        "expected": {
            "root_cause": {"kind": "dependency_outage", "object": "orders-db"},
            "noise": False,
            "facts": ["wait-for-db", "Connection refused"],
        },
    }


@bundle
def replicas_mismatch_quota_exceeded() -> dict[str, Any]:
    """No pod was created at all: the ResourceQuota rejects them; the reason is on the ReplicaSet."""
    ns, name, h = "search", "query-api", "6bd8f5c97"
    image = "registry.acme.io/search/query-api:11.2.0"
    labels = {"app": name}
    c = container("api", image, mem="2Gi", cpu="1")
    msg = (
        f'pods "{name}-{h}-8kq2w" is forbidden: exceeded quota: compute-quota, requested: limits.memory=2Gi, '
        "used: limits.memory=7Gi, limited: limits.memory=8Gi"
    )
    rs_cond = [
        {
            "type": "ReplicaFailure",
            "status": "True",
            "reason": "FailedCreate",
            "message": msg,
            "lastTransitionTime": ts(30),
        }
    ]
    deps, rss = deploy_family(
        ns,
        name,
        labels,
        [c],
        h,
        replicas=6,
        ready=4,
        rs_conditions=rs_cond,
        conditions=[
            cond("Available", "True", "MinimumReplicasAvailable", "Deployment has minimum availability.", 30),
            cond("ReplicaFailure", "True", "FailedCreate", msg, 30),
            cond(
                "Progressing",
                "True",
                "NewReplicaSetAvailable",
                f'ReplicaSet "{name}-{h}" has successfully progressed.',
                300,
            ),
        ],
    )
    rss[0]["status"]["replicas"] = 4
    rss[0]["status"]["readyReplicas"] = 4
    pods = [
        pod(
            f"{name}-{h}-{s}",
            ns,
            {**labels, "pod-template-hash": h},
            owner("ReplicaSet", f"{name}-{h}", ns),
            [c],
            [cstatus("api", image, running(300), ready=True)],
            ready=True,
            created_min=300,
        )
        for s in ("b2x9r", "c7m4t", "h8n3v", "p4k6z")
    ]
    return {
        "title": "Replicas mismatch: new pods rejected by a ResourceQuota (only the ReplicaSet says so)",
        "alert": am_webhook(
            {
                "alertname": "KubeDeploymentReplicasMismatch",
                "namespace": ns,
                "deployment": name,
                "severity": "warning",
                "cluster": "prod-us-2",
            },
            20,
            {
                "description": f"Deployment {ns}/{name} has not matched the expected number of replicas for longer than 15 minutes.",
                "runbook_url": RUNBOOK + "kubedeploymentreplicasmismatch",
                "summary": "Deployment has not matched the expected number of replicas.",
            },
        ),
        "objects": {
            "Pod": pods,
            "Event": [
                event(
                    ns,
                    "ReplicaSet",
                    f"{name}-{h}",
                    "FailedCreate",
                    f"Error creating: {msg}",
                    30,
                    1,
                    count=41,
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


@bundle
def crashloop_pod_gone_rollout_recovered() -> dict[str, Any]:
    """The pod the alert names no longer exists: a rollout replaced it and every new pod is ready."""
    ns, name = "storefront", "cart"
    new_h, old_h = "7f5c9d8b4", "6c9b7d5f8"
    gone = f"{name}-{old_h}-abx2k"
    image, old_image = "ghcr.io/acme/cart:4.4.1", "ghcr.io/acme/cart:4.4.0"
    labels = {"app.kubernetes.io/name": name, "app.kubernetes.io/part-of": "storefront"}
    c, oc = container("cart", image), container("cart", old_image)
    deps, rss = deploy_family(
        ns,
        name,
        labels,
        [c],
        new_h,
        replicas=3,
        ready=3,
        revision=12,
        old=(old_h, [oc], 60 * 24 * 2),
        created_min=18,
        conditions=[
            cond("Available", "True", "MinimumReplicasAvailable", "Deployment has minimum availability.", 12),
            cond(
                "Progressing",
                "True",
                "NewReplicaSetAvailable",
                f'ReplicaSet "{name}-{new_h}" has successfully progressed.',
                12,
            ),
        ],
    )
    pods = [
        pod(
            f"{name}-{new_h}-{s}",
            ns,
            {**labels, "pod-template-hash": new_h},
            owner("ReplicaSet", f"{name}-{new_h}", ns),
            [c],
            [cstatus("cart", image, running(m), ready=True)],
            ready=True,
            created_min=m,
        )
        for s, m in (("k2j8d", 18), ("m9q4w", 15), ("r5t7x", 13))
    ]
    return {
        "title": "Recovered: the crash-looping pod was replaced by a rollout; all new pods are ready",
        "alert": am_webhook(
            {
                "alertname": "KubePodCrashLooping",
                "namespace": ns,
                "pod": gone,
                "container": "cart",
                "severity": "warning",
                "cluster": "prod-eu-1",
            },
            30,
            {
                "description": f'Pod {ns}/{gone} (cart) is in waiting state (reason: "CrashLoopBackOff").',
                "runbook_url": RUNBOOK + "kubepodcrashlooping",
                "summary": "Pod is crash looping.",
            },
        ),
        "objects": {
            "Pod": pods,
            "Event": [
                event(
                    ns,
                    "Pod",
                    gone,
                    "BackOff",
                    f"Back-off restarting failed container cart in pod {gone}_{ns}",
                    40,
                    16,
                    count=30,
                ),
                event(ns, "Pod", gone, "Killing", "Stopping container cart", 14, 14, type_="Normal"),
                event(
                    ns,
                    "Deployment",
                    name,
                    "ScalingReplicaSet",
                    f"Scaled down replica set {name}-{old_h} to 0 from 1",
                    13,
                    13,
                    type_="Normal",
                    component="deployment-controller",
                ),
            ],
            "ReplicaSet": rss,
            "Deployment": deps,
        },
        "expected": {
            "root_cause": {"kind": "noise", "object": name},
            "noise": True,
            "facts": [gone],
        },
    }


@bundle
def notready_terminating_during_rollout() -> dict[str, Any]:
    """A pod of the old ReplicaSet is terminating during a normal, complete rollout."""
    ns, name = "identity", "auth-gateway"
    new_h, old_h = "9d7f6c5b8", "5b8c7d6f9"
    term = f"{name}-{old_h}-wq3ze"
    image, old_image = (
        "registry.acme.io/identity/auth-gateway:7.2.0",
        "registry.acme.io/identity/auth-gateway:7.1.9",
    )
    labels = {"app": name}
    c, oc = container("gateway", image), container("gateway", old_image)
    deps, rss = deploy_family(
        ns,
        name,
        labels,
        [c],
        new_h,
        replicas=2,
        ready=2,
        revision=31,
        old=(old_h, [oc], 60 * 24 * 9),
        created_min=6,
        conditions=[
            cond("Available", "True", "MinimumReplicasAvailable", "Deployment has minimum availability.", 4),
            cond(
                "Progressing",
                "True",
                "NewReplicaSetAvailable",
                f'ReplicaSet "{name}-{new_h}" has successfully progressed.',
                2,
            ),
        ],
    )
    pods = [
        pod(
            f"{name}-{new_h}-{s}",
            ns,
            {**labels, "pod-template-hash": new_h},
            owner("ReplicaSet", f"{name}-{new_h}", ns),
            [c],
            [cstatus("gateway", image, running(m), ready=True)],
            ready=True,
            created_min=m,
        )
        for s, m in (("f4h8j", 6), ("n2c7v", 4))
    ]
    pods.append(
        pod(
            term,
            ns,
            {**labels, "pod-template-hash": old_h},
            owner("ReplicaSet", f"{name}-{old_h}", ns),
            [oc],
            [cstatus("gateway", old_image, running(60 * 24 * 9), ready=False)],
            created_min=60 * 24 * 9,
            deletion_min=2,
        )
    )
    return {
        "title": "Healthy: a terminating pod of the previous ReplicaSet during a complete rollout",
        "alert": am_webhook(
            {
                "alertname": "KubePodNotReady",
                "namespace": ns,
                "pod": term,
                "severity": "warning",
                "cluster": "prod-us-2",
            },
            16,
            {
                "description": f"Pod {ns}/{term} has been in a non-ready state for longer than 15 minutes.",
                "runbook_url": RUNBOOK + "kubepodnotready",
                "summary": "Pod has been in a non-ready state for more than 15 minutes.",
            },
        ),
        "objects": {
            "Pod": pods,
            "Event": [
                event(ns, "Pod", term, "Killing", "Stopping container gateway", 2, 2, type_="Normal"),
                event(
                    ns,
                    "Deployment",
                    name,
                    "ScalingReplicaSet",
                    f"Scaled down replica set {name}-{old_h} to 0 from 1",
                    2,
                    2,
                    type_="Normal",
                    component="deployment-controller",
                ),
            ],
            "ReplicaSet": rss,
            "Deployment": deps,
        },
        "expected": {
            "root_cause": {"kind": "noise", "object": name},
            "noise": True,
            "facts": ["NewReplicaSetAvailable"],
        },
    }


def _job(
    ns: str, name: str, conditions: list[dict[str, Any]], *, failed: int, deadline: int | None = None
) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "backoffLimit": 3,
        "completions": 1,
        "parallelism": 1,
        "template": {"spec": {"restartPolicy": "Never", "containers": []}},
    }
    if deadline:
        spec["activeDeadlineSeconds"] = deadline
    return {
        "metadata": {
            "name": name,
            "namespace": ns,
            "uid": f"job-{name}",
            "creationTimestamp": ts(70),
            "labels": {"job-name": name},
        },
        "spec": spec,
        "status": {"failed": failed, "startTime": ts(70), "conditions": conditions},
    }


@bundle
def job_failed_deadline_exceeded() -> dict[str, Any]:
    """A Job killed by its activeDeadlineSeconds: no container error at all."""
    ns, name = "analytics", "nightly-rollup-29310240"
    p = f"{name}-7hd2q"
    image = "registry.acme.io/analytics/rollup:2026.08"
    c = container("rollup", image, mem="4Gi", cpu="2")
    msg = "Job was active longer than specified deadline"
    job = _job(
        ns,
        name,
        [
            {
                "type": "FailureTarget",
                "status": "True",
                "reason": "DeadlineExceeded",
                "message": msg,
                "lastTransitionTime": ts(10),
            },
            {
                "type": "Failed",
                "status": "True",
                "reason": "DeadlineExceeded",
                "message": msg,
                "lastTransitionTime": ts(10),
            },
        ],
        failed=1,
        deadline=3600,
    )
    job_pod = pod(
        p,
        ns,
        {"job-name": name, "batch.kubernetes.io/job-name": name},
        owner("Job", name, ns),
        [c],
        [cstatus("rollup", image, terminated(143, "Error", 70, 10))],
        phase="Failed",
        created_min=70,
    )
    job_pod["spec"]["restartPolicy"] = "Never"
    job_pod["status"]["reason"] = "DeadlineExceeded"
    job_pod["status"]["message"] = "Pod was active on the node longer than the specified deadline"
    return {
        "title": "Job failed: active deadline exceeded (the container was still working)",
        "alert": am_webhook(
            {
                "alertname": "KubeJobFailed",
                "namespace": ns,
                "job_name": name,
                "severity": "warning",
                "cluster": "prod-eu-1",
            },
            8,
            {
                "description": f"Job {ns}/{name} failed to complete. Removing failed job after investigation should clear this alert.",
                "runbook_url": RUNBOOK + "kubejobfailed",
                "summary": "Job failed to complete.",
            },
        ),
        "objects": {
            "Pod": [job_pod],
            "Event": [event(ns, "Job", name, "DeadlineExceeded", msg, 10, 10, component="job-controller")],
            "Job": [job],
        },
        "logs": {
            (p, "rollup", False): "".join(
                f"2026-09-02T07:{20 + i // 2:02d}:{(i % 2) * 30:02d}Z INFO processed partition {i}/480\n"
                for i in range(120)
            )
        },
        "expected": {
            "root_cause": {"kind": "deadline_exceeded", "object": name},
            "noise": False,
            "facts": ["DeadlineExceeded"],
        },
    }


@bundle
def job_backoff_limit_python_traceback() -> dict[str, Any]:
    """A Job whose pods fail with a Python traceback; BackoffLimitExceeded on the Job."""
    ns, name = "etl", "customer-export-28877100"
    image = "registry.acme.io/etl/customer-export:0.9.4"
    c = container("export", image, mem="1Gi")
    job = _job(
        ns,
        name,
        [
            {
                "type": "Failed",
                "status": "True",
                "reason": "BackoffLimitExceeded",
                "message": "Job has reached the specified backoff limit",
                "lastTransitionTime": ts(5),
            },
        ],
        failed=4,
    )
    pods = []
    for i, s in enumerate(("4kx9p", "9sd2m", "bq7hn", "zt5wc")):
        jp = pod(
            f"{name}-{s}",
            ns,
            {"job-name": name},
            owner("Job", name, ns),
            [c],
            [cstatus("export", image, terminated(1, "Error", 60 - 14 * i, 59 - 14 * i))],
            phase="Failed",
            created_min=60 - 14 * i,
        )
        jp["spec"]["restartPolicy"] = "Never"
        pods.append(jp)
    tb = (
        "2026-09-02 08:24:10,112 INFO export: reading batch 1 of 12 from warehouse\n"
        "2026-09-02 08:24:11,870 INFO export: 5000 rows\n"
        "Traceback (most recent call last):\n"
        '  File "/app/export/main.py", line 88, in <module>\n'
        "    main()\n"
        '  File "/app/export/main.py", line 61, in main\n'
        "    writer.write(transform(row))\n"
        '  File "/app/export/transform.py", line 17, in transform\n'
        '    return {"id": row["customer_id"], "email": row["email"]}\n'
        "KeyError: 'customer_id'\n"
    )
    return {
        "title": "Job failed: BackoffLimitExceeded, every pod exits 1 with a Python KeyError",
        "alert": am_webhook(
            {
                "alertname": "KubeJobFailed",
                "namespace": ns,
                "job_name": name,
                "severity": "warning",
                "cluster": "prod-us-2",
            },
            4,
            {
                "description": f"Job {ns}/{name} failed to complete.",
                "runbook_url": RUNBOOK + "kubejobfailed",
                "summary": "Job failed to complete.",
            },
        ),
        "objects": {
            "Pod": pods,
            "Event": [
                event(
                    ns,
                    "Job",
                    name,
                    "BackoffLimitExceeded",
                    "Job has reached the specified backoff limit",
                    5,
                    5,
                    component="job-controller",
                )
            ],
            "Job": [job],
        },
        "logs": {(f"{name}-zt5wc", "export", False): tb},
        "expected": {
            "root_cause": {"kind": "code_error", "object": name},
            "noise": False,
            "facts": ["KeyError: 'customer_id'"],
        },
    }


@bundle
def custom_alert_statefulset_pvc_storageclass() -> dict[str, Any]:
    """A team's own rule name; the pod is Pending on an unbound PVC whose StorageClass does not exist."""
    ns = "streaming"
    p, claim = "kafka-2", "data-kafka-2"
    image = "docker.io/bitnami/kafka:3.7.0"
    labels = {"app.kubernetes.io/name": "kafka"}
    c = container("kafka", image, mem="4Gi", cpu="1")
    kpod = pod(
        p,
        ns,
        labels,
        owner("StatefulSet", "kafka", ns),
        [c],
        [],
        phase="Pending",
        created_min=45,
        node=None,
        conditions=[
            {
                "type": "PodScheduled",
                "status": "False",
                "reason": "Unschedulable",
                "message": "0/6 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/6 nodes are available: 6 Preemption is not helpful for scheduling.",
                "lastTransitionTime": ts(45),
            }
        ],
    )
    kpod["spec"]["volumes"] = [{"name": "data", "persistentVolumeClaim": {"claimName": claim}}]
    pvc = {
        "metadata": {
            "name": claim,
            "namespace": ns,
            "uid": uid_pvc(claim),
            "creationTimestamp": ts(45),
            "labels": labels,
        },
        "spec": {
            "accessModes": ["ReadWriteOnce"],
            "resources": {"requests": {"storage": "200Gi"}},
            "storageClassName": "fast-ssd",
            "volumeMode": "Filesystem",
        },
        "status": {"phase": "Pending"},
    }
    return {
        "title": "Custom alert: StatefulSet pod Pending, PVC unbound (StorageClass not found)",
        "alert": am_webhook(
            {
                "alertname": "KafkaBrokerPodPending",
                "namespace": ns,
                "pod": p,
                "severity": "critical",
                "team": "data-platform",
            },
            40,
            {
                "summary": "Kafka broker pod kafka-2 has been Pending for 30 minutes",
                "description": 'kube_pod_status_phase{phase="Pending"} == 1 for pod kafka-2',
            },
        ),
        "objects": {
            "Pod": [kpod],
            "Event": [
                event(
                    ns,
                    "Pod",
                    p,
                    "FailedScheduling",
                    "0/6 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/6 nodes are available: 6 Preemption is not helpful for scheduling.",
                    45,
                    1,
                    count=40,
                    component="default-scheduler",
                ),
                event(
                    ns,
                    "PersistentVolumeClaim",
                    claim,
                    "ProvisioningFailed",
                    'storageclass.storage.k8s.io "fast-ssd" not found',
                    45,
                    1,
                    count=180,
                    component="persistentvolume-controller",
                ),
            ],
            "PersistentVolumeClaim": [pvc],
        },
        "expected": {
            "root_cause": {"kind": "unbound_pvc", "object": claim},
            "noise": False,
            "facts": ['storageclass.storage.k8s.io "fast-ssd" not found'],
        },
    }


def uid_pvc(name: str) -> str:
    return f"pvc-{name}"


@bundle
def grafana_alert_sidecar_oomkilled() -> dict[str, Any]:
    """A Grafana-managed alert on restarts; the sidecar (not the app) is OOMKilled."""
    ns, name, h = "checkout", "checkout-web", "5f6d8b9c7"
    p = f"{name}-{h}-lm4qs"
    app_image, side_image = "ghcr.io/acme/checkout-web:9.0.3", "docker.io/fluent/fluent-bit:3.0.4"
    labels = {"app": name}
    app_c = container("web", app_image, mem="512Mi")
    side_c = container("log-shipper", side_image, mem="128Mi", cpu="50m")
    deps, rss = deploy_family(ns, name, labels, [app_c, side_c], h, replicas=3, ready=2)
    statuses = [
        cstatus("web", app_image, running(120), ready=True),
        cstatus(
            "log-shipper",
            side_image,
            waiting("CrashLoopBackOff", f"back-off 1m20s restarting failed container=log-shipper pod={p}"),
            restarts=14,
            last=terminated(137, "OOMKilled", 2, 1),
        ),
    ]
    alert = {
        "receiver": "platform-oncall",
        "status": "firing",
        "orgId": 1,
        "alerts": [
            {
                "status": "firing",
                "labels": {
                    "alertname": "Container restarts high",
                    "grafana_folder": "Checkout",
                    "namespace": ns,
                    "pod": p,
                    "container": "log-shipper",
                    "severity": "warning",
                },
                "annotations": {"summary": f"{p} restarted 14 times in the last hour"},
                "startsAt": ts(50),
                "endsAt": "0001-01-01T00:00:00Z",
                "generatorURL": "https://grafana.acme.io/alerting/grafana/c2a9/view?orgId=1",
                "fingerprint": "9c1f4e7a2b3d5f60",
                "silenceURL": "https://grafana.acme.io/alerting/silence/new",
                "dashboardURL": "",
                "panelURL": "",
                "values": {"A": 14, "C": 1},
                "valueString": f"[ var='A' labels={{container=log-shipper, namespace={ns}, pod={p}}} value=14 ]",
            }
        ],
        "groupLabels": {"alertname": "Container restarts high"},
        "commonLabels": {"alertname": "Container restarts high", "namespace": ns},
        "commonAnnotations": {},
        "externalURL": "https://grafana.acme.io/",
        "version": "1",
        "groupKey": '{}:{alertname="Container restarts high"}',
        "truncatedAlerts": 0,
        "title": "[FIRING:1] Container restarts high",
        "state": "alerting",
        "message": "**Firing**",
    }
    return {
        "title": "Grafana alert: sidecar OOMKilled at its 128Mi limit (the app container is fine)",
        "source": "grafana",
        "family": "restarts (Grafana)",
        "alert": alert,
        "objects": {
            "Pod": [
                pod(
                    p,
                    ns,
                    {**labels, "pod-template-hash": h},
                    owner("ReplicaSet", f"{name}-{h}", ns),
                    [app_c, side_c],
                    statuses,
                    created_min=120,
                )
            ],
            "Event": [
                event(
                    ns,
                    "Pod",
                    p,
                    "BackOff",
                    f"Back-off restarting failed container log-shipper in pod {p}_{ns}",
                    110,
                    1,
                    count=60,
                )
            ],
            "ReplicaSet": rss,
            "Deployment": deps,
        },
        "expected": {
            "root_cause": {"kind": "oom", "object": "log-shipper"},
            "noise": False,
            "facts": ["OOMKilled", "128Mi"],
        },
    }


@bundle
def heartbeat_deadmansswitch() -> dict[str, Any]:
    """The older kube-prometheus name of the always-firing heartbeat."""
    return {
        "title": "Heartbeat under its older name: DeadMansSwitch",
        "alert": am_webhook(
            {"alertname": "DeadMansSwitch", "severity": "none", "prometheus": "obs/prometheus-main"},
            60 * 24 * 3,
            {
                "description": "This is a DeadMansSwitch meant to ensure that the entire alerting pipeline is functional.",
                "summary": "Alerting DeadMansSwitch",
            },
        ),
        "objects": {},
        "expected": {"root_cause": {"kind": "noise", "object": "DeadMansSwitch"}, "noise": True, "facts": []},
    }


@bundle
def crashloop_liveness_kill_exit_137() -> dict[str, Any]:
    """Exit 137 that is NOT an OOM: the kubelet kills the container after failed liveness probes."""
    ns, name, h = "media", "thumbnailer", "7b9c5d6f8"
    p = f"{name}-{h}-fz8kd"
    image = "registry.acme.io/media/thumbnailer:3.2.1"
    labels = {"app": name}
    c = container(
        "thumb",
        image,
        mem="1Gi",
        livenessProbe={
            "httpGet": {"path": "/healthz", "port": 8080},
            "periodSeconds": 10,
            "timeoutSeconds": 1,
            "failureThreshold": 3,
        },
    )
    deps, rss = deploy_family(ns, name, labels, [c], h, replicas=2, ready=1)
    status = cstatus(
        "thumb",
        image,
        waiting("CrashLoopBackOff", f"back-off 2m40s restarting failed container=thumb pod={p}"),
        restarts=8,
        last=terminated(137, "Error", 5, 3),
    )
    return {
        "title": "Crash loop: liveness probe kills the container (exit 137 without OOM)",
        "alert": am_webhook(
            {
                "alertname": "KubePodCrashLooping",
                "namespace": ns,
                "pod": p,
                "container": "thumb",
                "severity": "warning",
                "cluster": "prod-eu-1",
            },
            25,
            {
                "description": f'Pod {ns}/{p} (thumb) is in waiting state (reason: "CrashLoopBackOff").',
                "runbook_url": RUNBOOK + "kubepodcrashlooping",
                "summary": "Pod is crash looping.",
            },
        ),
        "objects": {
            "Pod": [
                pod(
                    p,
                    ns,
                    {**labels, "pod-template-hash": h},
                    owner("ReplicaSet", f"{name}-{h}", ns),
                    [c],
                    [status],
                    created_min=60,
                )
            ],
            "Event": [
                event(
                    ns,
                    "Pod",
                    p,
                    "Unhealthy",
                    'Liveness probe failed: Get "http://10.42.7.201:8080/healthz": context deadline exceeded (Client.Timeout exceeded while awaiting headers)',
                    55,
                    3,
                    count=27,
                ),
                event(
                    ns,
                    "Pod",
                    p,
                    "Killing",
                    "Container thumb failed liveness probe, will be restarted",
                    55,
                    3,
                    count=9,
                    type_="Normal",
                ),
            ],
            "ReplicaSet": rss,
            "Deployment": deps,
        },
        "logs": {
            (p, "thumb", True): "".join(
                f"2026-09-02T08:2{i // 6}:{(i % 6) * 10:02d}Z INFO resized image batch {i} (48 files)\n"
                for i in range(18)
            )
        },
        "expected": {
            "root_cause": {"kind": "probe_failure", "object": name},
            "noise": False,
            "facts": ["Liveness probe failed"],
        },
    }

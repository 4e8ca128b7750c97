"""The second held-out set (``tests/k8s/heldout-2/``): written after the investigators were
generalised on the first set, and measured once, with no investigator change after. Answers follow
what an SRE would conclude from the objects."""

from __future__ import annotations

from typing import Any

from tests.k8s.heldout_book import (
    am_webhook,
    bundle2,
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


def _crashloop_alert(
    ns: str, p: str, c: str, minutes: float, name: str = "KubePodCrashLooping"
) -> dict[str, Any]:
    return am_webhook(
        {
            "alertname": name,
            "namespace": ns,
            "pod": p,
            "container": c,
            "severity": "warning",
            "cluster": "prod-ap-1",
        },
        minutes,
        {
            "description": f'Pod {ns}/{p} ({c}) is in waiting state (reason: "CrashLoopBackOff").',
            "runbook_url": RUNBOOK + "kubepodcrashlooping",
            "summary": "Pod is crash looping.",
        },
    )


@bundle2
def custom_image_pull_manifest_unknown() -> dict[str, Any]:
    ns, name, h = "fulfilment", "picker", "6c8f7d9b5"
    p = f"{name}-{h}-j3kd8"
    image = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/fulfilment/picker:2024.11.3"
    c = container("picker", image)
    deps, rss = deploy_family(ns, name, {"app": name}, [c], h, replicas=2, ready=1, created_min=120)
    msg = (
        f'Failed to pull image "{image}": rpc error: code = NotFound desc = failed to pull and unpack image '
        f'"{image}": failed to resolve reference "{image}": {image}: not found'
    )
    status = cstatus("picker", image, waiting("ImagePullBackOff", f'Back-off pulling image "{image}"'))
    return {
        "title": "Team alert: image pull fails, the tag does not exist in ECR",
        "alert": am_webhook(
            {
                "alertname": "PodImagePullFailing",
                "namespace": ns,
                "pod": p,
                "severity": "critical",
                "team": "fulfilment",
            },
            25,
            {"summary": f"{p} cannot pull its image"},
        ),
        "objects": {
            "Pod": [
                pod(
                    p,
                    ns,
                    {"app": name, "pod-template-hash": h},
                    owner("ReplicaSet", f"{name}-{h}", ns),
                    [c],
                    [status],
                    phase="Pending",
                    created_min=30,
                )
            ],
            "Event": [
                event(ns, "Pod", p, "Failed", msg, 30, 1, count=12),
                event(
                    ns,
                    "Pod",
                    p,
                    "BackOff",
                    f'Back-off pulling image "{image}"',
                    29,
                    1,
                    count=110,
                    type_="Normal",
                ),
            ],
            "ReplicaSet": rss,
            "Deployment": deps,
        },
        "expected": {
            "root_cause": {"kind": "image_pull", "object": "picker"},
            "noise": False,
            "facts": ["not found"],
        },
    }


@bundle2
def crashloop_statefulset_oomkilled() -> dict[str, Any]:
    ns, p = "caching", "redis-cache-1"
    image = "docker.io/library/redis:7.2.4"
    labels = {"app.kubernetes.io/name": "redis-cache"}
    c = container("redis", image, mem="512Mi", cpu="200m")
    status = cstatus(
        "redis",
        image,
        waiting("CrashLoopBackOff", f"back-off 5m0s restarting failed container=redis pod={p}"),
        restarts=17,
        last=terminated(137, "OOMKilled", 4, 2),
    )
    sts = {
        "metadata": {
            "name": "redis-cache",
            "namespace": ns,
            "uid": "sts-redis-cache",
            "generation": 3,
            "creationTimestamp": ts(60 * 24 * 40),
            "labels": labels,
        },
        "spec": {
            "replicas": 3,
            "serviceName": "redis-cache",
            "selector": {"matchLabels": labels},
            "template": template(labels, [c]),
        },
        "status": {
            "observedGeneration": 3,
            "replicas": 3,
            "readyReplicas": 2,
            "currentReplicas": 3,
            "updatedReplicas": 3,
            "availableReplicas": 2,
            "currentRevision": "redis-cache-5d8c9",
            "updateRevision": "redis-cache-5d8c9",
        },
    }
    return {
        "title": "Crash loop: a StatefulSet replica OOMKilled at 512Mi",
        "alert": _crashloop_alert(ns, p, "redis", 50),
        "objects": {
            "Pod": [
                pod(
                    p,
                    ns,
                    labels,
                    owner("StatefulSet", "redis-cache", ns),
                    [c],
                    [status],
                    created_min=60 * 24 * 2,
                )
            ],
            "Event": [
                event(
                    ns,
                    "Pod",
                    p,
                    "BackOff",
                    f"Back-off restarting failed container redis in pod {p}_{ns}",
                    90,
                    1,
                    count=140,
                )
            ],
            "StatefulSet": [sts],
        },
        "expected": {
            "root_cause": {"kind": "oom", "object": "redis-cache"},
            "noise": False,
            "facts": ["OOMKilled", "512Mi"],
        },
    }


@bundle2
def notready_readiness_http_500() -> dict[str, Any]:
    ns, name, h = "profiles", "profile-svc", "7d6c9b8f5"
    p = f"{name}-{h}-w8v2m"
    image = "ghcr.io/acme/profile-svc:5.0.1"
    c = container(
        "svc", image, readinessProbe={"httpGet": {"path": "/ready", "port": 9000}, "periodSeconds": 5}
    )
    deps, rss = deploy_family(ns, name, {"app": name}, [c], h, replicas=3, ready=2, created_min=120)
    status = cstatus("svc", image, running(45), ready=False)
    return {
        "title": "Not ready: readiness probe answers HTTP 500",
        "alert": am_webhook(
            {"alertname": "KubePodNotReady", "namespace": ns, "pod": p, "severity": "warning"},
            30,
            {"summary": "Pod has been in a non-ready state for more than 15 minutes."},
        ),
        "objects": {
            "Pod": [
                pod(
                    p,
                    ns,
                    {"app": name, "pod-template-hash": h},
                    owner("ReplicaSet", f"{name}-{h}", ns),
                    [c],
                    [status],
                    created_min=45,
                )
            ],
            "Event": [
                event(
                    ns,
                    "Pod",
                    p,
                    "Unhealthy",
                    "Readiness probe failed: HTTP probe failed with statuscode: 500",
                    44,
                    1,
                    count=530,
                )
            ],
            "ReplicaSet": rss,
            "Deployment": deps,
        },
        "expected": {
            "root_cause": {"kind": "probe_failure", "object": name},
            "noise": False,
            "facts": ["statuscode: 500"],
        },
    }


@bundle2
def replicas_mismatch_recovered() -> dict[str, Any]:
    ns, name, h = "notifications", "push-sender", "5c7b9d6f8"
    image = "registry.acme.io/notifications/push-sender:8.3.0"
    c = container("sender", image)
    deps, rss = deploy_family(
        ns,
        name,
        {"app": name},
        [c],
        h,
        replicas=4,
        ready=4,
        created_min=120,
        conditions=[
            cond("Available", "True", "MinimumReplicasAvailable", "Deployment has minimum availability.", 3),
            cond(
                "Progressing",
                "True",
                "NewReplicaSetAvailable",
                f'ReplicaSet "{name}-{h}" has successfully progressed.',
                3,
            ),
        ],
    )
    pods = [
        pod(
            f"{name}-{h}-{s}",
            ns,
            {"app": name, "pod-template-hash": h},
            owner("ReplicaSet", f"{name}-{h}", ns),
            [c],
            [cstatus("sender", image, running(m), ready=True)],
            ready=True,
            created_min=m,
        )
        for s, m in (("a1b2c", 120), ("d3e4f", 120), ("g5h6j", 12), ("k7m8n", 4))
    ]
    return {
        "title": "Recovered: replicas mismatch after a slow scale-up, now 4/4 available",
        "alert": am_webhook(
            {
                "alertname": "KubeDeploymentReplicasMismatch",
                "namespace": ns,
                "deployment": name,
                "severity": "warning",
            },
            20,
            {"summary": "Deployment has not matched the expected number of replicas."},
        ),
        "objects": {"Pod": pods, "ReplicaSet": rss, "Deployment": deps},
        "expected": {"root_cause": {"kind": "noise", "object": name}, "noise": True, "facts": []},
    }


@bundle2
def job_pod_oomkilled() -> dict[str, Any]:
    ns, name = "ml", "feature-build-29311000"
    p = f"{name}-r7t2q"
    image = "registry.acme.io/ml/feature-build:1.4.0"
    c = container("build", image, mem="2Gi", cpu="1")
    job = {
        "metadata": {
            "name": name,
            "namespace": ns,
            "uid": f"job-{name}",
            "creationTimestamp": ts(40),
            "labels": {"job-name": name},
        },
        "spec": {
            "backoffLimit": 0,
            "completions": 1,
            "parallelism": 1,
            "template": {"spec": {"restartPolicy": "Never", "containers": [c]}},
        },
        "status": {
            "failed": 1,
            "startTime": ts(40),
            "conditions": [
                {
                    "type": "Failed",
                    "status": "True",
                    "reason": "BackoffLimitExceeded",
                    "message": "Job has reached the specified backoff limit",
                    "lastTransitionTime": ts(6),
                }
            ],
        },
    }
    jp = pod(
        p,
        ns,
        {"job-name": name},
        owner("Job", name, ns),
        [c],
        [cstatus("build", image, terminated(137, "OOMKilled", 40, 6))],
        phase="Failed",
        created_min=40,
    )
    jp["spec"]["restartPolicy"] = "Never"
    return {
        "title": "Job failed: its only pod OOMKilled at the 2Gi limit",
        "alert": am_webhook(
            {"alertname": "KubeJobFailed", "namespace": ns, "job_name": name, "severity": "warning"},
            5,
            {"summary": "Job failed to complete."},
        ),
        "objects": {"Pod": [jp], "Job": [job]},
        "logs": {
            (
                p,
                "build",
                False,
            ): "2026-09-02T07:55:10Z INFO loading 48 parquet shards\n2026-09-02T08:21:40Z INFO joining shards\n"
        },
        "expected": {
            "root_cause": {"kind": "oom", "object": name},
            "noise": False,
            "facts": ["OOMKilled", "2Gi"],
        },
    }


@bundle2
def crashloop_go_panic_after_rollout() -> dict[str, Any]:
    ns, name = "routing", "edge-router"
    new_h, old_h = "8b6d7c9f4", "6f9c8b7d5"
    p = f"{name}-{new_h}-5tq9z"
    new_image, old_image = "ghcr.io/acme/edge-router:3.12.0", "ghcr.io/acme/edge-router:3.11.2"
    c, oc = container("router", new_image), container("router", old_image)
    deps, rss = deploy_family(
        ns,
        name,
        {"app": name},
        [c],
        new_h,
        replicas=4,
        ready=3,
        revision=22,
        old=(old_h, [oc], 60 * 24 * 4),
        created_min=15,
    )
    status = cstatus(
        "router",
        new_image,
        waiting("CrashLoopBackOff", f"back-off 1m20s restarting failed container=router pod={p}"),
        restarts=5,
        last=terminated(2, "Error", 2, 2),
    )
    log = (
        '{"level":"info","ts":"2026-09-02T08:28:01Z","msg":"loading routes","count":412}\n'
        "panic: runtime error: invalid memory address or nil pointer dereference\n"
        "[signal SIGSEGV: segmentation violation code=0x1 addr=0x18 pc=0x9c1f2a]\n\n"
        "goroutine 1 [running]:\n"
        "github.com/acme/edge-router/internal/routes.(*Table).Resolve(0x0, {0xc0001a2000, 0x12})\n"
        "\t/src/internal/routes/table.go:88 +0x2a\n"
        "main.main()\n\t/src/cmd/router/main.go:41 +0x1c5\n"
    )
    return {
        "title": "Crash loop: Go nil pointer panic after a rollout",
        "alert": _crashloop_alert(ns, p, "router", 12),
        "objects": {
            "Pod": [
                pod(
                    p,
                    ns,
                    {"app": name, "pod-template-hash": new_h},
                    owner("ReplicaSet", f"{name}-{new_h}", ns),
                    [c],
                    [status],
                    created_min=14,
                )
            ],
            "ReplicaSet": rss,
            "Deployment": deps,
        },
        "logs": {(p, "router", True): log},
        "expected": {
            "root_cause": {"kind": "bad_deploy", "object": name},
            "noise": False,
            "facts": ["nil pointer dereference", "edge-router:3.12.0"],
        },
    }


@bundle2
def waiting_failed_mount_secret() -> dict[str, Any]:
    ns, name, h = "gateway", "ingress-auth", "9c8d7b6f5"
    p = f"{name}-{h}-h2x7c"
    image = "ghcr.io/acme/ingress-auth:1.0.9"
    c = container("auth", image, volumeMounts=[{"name": "tls", "mountPath": "/etc/tls"}])
    deps, rss = deploy_family(ns, name, {"app": name}, [c], h, replicas=2, ready=0, created_min=120)
    status = cstatus("auth", image, waiting("ContainerCreating"))
    pp = pod(
        p,
        ns,
        {"app": name, "pod-template-hash": h},
        owner("ReplicaSet", f"{name}-{h}", ns),
        [c],
        [status],
        phase="Pending",
        created_min=70,
    )
    pp["spec"]["volumes"] = [{"name": "tls", "secret": {"secretName": "ingress-auth-tls"}}]
    msg = 'MountVolume.SetUp failed for volume "tls" : secret "ingress-auth-tls" not found'
    return {
        "title": "Waiting in ContainerCreating: the TLS secret to mount does not exist",
        "alert": am_webhook(
            {
                "alertname": "KubeContainerWaiting",
                "namespace": ns,
                "pod": p,
                "container": "auth",
                "severity": "warning",
            },
            65,
            {"summary": "Pod container waiting longer than 1 hour"},
        ),
        "objects": {
            "Pod": [pp],
            "Event": [event(ns, "Pod", p, "FailedMount", msg, 70, 1, count=38)],
            "ReplicaSet": rss,
            "Deployment": deps,
        },
        "expected": {
            "root_cause": {"kind": "config_error", "object": name},
            "noise": False,
            "facts": ['secret "ingress-auth-tls" not found'],
        },
    }

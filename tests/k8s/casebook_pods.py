"""Catalogue cases: pods (crash loops, not ready, waiting containers) and heartbeat alerts."""

from __future__ import annotations

from typing import Any

from autoheal.k8s import apiobjects as k
from tests.k8s.casebook import backoff_event, case, crash_pod, deployment_family, m


def _crashloop_labels(ns: str, pod: str, cname: str) -> dict[str, str]:
    return {
        "alertname": "KubePodCrashLooping",
        "namespace": ns,
        "pod": pod,
        "container": cname,
        "severity": "warning",
        "job": "kube-state-metrics",
        "service": "kube-state-metrics",
    }


@case
def crashloop_missing_env_after_rollout() -> dict[str, Any]:
    ns, app, c = "payments", "ledger-writer", "writer"
    labels = {"app": app}
    env_old = {"LEDGER_DSN": "postgres://ledger-db.payments:5432/ledger", "LOG_LEVEL": "info"}
    env_new = {"LOG_LEVEL": "info", "LEDGER_POOL_SIZE": "20"}
    t1 = k.template(
        labels, [k.container(c, "registry.corp.example/payments/ledger-writer:4.11.0", env=env_old)]
    )
    t2 = k.template(
        labels, [k.container(c, "registry.corp.example/payments/ledger-writer:4.12.0", env=env_new)]
    )
    pod = "ledger-writer-6d9f7c8b5-x2kqp"
    objs = deployment_family(
        ns, app, [("5f8c9d7b4", t1, m(-3000)), ("6d9f7c8b5", t2, m(-22))], replicas=3, ready=0
    )
    objs += [
        crash_pod(
            ns,
            pod,
            "ledger-writer-6d9f7c8b5",
            t2,
            m(-21),
            c,
            "registry.corp.example/payments/ledger-writer:4.12.0",
            restarts=7,
            exit_code=1,
            reason="Error",
            last_start=m(-3),
            last_end=m(-2.9),
        ),
        backoff_event(ns, pod, c, m(-20), m(-1), 64),
    ]
    log = (
        "2026-03-10T13:57:01Z INFO ledger-writer 4.12.0 starting\n"
        "2026-03-10T13:57:01Z INFO reading configuration from environment\n"
        "2026-03-10T13:57:01Z FATAL config: environment variable LEDGER_DSN is not set\n"
    )
    return {
        "title": "Crash loop: rollout 4.12.0 dropped LEDGER_DSN",
        "family": "KubePodCrashLooping",
        "now": m(0),
        "starts": m(-5),
        "summary": f"Pod {ns}/{pod} ({c}) is in waiting state (reason: CrashLoopBackOff).",
        "labels": _crashloop_labels(ns, pod, c),
        "objects": objs,
        "logs": {(pod, c, True): log},
        "expected": {
            "root_cause": {"kind": "bad_deploy", "object": app},
            "noise": False,
            "facts": [
                "LEDGER_DSN",
                {"text": "revision 2", "derived": True},
                "environment variable LEDGER_DSN is not set",
                "4.12.0",
            ],
        },
    }


@case
def crashloop_downstream_outage_unrelated_rollout() -> dict[str, Any]:
    ns, app, c = "shop", "cart-api", "api"
    labels = {"app": app}
    t1 = k.template(
        labels,
        [
            k.container(
                c, "ghcr.io/acme/cart-api:2.3.1", env={"REDIS_ADDR": "cart-cache:6379", "LOG_LEVEL": "info"}
            )
        ],
    )
    t2 = k.template(
        labels,
        [
            k.container(
                c, "ghcr.io/acme/cart-api:2.3.1", env={"REDIS_ADDR": "cart-cache:6379", "LOG_LEVEL": "debug"}
            )
        ],
    )
    pod = "cart-api-7b4d9f6c8-lm2vw"
    objs = deployment_family(
        ns, app, [("59c7d8f4b", t1, m(-9000)), ("7b4d9f6c8", t2, m(-95))], replicas=4, ready=1
    )
    cache_t = k.template({"app": "cart-cache"}, [k.container("redis", "redis:7.2.4", port=6379)])
    objs += [
        crash_pod(
            ns,
            pod,
            "cart-api-7b4d9f6c8",
            t2,
            m(-94),
            c,
            "ghcr.io/acme/cart-api:2.3.1",
            restarts=9,
            exit_code=2,
            reason="Error",
            last_start=m(-4),
            last_end=m(-3.8),
        ),
        backoff_event(ns, pod, c, m(-30), m(-1), 41),
        k.service("cart-cache", ns, {"app": "cart-cache"}, 6379, m(-20000)),
        k.pod(
            "cart-cache-0",
            ns,
            m(-40),
            cache_t,
            [
                k.container_status(
                    "redis",
                    "redis:7.2.4",
                    k.waiting("CrashLoopBackOff", "back-off 2m40s"),
                    restarts=6,
                    last_state=k.terminated(1, "Error", m(-5), m(-5)),
                )
            ],
            owner=("StatefulSet", "cart-cache"),
            ip="10.244.3.7",
        ),
    ]
    log = (
        'level=info msg="cart-api starting" version=2.3.1\n'
        'level=debug msg="connecting to redis" addr=cart-cache:6379\n'
        'level=error msg="redis ping failed" err="dial tcp 10.96.14.2:6379: connect: connection refused" addr=cart-cache:6379\n'
        'level=fatal msg="cannot start without cache"\n'
    )
    return {
        "title": "Crash loop: Redis dependency down; a LOG_LEVEL rollout is a red herring",
        "family": "KubePodCrashLooping",
        "now": m(0),
        "starts": m(-15),
        "summary": f"Pod {ns}/{pod} ({c}) is in waiting state (reason: CrashLoopBackOff).",
        "labels": _crashloop_labels(ns, pod, c),
        "objects": objs,
        "logs": {(pod, c, True): log},
        "expected": {
            "root_cause": {"kind": "dependency_outage", "object": "cart-cache"},
            "noise": False,
            "facts": [
                "cart-cache:6379",
                "connection refused",
                "CrashLoopBackOff",
                {"text": "0/1 pods of service cart-cache are ready", "derived": True},
            ],
        },
    }


@case
def crashloop_bad_port_rollout() -> dict[str, Any]:
    ns, app, c = "billing", "invoice-svc", "main"
    labels = {"app": app}
    t1 = k.template(
        labels,
        [
            k.container(
                c, "quay.io/fintech/invoice-svc:1.8.2", env={"DB_HOST": "billing-pg", "DB_PORT": "5432"}
            )
        ],
    )
    t2 = k.template(
        labels,
        [
            k.container(
                c, "quay.io/fintech/invoice-svc:1.8.2", env={"DB_HOST": "billing-pg", "DB_PORT": "5433"}
            )
        ],
    )
    pod = "invoice-svc-84c6b7d9f-q8zrt"
    objs = deployment_family(
        ns, app, [("6f7d8c9b5", t1, m(-5000)), ("84c6b7d9f", t2, m(-14))], replicas=2, ready=0
    )
    objs += [
        crash_pod(
            ns,
            pod,
            "invoice-svc-84c6b7d9f",
            t2,
            m(-13),
            c,
            "quay.io/fintech/invoice-svc:1.8.2",
            restarts=5,
            exit_code=1,
            reason="Error",
            last_start=m(-2),
            last_end=m(-1.8),
        ),
        backoff_event(ns, pod, c, m(-12), m(-1), 22),
    ]
    log = (
        "Starting invoice-svc on port 8080\n"
        "HikariPool-1 - Starting...\n"
        "ERROR HikariPool-1 - Exception during pool initialization: Connection to billing-pg:5433 refused. Check that the hostname and port are correct (connection refused)\n"
        "Application run failed\n"
    )
    return {
        "title": "Crash loop: rollout changed DB_PORT to 5433",
        "family": "KubePodCrashLooping",
        "now": m(0),
        "starts": m(-4),
        "summary": f"Pod {ns}/{pod} ({c}) is in waiting state (reason: CrashLoopBackOff).",
        "labels": _crashloop_labels(ns, pod, c),
        "objects": objs,
        "logs": {(pod, c, True): log},
        "expected": {
            "root_cause": {"kind": "bad_deploy", "object": app},
            "noise": False,
            "facts": ["DB_PORT", "5433", {"text": "revision 2", "derived": True}, "billing-pg:5433"],
        },
    }


@case
def crashloop_oomkilled() -> dict[str, Any]:
    ns, app, c = "search", "indexer", "indexer"
    labels = {"app": app}
    t1 = k.template(
        labels,
        [
            k.container(
                c,
                "docker.io/acme/indexer:0.9.4",
                requests={"memory": "256Mi", "cpu": "250m"},
                limits={"memory": "384Mi"},
            )
        ],
    )
    pod = "indexer-5c8d7f9b6-hw7kd"
    objs = deployment_family(ns, app, [("5c8d7f9b6", t1, m(-12000))], replicas=1, ready=0)
    objs += [
        crash_pod(
            ns,
            pod,
            "indexer-5c8d7f9b6",
            t1,
            m(-600),
            c,
            "docker.io/acme/indexer:0.9.4",
            restarts=12,
            exit_code=137,
            reason="OOMKilled",
            last_start=m(-8),
            last_end=m(-3),
        ),
        backoff_event(ns, pod, c, m(-50), m(-1), 30),
    ]
    start = m(-150).timestamp()
    values = [[start + 60 * i, str(int(180e6 + (i % 25) * 9.5e6))] for i in range(150)]
    metrics = [
        {
            "metric": {
                "__name__": "container_memory_working_set_bytes",
                "namespace": ns,
                "pod": pod,
                "container": c,
                "service": app,
            },
            "values": values,
        }
    ]
    return {
        "title": "Crash loop: OOMKilled at the 384Mi limit",
        "family": "KubePodCrashLooping",
        "now": m(0),
        "starts": m(-20),
        "summary": f"Pod {ns}/{pod} ({c}) is in waiting state (reason: CrashLoopBackOff).",
        "labels": _crashloop_labels(ns, pod, c),
        "objects": objs,
        "metrics": metrics,
        "expected": {
            "root_cause": {"kind": "oom", "object": app},
            "noise": False,
            "facts": ["OOMKilled", "137", "384Mi"],
        },
    }


@case
def crashloop_certificate_expired() -> dict[str, Any]:
    ns, app, c = "edge", "partner-gateway", "gateway"
    labels = {"app": app}
    t1 = k.template(
        labels,
        [k.container(c, "registry.corp.example/edge/partner-gateway:3.1.0")],
        [{"name": "tls", "secret": {"secretName": "partner-gateway-tls"}}],
    )
    pod = "partner-gateway-7f6c5d4b9-pp4nm"
    objs = deployment_family(ns, app, [("7f6c5d4b9", t1, m(-40000))], replicas=2, ready=0)
    objs += [
        crash_pod(
            ns,
            pod,
            "partner-gateway-7f6c5d4b9",
            t1,
            m(-30000),
            c,
            "registry.corp.example/edge/partner-gateway:3.1.0",
            restarts=4,
            exit_code=1,
            reason="Error",
            last_start=m(-3),
            last_end=m(-2.9),
        ),
        backoff_event(ns, pod, c, m(-15), m(-1), 9),
    ]
    log = (
        "[main] INFO loading TLS material from /etc/tls\n"
        "[main] ERROR upstream handshake with partner-api.bank.example:443 failed: x509: certificate has expired or is not yet valid: current time 2026-03-10T13:57:12Z is after 2026-03-10T00:00:00Z\n"
        "[main] FATAL refusing to serve without a valid upstream\n"
    )
    return {
        "title": "Crash loop: expired upstream certificate",
        "family": "KubePodCrashLooping",
        "now": m(0),
        "starts": m(-12),
        "summary": f"Pod {ns}/{pod} ({c}) is in waiting state (reason: CrashLoopBackOff).",
        "labels": _crashloop_labels(ns, pod, c),
        "objects": objs,
        "logs": {(pod, c, True): log},
        "expected": {
            "root_cause": {"kind": "certificate_expired", "object": app},
            "noise": False,
            "facts": ["certificate has expired", "partner-api.bank.example:443"],
        },
    }


@case
def crashloop_permission_denied() -> dict[str, Any]:
    ns, app, c = "media", "thumbnailer", "worker"
    labels = {"app": app}
    t1 = k.template(labels, [k.container(c, "docker.io/pixco/thumbnailer:5.0.1")])
    pod = "thumbnailer-69b8c7d5f-9vtrs"
    objs = deployment_family(ns, app, [("69b8c7d5f", t1, m(-20000))], replicas=3, ready=2)
    objs += [
        crash_pod(
            ns,
            pod,
            "thumbnailer-69b8c7d5f",
            t1,
            m(-300),
            c,
            "docker.io/pixco/thumbnailer:5.0.1",
            restarts=11,
            exit_code=126,
            reason="Error",
            last_start=m(-6),
            last_end=m(-6),
            node="worker-5",
        ),
        backoff_event(ns, pod, c, m(-60), m(-2), 48),
    ]
    log = (
        "thumbnailer: preparing cache directory\n"
        "mkdir: cannot create directory '/var/cache/thumbs/tmp': Permission denied\n"
        "thumbnailer: cache unavailable, exiting\n"
    )
    return {
        "title": "Crash loop: permission denied on the cache volume",
        "family": "KubePodCrashLooping",
        "now": m(0),
        "starts": m(-30),
        "summary": f"Pod {ns}/{pod} ({c}) is in waiting state (reason: CrashLoopBackOff).",
        "labels": _crashloop_labels(ns, pod, c),
        "objects": objs,
        "logs": {(pod, c, True): log},
        "expected": {
            "root_cause": {"kind": "permission_denied", "object": app},
            "noise": False,
            "facts": ["Permission denied", "/var/cache/thumbs/tmp", "126"],
        },
    }


@case
def crashloop_script_syntax_rollout() -> dict[str, Any]:
    ns, app, c = "etl", "nightly-loader", "loader"
    labels = {"app": app}
    t1 = k.template(
        labels,
        [k.container(c, "docker.io/dataco/loader:2024.11", command=["/bin/sh", "/scripts/run.sh"])],
        [{"name": "scripts", "configMap": {"name": "loader-scripts-v6"}}],
    )
    t2 = k.template(
        labels,
        [k.container(c, "docker.io/dataco/loader:2024.11", command=["/bin/sh", "/scripts/run.sh"])],
        [{"name": "scripts", "configMap": {"name": "loader-scripts-v7"}}],
    )
    pod = "nightly-loader-5d6c7b8f9-kt5wq"
    objs = deployment_family(
        ns, app, [("4c5b6a7d8", t1, m(-7000)), ("5d6c7b8f9", t2, m(-33))], replicas=1, ready=0
    )
    objs += [
        crash_pod(
            ns,
            pod,
            "nightly-loader-5d6c7b8f9",
            t2,
            m(-32),
            c,
            "docker.io/dataco/loader:2024.11",
            restarts=8,
            exit_code=2,
            reason="Error",
            last_start=m(-4),
            last_end=m(-4),
        ),
        backoff_event(ns, pod, c, m(-30), m(-1), 25),
    ]
    log = (
        "+ echo 'loader starting'\nloader starting\n"
        "/scripts/run.sh: line 23: syntax error near unexpected token `fi'\n"
        "/scripts/run.sh: line 23: `fi'\n"
    )
    return {
        "title": "Crash loop: new script config map has a syntax error",
        "family": "KubePodCrashLooping",
        "now": m(0),
        "starts": m(-16),
        "summary": f"Pod {ns}/{pod} ({c}) is in waiting state (reason: CrashLoopBackOff).",
        "labels": _crashloop_labels(ns, pod, c),
        "objects": objs,
        "logs": {(pod, c, True): log},
        "expected": {
            "root_cause": {"kind": "bad_deploy", "object": app},
            "noise": False,
            "facts": ["loader-scripts-v7", "syntax error", "/scripts/run.sh: line 23"],
        },
    }


@case
def crashloop_already_recovered() -> dict[str, Any]:
    ns, app, c = "notify", "mailer", "mailer"
    labels = {"app": app}
    t1 = k.template(labels, [k.container(c, "ghcr.io/acme/mailer:7.7.0")])
    pod = "mailer-6b5c4d3f2-zz8rq"
    objs = deployment_family(ns, app, [("6b5c4d3f2", t1, m(-15000))], replicas=2, ready=2)
    objs += [
        crash_pod(
            ns,
            pod,
            "mailer-6b5c4d3f2",
            t1,
            m(-600),
            c,
            "ghcr.io/acme/mailer:7.7.0",
            restarts=6,
            exit_code=1,
            reason="Error",
            last_start=m(-19),
            last_end=m(-18),
            state=k.running(m(-17.5)),
            ready=True,
        ),
        backoff_event(ns, pod, c, m(-55), m(-18), 14),
    ]
    return {
        "title": "Noise: crash loop that already recovered",
        "family": "KubePodCrashLooping",
        "now": m(0),
        "starts": m(-20),
        "summary": f"Pod {ns}/{pod} ({c}) is in waiting state (reason: CrashLoopBackOff).",
        "labels": _crashloop_labels(ns, pod, c),
        "objects": objs,
        "expected": {
            "root_cause": {"kind": "noise", "object": app},
            "noise": True,
            "facts": [{"text": "already recovered", "derived": True}, "2026-03-10T13:42:30"],
        },
    }


@case
def crashloop_stale_restart_count() -> dict[str, Any]:
    ns, app, c = "auth", "token-issuer", "issuer"
    labels = {"app": app}
    t1 = k.template(labels, [k.container(c, "registry.corp.example/auth/token-issuer:12.0.3")])
    pod = "token-issuer-79c8d6e5f-n4jbx"
    objs = deployment_family(ns, app, [("79c8d6e5f", t1, m(-30000))], replicas=3, ready=3)
    objs += [
        crash_pod(
            ns,
            pod,
            "token-issuer-79c8d6e5f",
            t1,
            m(-20000),
            c,
            "registry.corp.example/auth/token-issuer:12.0.3",
            restarts=37,
            exit_code=143,
            reason="Error",
            last_start=m(-4400),
            last_end=m(-4320),
            state=k.running(m(-4319)),
            ready=True,
        ),
    ]
    return {
        "title": "Noise: stale restart count from three days ago",
        "family": "KubePodCrashLooping",
        "now": m(0),
        "starts": m(-2),
        "summary": f"Pod {ns}/{pod} ({c}) is in waiting state (reason: CrashLoopBackOff).",
        "labels": _crashloop_labels(ns, pod, c),
        "objects": objs,
        "expected": {
            "root_cause": {"kind": "noise", "object": app},
            "noise": True,
            "facts": [{"text": "restart count is stale", "derived": True}, "2026-03-07T14:01:00"],
        },
    }


def _notready(ns: str, pod: str) -> dict[str, str]:
    return {"alertname": "KubePodNotReady", "namespace": ns, "pod": pod, "severity": "warning"}


def _pending_pod(ns: str, pod: str, rs: str, tmpl: dict[str, Any], created: Any) -> dict[str, Any]:
    return k.pod(pod, ns, created, tmpl, [], owner=("ReplicaSet", rs), phase="Pending", scheduled=False)


@case
def notready_insufficient_cpu() -> dict[str, Any]:
    ns, app = "analytics", "spark-driver"
    t1 = k.template(
        {"app": app}, [k.container("driver", "apache/spark:3.5.1", requests={"cpu": "6", "memory": "8Gi"})]
    )
    pod = "spark-driver-7c9b8d6f5-2kq7m"
    objs = deployment_family(ns, app, [("7c9b8d6f5", t1, m(-9000))], replicas=1, ready=0)
    objs += [
        _pending_pod(ns, pod, "spark-driver-7c9b8d6f5", t1, m(-25)),
        k.event(
            ns,
            "Pod",
            pod,
            "FailedScheduling",
            "0/4 nodes are available: 4 Insufficient cpu. preemption: 0/4 nodes are available: 4 No preemption victims found for incoming pod.",
            m(-25),
            m(-1),
            count=19,
            component="default-scheduler",
        ),
    ]
    return {
        "title": "Pending: insufficient cpu for a 6-core request",
        "family": "KubePodNotReady",
        "now": m(0),
        "starts": m(-10),
        "summary": f"Pod {ns}/{pod} has been in a non-ready state for longer than 15 minutes.",
        "labels": _notready(ns, pod),
        "objects": objs,
        "expected": {
            "root_cause": {"kind": "insufficient_resources", "object": app},
            "noise": False,
            "facts": ["Insufficient cpu", "0/4 nodes are available"],
        },
    }


@case
def notready_untolerated_taint() -> dict[str, Any]:
    ns, app = "ml", "embedder"
    t1 = k.template(
        {"app": app}, [k.container("embedder", "ghcr.io/acme/embedder:0.4.0", requests={"cpu": "1"})]
    )
    pod = "embedder-58d7c6b9a-7xv2p"
    objs = deployment_family(ns, app, [("58d7c6b9a", t1, m(-2000))], replicas=2, ready=0)
    objs += [
        _pending_pod(ns, pod, "embedder-58d7c6b9a", t1, m(-40)),
        k.event(
            ns,
            "Pod",
            pod,
            "FailedScheduling",
            "0/3 nodes are available: 3 node(s) had untolerated taint {dedicated: gpu-inference}. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.",
            m(-40),
            m(-2),
            count=31,
            component="default-scheduler",
        ),
    ]
    return {
        "title": "Pending: untolerated taint dedicated=gpu-inference",
        "family": "KubePodNotReady",
        "now": m(0),
        "starts": m(-25),
        "summary": f"Pod {ns}/{pod} has been in a non-ready state for longer than 15 minutes.",
        "labels": _notready(ns, pod),
        "objects": objs,
        "expected": {
            "root_cause": {"kind": "taint", "object": app},
            "noise": False,
            "facts": ["dedicated: gpu-inference"],
        },
    }


@case
def notready_unbound_pvc() -> dict[str, Any]:
    ns, app = "cms", "wordpress"
    t1 = k.template(
        {"app": app},
        [k.container("wordpress", "wordpress:6.4-apache", port=80)],
        [{"name": "content", "persistentVolumeClaim": {"claimName": "wp-content"}}],
    )
    pod = "wordpress-6f5d4c7b8-hb9nl"
    pvc = {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": k.meta("PersistentVolumeClaim", "wp-content", ns, m(-30)),
        "spec": {
            "accessModes": ["ReadWriteOnce"],
            "resources": {"requests": {"storage": "20Gi"}},
            "storageClassName": "fast-ssd",
            "volumeMode": "Filesystem",
        },
        "status": {"phase": "Pending"},
    }
    objs = deployment_family(ns, app, [("6f5d4c7b8", t1, m(-30))], replicas=1, ready=0)
    objs += [
        _pending_pod(ns, pod, "wordpress-6f5d4c7b8", t1, m(-30)),
        pvc,
        k.event(
            ns,
            "Pod",
            pod,
            "FailedScheduling",
            "0/5 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/5 nodes are available: 5 Preemption is not helpful for scheduling.",
            m(-30),
            m(-1),
            count=22,
            component="default-scheduler",
        ),
        k.event(
            ns,
            "PersistentVolumeClaim",
            "wp-content",
            "ProvisioningFailed",
            'storageclass.storage.k8s.io "fast-ssd" not found',
            m(-30),
            m(-1),
            count=120,
            component="persistentvolume-controller",
        ),
    ]
    return {
        "title": "Pending: PVC unbound, storage class fast-ssd missing",
        "family": "KubePodNotReady",
        "now": m(0),
        "starts": m(-15),
        "summary": f"Pod {ns}/{pod} has been in a non-ready state for longer than 15 minutes.",
        "labels": _notready(ns, pod),
        "objects": objs,
        "expected": {
            "root_cause": {"kind": "unbound_pvc", "object": "wp-content"},
            "noise": False,
            "facts": ["wp-content", "fast-ssd", "not found"],
        },
    }


@case
def notready_readiness_probe_rollout() -> dict[str, Any]:
    ns, app, c = "catalog", "product-api", "api"
    t1 = k.template(
        {"app": app}, [k.container(c, "ghcr.io/acme/product-api:6.2.0", readiness=k.http_probe("/healthz"))]
    )
    t2 = k.template(
        {"app": app}, [k.container(c, "ghcr.io/acme/product-api:6.2.0", readiness=k.http_probe("/ready"))]
    )
    pod = "product-api-5b7c9d8e6-wq3lz"
    objs = deployment_family(
        ns, app, [("4a6b8c7d5", t1, m(-8000)), ("5b7c9d8e6", t2, m(-26))], replicas=3, ready=2
    )
    st = k.container_status(c, "ghcr.io/acme/product-api:6.2.0", k.running(m(-25)), ready=False)
    objs += [
        k.pod(pod, ns, m(-25), t2, [st], owner=("ReplicaSet", "product-api-5b7c9d8e6"), ip="10.244.4.19"),
        k.event(
            ns,
            "Pod",
            pod,
            "Unhealthy",
            "Readiness probe failed: HTTP probe failed with statuscode: 404",
            m(-24),
            m(-1),
            count=140,
        ),
    ]
    return {
        "title": "Not ready: readiness probe path changed to /ready (404)",
        "family": "KubePodNotReady",
        "now": m(0),
        "starts": m(-10),
        "summary": f"Pod {ns}/{pod} has been in a non-ready state for longer than 15 minutes.",
        "labels": _notready(ns, pod),
        "objects": objs,
        "expected": {
            "root_cause": {"kind": "bad_deploy", "object": app},
            "noise": False,
            "facts": ["/ready", "statuscode: 404", "readinessProbe", {"text": "revision 2", "derived": True}],
        },
    }


def _waiting(ns: str, pod: str, c: str, reason: str) -> dict[str, str]:
    return {
        "alertname": "KubeContainerWaiting",
        "namespace": ns,
        "pod": pod,
        "container": c,
        "reason": reason,
        "severity": "warning",
    }


@case
def waiting_image_tag_after_rollout() -> dict[str, Any]:
    ns, app, c = "orders", "order-router", "router"
    img1, img2 = (
        "registry.corp.example/orders/order-router:8.4.1",
        "registry.corp.example/orders/order-router:8.5.0",
    )
    t1 = k.template({"app": app}, [k.container(c, img1)])
    t2 = k.template({"app": app}, [k.container(c, img2)])
    pod = "order-router-66c8b9d7f-rt6ds"
    objs = deployment_family(
        ns, app, [("5b7a8c6e4", t1, m(-6000)), ("66c8b9d7f", t2, m(-70))], replicas=3, ready=2
    )
    msg = (
        f'Failed to pull image "{img2}": rpc error: code = NotFound desc = failed to pull and unpack image '
        f'"{img2}": failed to resolve reference "{img2}": {img2}: not found'
    )
    objs += [
        k.pod(
            pod,
            ns,
            m(-70),
            t2,
            [k.container_status(c, img2, k.waiting("ImagePullBackOff", f'Back-off pulling image "{img2}"'))],
            owner=("ReplicaSet", "order-router-66c8b9d7f"),
        ),
        k.event(ns, "Pod", pod, "Failed", msg, m(-69), m(-2), count=17),
        k.event(
            ns,
            "Pod",
            pod,
            "BackOff",
            f'Back-off pulling image "{img2}"',
            m(-69),
            m(-1),
            count=300,
            type_="Normal",
        ),
    ]
    return {
        "title": "Image pull: rollout to a tag that was never pushed",
        "family": "KubeContainerWaiting",
        "now": m(0),
        "starts": m(-5),
        "summary": f"pod/{pod} in namespace {ns} on container {c} has been in waiting state for longer than 1 hour.",
        "labels": _waiting(ns, pod, c, "ImagePullBackOff"),
        "objects": objs,
        "expected": {
            "root_cause": {"kind": "bad_deploy", "object": app},
            "noise": False,
            "facts": [img2, "not found", {"text": "revision 2", "derived": True}],
        },
    }


@case
def waiting_image_pull_unauthorized() -> dict[str, Any]:
    ns, app, c = "risk", "scorer", "scorer"
    img = "europe-docker.pkg.dev/risk-prod/models/scorer:2026.02.1"
    t1 = k.template({"app": app}, [k.container(c, img)])
    pod = "scorer-7d8e9f6a5-c5hmn"
    objs = deployment_family(ns, app, [("7d8e9f6a5", t1, m(-100000))], replicas=2, ready=1)
    msg = (
        f'Failed to pull image "{img}": rpc error: code = Unknown desc = failed to pull and unpack image "{img}": '
        "failed to resolve reference: unexpected status from HEAD request: 401 Unauthorized"
    )
    objs += [
        k.pod(
            pod,
            ns,
            m(-80),
            t1,
            [k.container_status(c, img, k.waiting("ImagePullBackOff", f'Back-off pulling image "{img}"'))],
            owner=("ReplicaSet", "scorer-7d8e9f6a5"),
            node="worker-7",
        ),
        k.event(ns, "Pod", pod, "Failed", msg, m(-79), m(-3), count=21),
    ]
    return {
        "title": "Image pull: 401 Unauthorized from the registry (credentials)",
        "family": "KubeContainerWaiting",
        "now": m(0),
        "starts": m(-15),
        "summary": f"pod/{pod} in namespace {ns} on container {c} has been in waiting state for longer than 1 hour.",
        "labels": _waiting(ns, pod, c, "ImagePullBackOff"),
        "objects": objs,
        "expected": {
            "root_cause": {"kind": "image_pull", "object": app},
            "noise": False,
            "facts": ["401 Unauthorized", "europe-docker.pkg.dev", img],
        },
    }


@case
def waiting_missing_configmap() -> dict[str, Any]:
    ns, app, c = "geo", "tile-server", "tiles"
    t1 = k.template(
        {"app": app},
        [
            k.container(
                c, "docker.io/maptools/tile-server:1.22", env_from=[("configmap", "tile-server-settings")]
            )
        ],
    )
    pod = "tile-server-8f9a7b6c5-lx4rd"
    objs = deployment_family(ns, app, [("8f9a7b6c5", t1, m(-400))], replicas=1, ready=0)
    objs += [
        k.pod(
            pod,
            ns,
            m(-90),
            t1,
            [
                k.container_status(
                    c,
                    "docker.io/maptools/tile-server:1.22",
                    k.waiting("CreateContainerConfigError", 'configmap "tile-server-settings" not found'),
                )
            ],
            owner=("ReplicaSet", "tile-server-8f9a7b6c5"),
        ),
        k.event(
            ns,
            "Pod",
            pod,
            "Failed",
            'Error: configmap "tile-server-settings" not found',
            m(-89),
            m(-1),
            count=410,
        ),
    ]
    return {
        "title": "Waiting: CreateContainerConfigError, config map missing",
        "family": "KubeContainerWaiting",
        "now": m(0),
        "starts": m(-30),
        "summary": f"pod/{pod} in namespace {ns} on container {c} has been in waiting state for longer than 1 hour.",
        "labels": _waiting(ns, pod, c, "CreateContainerConfigError"),
        "objects": objs,
        "expected": {
            "root_cause": {"kind": "config_error", "object": app},
            "noise": False,
            "facts": ['configmap "tile-server-settings" not found', "CreateContainerConfigError"],
        },
    }


def _plain(alertname: str, severity: str) -> dict[str, str]:
    return {
        "alertname": alertname,
        "namespace": "monitoring",
        "prometheus": "monitoring/k8s",
        "severity": severity,
    }


@case
def watchdog() -> dict[str, Any]:
    return {
        "title": "Noise: Watchdog heartbeat",
        "family": "Watchdog",
        "now": m(0),
        "starts": m(-10000),
        "summary": "An alert that should always be firing to certify that Alertmanager is working properly.",
        "labels": _plain("Watchdog", "none"),
        "objects": [],
        "rules": _general_rules(),
        "expected": {
            "root_cause": {"kind": "noise", "object": "Watchdog"},
            "noise": True,
            "facts": [{"text": "heartbeat", "derived": True}],
        },
    }


@case
def infoinhibitor() -> dict[str, Any]:
    return {
        "title": "Noise: InfoInhibitor",
        "family": "InfoInhibitor",
        "now": m(0),
        "starts": m(-45),
        "summary": "Info-level alert inhibition.",
        "labels": _plain("InfoInhibitor", "none"),
        "objects": [],
        "rules": _general_rules(),
        "expected": {
            "root_cause": {"kind": "noise", "object": "InfoInhibitor"},
            "noise": True,
            "facts": [{"text": "inhibit", "derived": True}],
        },
    }


def _general_rules() -> list[dict[str, Any]]:
    """kube-prometheus-stack's general.rules group as /api/v1/rules returns it (both firing)."""

    def rule(name: str, query: str, summary: str) -> dict[str, Any]:
        return {
            "state": "firing",
            "name": name,
            "query": query,
            "duration": 0,
            "labels": {"severity": "none"},
            "annotations": {"summary": summary},
            "alerts": [],
            "health": "ok",
            "type": "alerting",
            "lastEvaluation": m(-0.5).isoformat(),
            "evaluationTime": 0.000412,
        }

    return [
        {
            "name": "general.rules",
            "file": "/etc/prometheus/rules/prometheus-k8s-rulefiles-0/monitoring-kube-prometheus-general.yaml",
            "rules": [
                rule("Watchdog", "vector(1)", "An alert that should always be firing."),
                rule(
                    "InfoInhibitor",
                    'ALERTS{severity="info"} == 1 unless on (namespace) ALERTS{alertname!="InfoInhibitor",'
                    'alertstate="firing",severity=~"warning|critical"} == 1',
                    "Info-level alert inhibition.",
                ),
            ],
            "interval": 30,
            "limit": 0,
            "evaluationTime": 0.0011,
            "lastEvaluation": m(-0.5).isoformat(),
        }
    ]

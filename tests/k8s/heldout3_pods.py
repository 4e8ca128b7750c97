"""The third held-out set (``tests/k8s/heldout-3/``), part 1: pod-level failures as other clusters
send them. Written before any investigator change for it, then measured once as it stood.

The alerts come the way other teams' stacks produce them: custom PrometheusRule names, Grafana-
managed alerts, Datadog monitors (the Webhooks payload), Robusta-style titles naming the pod only in
text, Alertmanager payloads carrying enrichment (events or log lines in annotations). The evidence is
often partial (no logs, no events, the pod already gone). Answers are what an SRE reading the same
objects would conclude; object and fact strings are taken from the objects, never from the code.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from tests.k8s.heldout_book import (
    NOW,
    am_webhook,
    bundle3,
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

RUNBOOK = "https://runbooks.prometheus-operator.dev/runbooks/kubernetes/"
NOW_MS = int(NOW.timestamp() * 1000)


def datadog(
    title: str, tags: dict[str, str], body: str, *, minutes: float = 10, priority: str = "P2"
) -> dict[str, Any]:
    """A Datadog monitor notification through the Webhooks integration (Autoheal's payload template)."""
    tag_text = ",".join(f"{k}:{v}" for k, v in tags.items())
    key = hashlib.md5((title + tag_text).encode()).hexdigest()
    return {
        "id": str(7591246872538274132 + len(title)),
        "alert_id": "151" + str(len(tag_text)).zfill(6),
        "aggreg_key": key,
        "alert_cycle_key": str(7591246872538274000 + len(body)),
        "transition": "Triggered",
        "title": f"[Triggered on {{{tag_text}}}] {title}",
        "body": body,
        "priority": priority,
        "alert_type": "error",
        "tags": tag_text + ",env:prod,monitor",
        "scope": tag_text,
        "metric": "kubernetes_state.container.restarts",
        "query": "change(max(last_10m),last_10m):max:kubernetes_state.container.restarts{*} by {"
        + ",".join(tags)
        + "} > 3",
        "status_summary": "",
        "hostname": "",
        "date": str(NOW_MS - int(minutes * 60_000)),
        "url": "https://app.datadoghq.eu/monitors/151000?group=" + key[:8],
    }


def grafana(
    name: str,
    labels: dict[str, str],
    annotations: dict[str, str],
    values: dict[str, float],
    *,
    minutes: float = 20,
) -> dict[str, Any]:
    """A Grafana-managed alert through a webhook contact point (Grafana 10)."""
    full = {"alertname": name, "grafana_folder": "Kubernetes", **labels}
    return {
        "receiver": "autoheal",
        "status": "firing",
        "orgId": 1,
        "alerts": [
            {
                "status": "firing",
                "labels": full,
                "annotations": annotations,
                "startsAt": ts(minutes),
                "endsAt": "0001-01-01T00:00:00Z",
                "generatorURL": "https://grafana.corp.example/alerting/grafana/adx3k/view?orgId=1",
                "fingerprint": hashlib.sha1(json.dumps(full, sort_keys=True).encode()).hexdigest()[:16],
                "silenceURL": "https://grafana.corp.example/alerting/silence/new?alertmanager=grafana",
                "dashboardURL": "https://grafana.corp.example/d/k8s-pods?orgId=1",
                "panelURL": "https://grafana.corp.example/d/k8s-pods?orgId=1&viewPanel=4",
                "values": values,
                "valueString": "[ "
                + ", ".join(
                    f"var='{k}' labels={{{', '.join(f'{a}={b}' for a, b in labels.items())}}} value={v}"
                    for k, v in values.items()
                )
                + " ]",
            }
        ],
        "groupLabels": {"alertname": name, "grafana_folder": "Kubernetes"},
        "commonLabels": full,
        "commonAnnotations": annotations,
        "externalURL": "https://grafana.corp.example/",
        "version": "1",
        "groupKey": '{}/{}:{alertname="' + name + '"}',
        "truncatedAlerts": 0,
        "title": f"[FIRING:1] {name} Kubernetes",
        "state": "alerting",
        "message": "**Firing**\n\nValue: " + ", ".join(f"{k}={v}" for k, v in values.items()),
    }


def generic(
    name: str,
    labels: dict[str, str],
    annotations: dict[str, str],
    *,
    minutes: float = 15,
    severity: str = "warning",
) -> dict[str, Any]:
    """Autoheal's generic JSON format, as a Robusta / custom forwarder would post it."""
    return {
        "name": name,
        "status": "firing",
        "starts_at": ts(minutes),
        "labels": labels,
        "annotations": annotations,
        "severity": severity,
    }


def crash_alert(
    ns: str, p: str, c: str, minutes: float, *, name: str = "KubePodCrashLooping", **extra: str
) -> dict[str, Any]:
    return am_webhook(
        {"alertname": name, "namespace": ns, "pod": p, "container": c, "severity": "warning", **extra},
        minutes,
        {
            "description": f'Pod {ns}/{p} ({c}) is in waiting state (reason: "CrashLoopBackOff").',
            "runbook_url": RUNBOOK + "kubepodcrashlooping",
            "summary": "Pod is crash looping.",
        },
    )


def backoff(ns: str, p: str, c: str, count: int = 40) -> dict[str, Any]:
    return event(
        ns,
        "Pod",
        p,
        "BackOff",
        f"Back-off restarting failed container {c} in pod {p}_{ns}",
        45,
        1,
        count=count,
    )


def crashing_pod(
    ns: str,
    name: str,
    h: str,
    image: str,
    cname: str,
    *,
    code: int = 1,
    reason: str = "Error",
    restarts: int = 9,
    message: str | None = None,
    replicas: int = 2,
    ready: int = 1,
    revision: int = 1,
    old: tuple[str, list[dict[str, Any]], float] | None = None,
    created_min: float = 120,
    labels: dict[str, str] | None = None,
    suffix: str = "x7k2p",
    **cextra: Any,
) -> tuple[str, dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
    """A Deployment whose newest pod is crash looping: (pod name, pod, deployments, replicasets)."""
    labels = labels or {"app.kubernetes.io/name": name}
    p = f"{name}-{h}-{suffix}"
    c = container(cname, image, **cextra)
    deps, rss = deploy_family(
        ns,
        name,
        labels,
        [c],
        h,
        replicas=replicas,
        ready=ready,
        revision=revision,
        old=old,
        created_min=created_min,
    )
    status = cstatus(
        cname,
        image,
        waiting(
            "CrashLoopBackOff", f"back-off 5m0s restarting failed container={cname} pod={p}_{ns}({p[-5:]})"
        ),
        restarts=restarts,
        last=terminated(code, reason, 3, 2, message),
    )
    the_pod = pod(
        p,
        ns,
        {**labels, "pod-template-hash": h},
        owner("ReplicaSet", f"{name}-{h}", ns),
        [c],
        [status],
        created_min=created_min,
    )
    return p, the_pod, deps, rss


# --- routing by content: other senders, other names -------------------------------------------------


@bundle3
def datadog_crashloop_missing_env() -> dict[str, Any]:
    """A Datadog monitor on restarts (tags, no pod label); a Node service exits on a missing variable."""
    ns, name, h = "billing", "invoice-api", "7c9d5f6b8"
    image = "123456789012.dkr.ecr.us-east-1.amazonaws.com/billing/invoice-api:3.18.0"
    p, the_pod, deps, rss = crashing_pod(ns, name, h, image, "api")
    log = (
        "> invoice-api@3.18.0 start\n> node dist/server.js\n\n"
        '{"level":30,"time":1788337620000,"msg":"loading configuration"}\n'
        "/app/dist/config.js:41\n"
        "        throw new Error(`Missing required environment variable: ${name}`);\n"
        "        ^\n\n"
        "Error: Missing required environment variable: STRIPE_WEBHOOK_SECRET\n"
        "    at required (/app/dist/config.js:41:15)\n"
        "    at Object.<anonymous> (/app/dist/config.js:58:22)\n"
        "    at Module._compile (node:internal/modules/cjs/loader:1256:14)\n\n"
        "Node.js v20.11.1\n"
    )
    return {
        "title": "Datadog monitor: invoice-api exits because STRIPE_WEBHOOK_SECRET is not set",
        "source": "datadog",
        "family": "restarts (Datadog)",
        "alert": datadog(
            "invoice-api containers restarting",
            {"kube_namespace": ns, "kube_deployment": name, "pod_name": p, "kube_container_name": "api"},
            "%%%\nContainer api of invoice-api restarted more than 3 times in 10 minutes.\n@webhook-autoheal\n%%%",
        ),
        "objects": {
            "Pod": [the_pod],
            "Event": [backoff(ns, p, "api")],
            "ReplicaSet": rss,
            "Deployment": deps,
        },
        "logs": {(p, "api", True): log, (p, "api", False): ""},
        "expected": {
            "root_cause": {"kind": "config_error", "object": name},
            "noise": False,
            "facts": ["STRIPE_WEBHOOK_SECRET"],
        },
    }


@bundle3
def robusta_title_crashloop_cert_expired() -> dict[str, Any]:
    """A Robusta-style forwarder: the pod and namespace appear only in the title text."""
    ns, name, h = "edge", "mtls-proxy", "5b8f9c7d6"
    image = "ghcr.io/corp/mtls-proxy:1.9.2"
    p, the_pod, deps, rss = crashing_pod(ns, name, h, image, "proxy", restarts=21)
    log = (
        "2026-09-02T08:26:01.114Z INFO  starting mtls-proxy 1.9.2\n"
        "2026-09-02T08:26:01.120Z INFO  loading upstream CA bundle from /etc/tls/ca.crt\n"
        "2026-09-02T08:26:01.231Z ERROR tls: failed to verify certificate: x509: certificate has expired or is not "
        "yet valid: current time 2026-09-02T08:26:01Z is after 2026-09-01T23:59:59Z\n"
        "2026-09-02T08:26:01.232Z FATAL could not establish upstream session, exiting\n"
    )
    return {
        "title": "Robusta-style title: crashing pod named only in text; its upstream certificate expired",
        "source": "generic",
        "family": "restarts (Robusta-style)",
        "alert": generic(
            "Crashing pod",
            {"cluster": "prod-us-2", "source": "robusta"},
            {
                "title": f"Crashing pod {p} in namespace {ns}",
                "description": f"Pod {p} in namespace {ns} restarted 21 times (CrashLoopBackOff).",
            },
        ),
        "objects": {
            "Pod": [the_pod],
            "Event": [backoff(ns, p, "proxy")],
            "ReplicaSet": rss,
            "Deployment": deps,
        },
        "logs": {(p, "proxy", True): log},
        "expected": {
            "root_cause": {"kind": "certificate_expired", "object": name},
            "noise": False,
            "facts": ["certificate has expired"],
        },
    }


@bundle3
def custom_rule_container_oomkilled_java() -> dict[str, Any]:
    """A team's PrometheusRule ``ContainerOOMKilled`` (no kube-prometheus name); the JVM is above its limit."""
    ns, name, h = "search", "indexer", "6f7b8c9d4"
    image = "registry.corp.example/search/indexer:2024.08.2"
    p, the_pod, deps, rss = crashing_pod(
        ns, name, h, image, "indexer", code=137, reason="OOMKilled", restarts=6, mem="2Gi"
    )
    return {
        "title": "Custom rule ContainerOOMKilled: the indexer JVM is killed at its 2Gi limit",
        "family": "oom (custom rule)",
        "alert": am_webhook(
            {
                "alertname": "ContainerOOMKilled",
                "namespace": ns,
                "pod": p,
                "container": "indexer",
                "severity": "critical",
                "team": "search",
            },
            12,
            {
                "summary": f"Container indexer in {p} was OOMKilled",
                "dashboard": "https://grafana.corp.example/d/oom",
            },
        ),
        "objects": {
            "Pod": [the_pod],
            "Event": [backoff(ns, p, "indexer", 12)],
            "ReplicaSet": rss,
            "Deployment": deps,
        },
        "logs": {
            (
                p,
                "indexer",
                True,
            ): "INFO  Indexer - starting segment merge (48 segments)\nINFO  Indexer - merge 12/48\n"
        },
        "expected": {"root_cause": {"kind": "oom", "object": name}, "noise": False, "facts": ["OOMKilled"]},
    }


@bundle3
def grafana_pod_restarts_dns_lookup_after_rollout() -> dict[str, Any]:
    """A Grafana-managed restarts alert; the rollout changed DB_HOST to a name that does not resolve."""
    ns, name, new_h, old_h = "orders", "order-service", "84d7c9f5b", "6b5c8d7f9"
    image = "ghcr.io/corp/order-service:7.2.0"
    env_new = [{"name": "DB_HOST", "value": "orders-pg-rw.orders.svc.cluster.local"}]
    env_old = [{"name": "DB_HOST", "value": "orders-pg.orders.svc.cluster.local"}]
    old_c = container("app", image, env=env_old)
    p, the_pod, deps, rss = crashing_pod(
        ns,
        name,
        new_h,
        image,
        "app",
        revision=5,
        old=(old_h, [old_c], 60 * 24 * 9),
        created_min=25,
        env=env_new,
        restarts=7,
    )
    log = (
        '{"level":"info","ts":"2026-09-02T08:27:40Z","msg":"connecting to database"}\n'
        '{"level":"error","ts":"2026-09-02T08:27:45Z","msg":"database ping failed","error":"dial tcp: lookup '
        'orders-pg-rw.orders.svc.cluster.local on 10.96.0.10:53: no such host"}\n'
        '{"level":"fatal","ts":"2026-09-02T08:27:45Z","msg":"cannot start without database"}\n'
    )
    return {
        "title": "Grafana alert: rollout changed DB_HOST to a Service name that does not exist",
        "source": "grafana",
        "family": "restarts (Grafana)",
        "alert": grafana(
            "Pod restarting",
            {"namespace": ns, "pod": p, "container": "app"},
            {"summary": f"{p} restarted 7 times in 15m"},
            {"A": 7, "B": 1},
        ),
        "objects": {
            "Pod": [the_pod],
            "Event": [backoff(ns, p, "app", 20)],
            "ReplicaSet": rss,
            "Deployment": deps,
        },
        "logs": {(p, "app", True): log},
        "expected": {
            "root_cause": {"kind": "bad_deploy", "object": name},
            "noise": False,
            "facts": ["no such host", "DB_HOST"],
        },
    }


@bundle3
def datadog_pending_gpu_insufficient() -> dict[str, Any]:
    """A Datadog monitor on pending pods of a deployment (tags only); no node has a free GPU."""
    ns, name, h = "ml-serving", "embedder", "7d6c5b9f8"
    image = "nvcr.io/corp/embedder:0.14.1"
    c = container("model", image, mem="16Gi", cpu="4")
    c["resources"]["limits"]["nvidia.com/gpu"] = "1"
    deps, rss = deploy_family(ns, name, {"app": name}, [c], h, replicas=3, ready=2, created_min=40)
    p = f"{name}-{h}-q8w2e"
    msg = (
        "0/9 nodes are available: 3 Insufficient nvidia.com/gpu, 6 node(s) didn't match Pod's node affinity/selector. "
        "preemption: 0/9 nodes are available: 3 No preemption victims found for incoming pod, 6 Preemption is not "
        "helpful for scheduling."
    )
    pending = pod(
        p,
        ns,
        {"app": name, "pod-template-hash": h},
        owner("ReplicaSet", f"{name}-{h}", ns),
        [c],
        [],
        phase="Pending",
        created_min=35,
        node=None,
        conditions=[
            {
                "type": "PodScheduled",
                "status": "False",
                "reason": "Unschedulable",
                "message": msg,
                "lastTransitionTime": ts(35),
            }
        ],
    )
    return {
        "title": "Datadog monitor: embedder pod pending, no free GPU",
        "source": "datadog",
        "family": "pending (Datadog)",
        "alert": datadog(
            "Pods pending for embedder",
            {"kube_namespace": ns, "kube_deployment": name},
            "%%%\n1 pod of embedder has been Pending for more than 15 minutes.\n%%%",
            minutes=20,
        ),
        "objects": {
            "Pod": [pending],
            "Event": [
                event(ns, "Pod", p, "FailedScheduling", msg, 35, 2, count=9, component="default-scheduler")
            ],
            "ReplicaSet": rss,
            "Deployment": deps,
        },
        "expected": {
            "root_cause": {"kind": "insufficient_resources", "object": name},
            "noise": False,
            "facts": ["Insufficient nvidia.com/gpu"],
        },
    }


# --- enrichment that arrives with the alert, partial evidence ----------------------------------------


@bundle3
def enriched_crashloop_logs_in_annotation_no_logs() -> dict[str, Any]:
    """Alertmanager with an enrichment annotation holding the last log lines; no logs were captured."""
    ns, name, h = "payments", "ledger-sync", "59c7d8b6f"
    image = "registry.corp.example/payments/ledger-sync:5.0.1"
    p, the_pod, deps, rss = crashing_pod(ns, name, h, image, "sync", restarts=12)
    alert = crash_alert(ns, p, "sync", 30)
    alert["alerts"][0]["annotations"]["logs"] = (
        "Last 4 lines of container sync (previous run):\n"
        "2026-09-02 08:24:10 INFO  ledger-sync 5.0.1 starting\n"
        "2026-09-02 08:24:10 INFO  opening /var/run/secrets/ledger/client.pem\n"
        "2026-09-02 08:24:11 ERROR PermissionError: [Errno 13] Permission denied: '/var/run/secrets/ledger/client.pem'\n"
        "2026-09-02 08:24:11 INFO  shutting down\n"
    )
    return {
        "title": "Enriched alert: the log lines arrived in an annotation; nothing else but the pod was captured",
        "family": "restarts (enriched)",
        "alert": alert,
        "objects": {"Pod": [the_pod], "ReplicaSet": rss, "Deployment": deps},
        "expected": {
            "root_cause": {"kind": "permission_denied", "object": name},
            "noise": False,
            "facts": ["Permission denied"],
        },
    }


@bundle3
def enriched_pending_events_in_annotation_no_events() -> dict[str, Any]:
    """Robusta-style enrichment block with the pod's events in the alert; events had expired from the API."""
    ns, name, h = "analytics", "spark-driver-proxy", "6d5c4b7f9"
    image = "registry.corp.example/analytics/proxy:2.2.0"
    c = container("proxy", image, mem="8Gi", cpu="2")
    deps, rss = deploy_family(ns, name, {"app": name}, [c], h, replicas=2, ready=1, created_min=180)
    p = f"{name}-{h}-v4n7c"
    pending = pod(
        p,
        ns,
        {"app": name, "pod-template-hash": h},
        owner("ReplicaSet", f"{name}-{h}", ns),
        [c],
        [],
        phase="Pending",
        created_min=170,
        node=None,
        conditions=[
            {
                "type": "PodScheduled",
                "status": "False",
                "reason": "Unschedulable",
                "lastTransitionTime": ts(170),
            }
        ],
    )
    alert = am_webhook(
        {"alertname": "KubePodNotReady", "namespace": ns, "pod": p, "severity": "warning"},
        150,
        {
            "summary": "Pod has been in a non-ready state for more than 15 minutes.",
            "description": f"Pod {ns}/{p} has been in a non-ready state for longer than 15 minutes.",
            "enrichment": (
                "Pod events:\n"
                "LAST SEEN   TYPE      REASON             OBJECT                              MESSAGE\n"
                f"2m          Warning   FailedScheduling   pod/{p}   0/5 nodes are available: 5 Insufficient memory. "
                "preemption: 0/5 nodes are available: 5 No preemption victims found for incoming pod.\n"
            ),
        },
    )
    return {
        "title": "Enriched alert: the scheduling events came with the alert; the API no longer had them",
        "family": "not ready (enriched)",
        "alert": alert,
        "objects": {"Pod": [pending], "ReplicaSet": rss, "Deployment": deps},
        "expected": {
            "root_cause": {"kind": "insufficient_resources", "object": name},
            "noise": False,
            "facts": ["Insufficient memory"],
        },
    }


@bundle3
def datadog_message_log_snippet_pod_gone() -> dict[str, Any]:
    """A Datadog log monitor whose message quotes the failing line; the pod itself is gone (replaced,
    the replacement fails the same way but no logs were captured)."""
    ns, name, h = "catalog", "price-feed", "7b9c6d5f4"
    image = "ghcr.io/corp/price-feed:1.3.0"
    _, the_pod, deps, rss = crashing_pod(ns, name, h, image, "feed", restarts=3, suffix="n2m8z")
    gone = f"{name}-{h}-b5v9c"
    body = (
        "%%%\nLog monitor: more than 5 errors from service:price-feed in 5m.\n\n"
        "Sample:\n```\nFileNotFoundError: [Errno 2] No such file or directory: '/etc/price-feed/feeds.yaml'\n```\n%%%"
    )
    return {
        "title": "Datadog log monitor: the message quotes the missing config file; the pod it saw is gone",
        "source": "datadog",
        "family": "log monitor (Datadog)",
        "alert": datadog(
            "price-feed error logs",
            {"kube_namespace": ns, "pod_name": gone, "service": "price-feed"},
            body,
            minutes=8,
        ),
        "objects": {"Pod": [the_pod], "ReplicaSet": rss, "Deployment": deps},
        "expected": {
            "root_cause": {"kind": "config_error", "object": name},
            "noise": False,
            "facts": ["feeds.yaml"],
        },
    }


@bundle3
def crashloop_termination_message_no_logs() -> dict[str, Any]:
    """No logs captured (log rotation), but the container wrote its fatal error as termination message."""
    ns, name, h = "identity", "token-issuer", "8c7d6b5f9"
    image = "ghcr.io/corp/token-issuer:4.0.0"
    msg = "panic: open /etc/token-issuer/signing-key.pem: no such file or directory\n\ngoroutine 1 [running]:\nmain.main()\n\t/src/cmd/issuer/main.go:57 +0x3c5\n"
    p, the_pod, deps, rss = crashing_pod(
        ns, name, h, image, "issuer", code=2, message=msg, terminationMessagePolicy="FallbackToLogsOnError"
    )
    return {
        "title": "Partial evidence: no logs; the termination message says the signing key file is missing",
        "family": "restarts (partial)",
        "alert": crash_alert(ns, p, "issuer", 25),
        "objects": {
            "Pod": [the_pod],
            "Event": [backoff(ns, p, "issuer")],
            "ReplicaSet": rss,
            "Deployment": deps,
        },
        "expected": {
            "root_cause": {"kind": "config_error", "object": name},
            "noise": False,
            "facts": ["signing-key.pem"],
        },
    }


@bundle3
def pending_no_events_condition_message() -> dict[str, Any]:
    """The FailedScheduling events expired (1 h TTL); the pod's PodScheduled condition still says why."""
    ns, name, h = "reports", "pdf-render", "5f4d6c7b8"
    image = "ghcr.io/corp/pdf-render:2.7.3"
    c = container("render", image, mem="1Gi", cpu="3")
    deps, rss = deploy_family(ns, name, {"app": name}, [c], h, replicas=4, ready=3, created_min=300)
    p = f"{name}-{h}-t6y3u"
    msg = "0/4 nodes are available: 4 Insufficient cpu. preemption: 0/4 nodes are available: 4 No preemption victims found for incoming pod."
    pending = pod(
        p,
        ns,
        {"app": name, "pod-template-hash": h},
        owner("ReplicaSet", f"{name}-{h}", ns),
        [c],
        [],
        phase="Pending",
        created_min=190,
        node=None,
        conditions=[
            {
                "type": "PodScheduled",
                "status": "False",
                "reason": "Unschedulable",
                "message": msg,
                "lastTransitionTime": ts(190),
            }
        ],
    )
    return {
        "title": "Partial evidence: events expired; the PodScheduled condition keeps the scheduler's message",
        "family": "not ready (partial)",
        "alert": am_webhook(
            {"alertname": "KubePodNotReady", "namespace": ns, "pod": p, "severity": "warning"},
            170,
            {"summary": "Pod has been in a non-ready state for more than 15 minutes."},
        ),
        "objects": {"Pod": [pending], "ReplicaSet": rss, "Deployment": deps},
        "expected": {
            "root_cause": {"kind": "insufficient_resources", "object": name},
            "noise": False,
            "facts": ["Insufficient cpu"],
        },
    }


@bundle3
def pod_gone_replacement_pending_by_owner() -> dict[str, Any]:
    """The pod the alert names was deleted; its replacement (same ReplicaSet) cannot be scheduled."""
    ns, name, h = "media", "transcoder", "9d8c7b6f5"
    image = "ghcr.io/corp/transcoder:6.1.0"
    c = container("ffmpeg", image, mem="6Gi", cpu="2")
    deps, rss = deploy_family(ns, name, {"app": name}, [c], h, replicas=3, ready=2, created_min=600)
    gone, new = f"{name}-{h}-a8s7d", f"{name}-{h}-f6g5h"
    msg = (
        "0/6 nodes are available: 2 node(s) had untolerated taint {dedicated: gpu}, 4 Insufficient memory. "
        "preemption: 0/6 nodes are available: 2 Preemption is not helpful for scheduling, 4 No preemption victims found for incoming pod."
    )
    pending = pod(
        new,
        ns,
        {"app": name, "pod-template-hash": h},
        owner("ReplicaSet", f"{name}-{h}", ns),
        [c],
        [],
        phase="Pending",
        created_min=22,
        node=None,
        conditions=[
            {
                "type": "PodScheduled",
                "status": "False",
                "reason": "Unschedulable",
                "message": msg,
                "lastTransitionTime": ts(22),
            }
        ],
    )
    return {
        "title": "Pod gone: the named pod was deleted; its replacement from the same ReplicaSet is unschedulable",
        "alert": am_webhook(
            {"alertname": "KubePodNotReady", "namespace": ns, "pod": gone, "severity": "warning"},
            40,
            {"summary": "Pod has been in a non-ready state for more than 15 minutes."},
        ),
        "objects": {
            "Pod": [pending],
            "Event": [
                event(ns, "Pod", gone, "Killing", "Stopping container ffmpeg", 23, 23, type_="Normal"),
                event(ns, "Pod", new, "FailedScheduling", msg, 22, 1, count=7, component="default-scheduler"),
                event(
                    ns,
                    "ReplicaSet",
                    f"{name}-{h}",
                    "SuccessfulCreate",
                    f"Created pod: {new}",
                    22,
                    22,
                    type_="Normal",
                    component="replicaset-controller",
                ),
            ],
            "ReplicaSet": rss,
            "Deployment": deps,
        },
        "expected": {
            "root_cause": {"kind": "insufficient_resources", "object": name},
            "noise": False,
            "facts": ["Insufficient memory"],
        },
    }


# --- real failure shapes -----------------------------------------------------------------------------


@bundle3
def waiting_configmap_key_missing() -> dict[str, Any]:
    ns, name, h = "shop", "cart-api", "6c5b4d8f7"
    image = "ghcr.io/corp/cart-api:12.1.0"
    c = container(
        "api",
        image,
        env=[
            {
                "name": "LOG_LEVEL",
                "valueFrom": {"configMapKeyRef": {"name": "cart-api-config", "key": "LOG_LEVEL"}},
            }
        ],
    )
    deps, rss = deploy_family(ns, name, {"app": name}, [c], h, replicas=2, ready=1, created_min=30)
    p = f"{name}-{h}-z9x8c"
    msg = "couldn't find key LOG_LEVEL in ConfigMap shop/cart-api-config"
    status = cstatus("api", image, waiting("CreateContainerConfigError", msg))
    return {
        "title": "CreateContainerConfigError: a ConfigMap key the env references does not exist",
        "alert": am_webhook(
            {
                "alertname": "KubeContainerWaiting",
                "namespace": ns,
                "pod": p,
                "container": "api",
                "severity": "warning",
            },
            20,
            {"summary": "Pod container waiting longer than 1 hour"},
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
                    created_min=28,
                )
            ],
            "Event": [event(ns, "Pod", p, "Failed", f"Error: {msg}", 28, 1, count=130)],
            "ReplicaSet": rss,
            "Deployment": deps,
        },
        "expected": {
            "root_cause": {"kind": "config_error", "object": name},
            "noise": False,
            "facts": ["couldn't find key LOG_LEVEL"],
        },
    }


@bundle3
def waiting_invalid_image_name() -> dict[str, Any]:
    ns, name, h = "web", "landing", "7f6e5d4c3"
    image = "registry.corp.example/web/landing:v2 "
    c = container("nginx", image)
    deps, rss = deploy_family(ns, name, {"app": name}, [c], h, replicas=2, ready=1, created_min=15)
    p = f"{name}-{h}-p0o9i"
    msg = f'Failed to apply default image tag "{image}": couldn\'t parse image reference "{image}": invalid reference format'
    status = cstatus("nginx", image, waiting("InvalidImageName", msg))
    return {
        "title": "InvalidImageName: a trailing space in the image reference",
        "alert": am_webhook(
            {
                "alertname": "KubeContainerWaiting",
                "namespace": ns,
                "pod": p,
                "container": "nginx",
                "severity": "warning",
            },
            12,
            {"summary": "Pod container waiting longer than 1 hour"},
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
                    created_min=14,
                )
            ],
            "Event": [
                event(ns, "Pod", p, "InspectFailed", msg, 14, 1, count=70),
                event(ns, "Pod", p, "Failed", "Error: InvalidImageName", 14, 1, count=70),
            ],
            "ReplicaSet": rss,
            "Deployment": deps,
        },
        "expected": {
            "root_cause": {"kind": "image_pull", "object": name},
            "noise": False,
            "facts": ["invalid reference format"],
        },
    }


@bundle3
def waiting_docker_hub_rate_limit() -> dict[str, Any]:
    ns, name, h = "tools", "redis-queue", "5d4c3b2a9"
    image = "redis:7.2.5"
    c = container("redis", image)
    deps, rss = deploy_family(ns, name, {"app": name}, [c], h, replicas=1, ready=0, created_min=25)
    p = f"{name}-{h}-r4e3w"
    msg = (
        'Failed to pull image "redis:7.2.5": rpc error: code = Unknown desc = failed to pull and unpack image '
        '"docker.io/library/redis:7.2.5": failed to copy: httpReadSeeker: failed open: unexpected status code '
        "https://registry-1.docker.io/v2/library/redis/manifests/sha256:4c3e2a1b: 429 Too Many Requests - Server "
        "message: toomanyrequests: You have reached your pull rate limit. You may increase the limit by authenticating "
        "and upgrading: https://www.docker.com/increase-rate-limit"
    )
    status = cstatus("redis", image, waiting("ImagePullBackOff", 'Back-off pulling image "redis:7.2.5"'))
    return {
        "title": "ImagePullBackOff: Docker Hub's anonymous pull rate limit",
        "alert": am_webhook(
            {"alertname": "KubePodNotReady", "namespace": ns, "pod": p, "severity": "warning"},
            16,
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
                    phase="Pending",
                    created_min=24,
                )
            ],
            "Event": [
                event(ns, "Pod", p, "Failed", msg, 24, 3, count=6),
                event(
                    ns,
                    "Pod",
                    p,
                    "BackOff",
                    'Back-off pulling image "redis:7.2.5"',
                    23,
                    1,
                    count=80,
                    type_="Normal",
                ),
            ],
            "ReplicaSet": rss,
            "Deployment": deps,
        },
        "expected": {
            "root_cause": {"kind": "image_pull", "object": name},
            "noise": False,
            "facts": ["toomanyrequests"],
        },
    }


@bundle3
def crashloop_start_error_binary_missing_after_rollout() -> dict[str, Any]:
    ns, name, new_h, old_h = "gateway", "edge-router", "6e5d4c3b2", "5a4b3c2d1"
    image, old_image = "ghcr.io/corp/edge-router:3.0.0-distroless", "ghcr.io/corp/edge-router:2.9.4"
    old_c = container("router", old_image, command=["/app/server"])
    msg = (
        "failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: "
        'unable to start container process: exec: "/app/server": stat /app/server: no such file or directory: unknown'
    )
    p, the_pod, deps, rss = crashing_pod(
        ns,
        name,
        new_h,
        image,
        "router",
        code=128,
        reason="StartError",
        message=msg,
        revision=8,
        old=(old_h, [old_c], 60 * 24 * 20),
        created_min=18,
        command=["/app/server"],
    )
    return {
        "title": "StartError after a rollout: the new image has no /app/server",
        "alert": crash_alert(ns, p, "router", 14),
        "objects": {
            "Pod": [the_pod],
            "Event": [backoff(ns, p, "router", 25)],
            "ReplicaSet": rss,
            "Deployment": deps,
        },
        "expected": {
            "root_cause": {"kind": "bad_deploy", "object": name},
            "noise": False,
            "facts": ["no such file or directory"],
        },
    }


@bundle3
def crashloop_node_heap_out_of_memory() -> dict[str, Any]:
    """Exit 134 (abort), not OOMKilled: the V8 heap limit, below the container limit."""
    ns, name, h = "frontend", "ssr-renderer", "8b7a6c5d4"
    image = "ghcr.io/corp/ssr-renderer:5.5.0"
    p, the_pod, deps, rss = crashing_pod(ns, name, h, image, "ssr", code=134, restarts=8, mem="2Gi")
    log = (
        "Listening on :3000\n"
        "<--- Last few GCs --->\n\n"
        "[1:0x6b2c0a0]   912345 ms: Mark-Compact 2043.1 (2083.4) -> 2041.9 (2084.1) MB, 1890.2 / 0.0 ms  (average mu = 0.089) allocation failure; scavenge might not succeed\n\n"
        "<--- JS stacktrace --->\n\n"
        "FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory\n"
        " 1: 0xb7a940 node::Abort() [node]\n"
        " 2: 0xa8e823  [node]\n"
    )
    return {
        "title": "Exit 134: the Node.js heap limit is reached (JavaScript heap out of memory)",
        "alert": crash_alert(ns, p, "ssr", 35),
        "objects": {
            "Pod": [the_pod],
            "Event": [backoff(ns, p, "ssr")],
            "ReplicaSet": rss,
            "Deployment": deps,
        },
        "logs": {(p, "ssr", True): log},
        "expected": {
            "root_cause": {"kind": "oom", "object": name},
            "noise": False,
            "facts": ["JavaScript heap out of memory"],
        },
    }


@bundle3
def crashloop_java_heap_space_exit_3() -> dict[str, Any]:
    ns, name, h = "risk", "scoring-engine", "7c6b5a4d3"
    image = "registry.corp.example/risk/scoring-engine:11.0.2"
    p, the_pod, deps, rss = crashing_pod(ns, name, h, image, "engine", code=3, restarts=5, mem="3Gi")
    log = (
        "08:21:02.114 [main] INFO  c.c.r.ScoringEngine - loading model risk-v41 (1.9 GB)\n"
        "Terminating due to java.lang.OutOfMemoryError: Java heap space\n"
    )
    return {
        "title": "Exit 3 with -XX:+ExitOnOutOfMemoryError: the Java heap is too small for the new model",
        "alert": crash_alert(ns, p, "engine", 40),
        "objects": {
            "Pod": [the_pod],
            "Event": [backoff(ns, p, "engine")],
            "ReplicaSet": rss,
            "Deployment": deps,
        },
        "logs": {(p, "engine", True): log},
        "expected": {
            "root_cause": {"kind": "oom", "object": name},
            "noise": False,
            "facts": ["OutOfMemoryError"],
        },
    }


@bundle3
def crashloop_bad_flag_after_rollout() -> dict[str, Any]:
    ns, name, new_h, old_h = "observability", "otel-gateway", "9f8e7d6c5", "8a7b6c5d4"
    image = "otel/opentelemetry-collector-contrib:0.108.0"
    old_c = container("collector", image, args=["--config=/conf/config.yaml"])
    p, the_pod, deps, rss = crashing_pod(
        ns,
        name,
        new_h,
        image,
        "collector",
        code=2,
        revision=14,
        old=(old_h, [old_c], 60 * 24 * 3),
        created_min=12,
        args=["--config=/conf/config.yaml", "--metrics-level=detailed"],
    )
    log = "Error: unknown flag: --metrics-level\n2026/09/02 08:27:12 collector server run finished with error: unknown flag: --metrics-level\n"
    return {
        "title": "Exit 2 after a rollout added a flag the collector does not know",
        "alert": crash_alert(ns, p, "collector", 10),
        "objects": {
            "Pod": [the_pod],
            "Event": [backoff(ns, p, "collector", 15)],
            "ReplicaSet": rss,
            "Deployment": deps,
        },
        "logs": {(p, "collector", True): log},
        "expected": {
            "root_cause": {"kind": "bad_deploy", "object": name},
            "noise": False,
            "facts": ["unknown flag: --metrics-level"],
        },
    }


@bundle3
def crashloop_module_not_found_after_rollout() -> dict[str, Any]:
    ns, name, new_h, old_h = "growth", "email-worker", "5e4d3c2b1", "4f3e2d1c0"
    image, old_image = "ghcr.io/corp/email-worker:2.4.0", "ghcr.io/corp/email-worker:2.3.9"
    old_c = container("worker", old_image)
    p, the_pod, deps, rss = crashing_pod(
        ns, name, new_h, image, "worker", revision=31, old=(old_h, [old_c], 60 * 24), created_min=20
    )
    log = (
        "Traceback (most recent call last):\n"
        '  File "/app/worker/main.py", line 4, in <module>\n'
        "    from worker.render import render_template\n"
        '  File "/app/worker/render.py", line 2, in <module>\n'
        "    import orjson\n"
        "ModuleNotFoundError: No module named 'orjson'\n"
    )
    return {
        "title": "ModuleNotFoundError in the image of the new release",
        "alert": crash_alert(ns, p, "worker", 16),
        "objects": {
            "Pod": [the_pod],
            "Event": [backoff(ns, p, "worker")],
            "ReplicaSet": rss,
            "Deployment": deps,
        },
        "logs": {(p, "worker", True): log},
        "expected": {
            "root_cause": {"kind": "bad_deploy", "object": name},
            "noise": False,
            "facts": ["No module named 'orjson'"],
        },
    }


@bundle3
def crashloop_connection_refused_dependency_crashing() -> dict[str, Any]:
    """The app cannot reach its Postgres; Postgres' own pod is crash looping (the real cause upstream)."""
    ns, name, h = "inventory", "stock-api", "6a5b4c3d2"
    image = "ghcr.io/corp/stock-api:9.9.1"
    p, the_pod, deps, rss = crashing_pod(ns, name, h, image, "api", restarts=15)
    log = (
        "2026-09-02 08:25:31,002 INFO stock_api.db connecting to stock-db:5432\n"
        '2026-09-02 08:25:31,010 ERROR stock_api.db could not connect: connection to server at "stock-db" (10.96.44.12), '
        "port 5432 failed: Connection refused\n\tIs the server running on that host and accepting TCP/IP connections?\n"
    )
    db_labels = {"app.kubernetes.io/name": "stock-db"}
    db_image = "docker.io/library/postgres:16.4"
    db_c = container("postgres", db_image, mem="1Gi")
    db_pod = pod(
        "stock-db-0",
        ns,
        db_labels,
        owner("StatefulSet", "stock-db", ns),
        [db_c],
        [
            cstatus(
                "postgres",
                db_image,
                waiting(
                    "CrashLoopBackOff", "back-off 5m0s restarting failed container=postgres pod=stock-db-0"
                ),
                restarts=15,
                last=terminated(1, "Error", 4, 4),
            )
        ],
        created_min=60 * 24 * 5,
    )
    sts = {
        "metadata": {
            "name": "stock-db",
            "namespace": ns,
            "uid": "sts-stock-db",
            "generation": 2,
            "labels": db_labels,
        },
        "spec": {
            "replicas": 1,
            "serviceName": "stock-db",
            "selector": {"matchLabels": db_labels},
            "template": {"metadata": {"labels": db_labels}, "spec": {"containers": [db_c]}},
        },
        "status": {
            "replicas": 1,
            "readyReplicas": 0,
            "currentReplicas": 1,
            "updatedReplicas": 1,
            "observedGeneration": 2,
        },
    }
    svc = {
        "metadata": {"name": "stock-db", "namespace": ns},
        "spec": {
            "selector": db_labels,
            "ports": [{"name": "pg", "port": 5432, "targetPort": 5432, "protocol": "TCP"}],
            "clusterIP": "10.96.44.12",
        },
    }
    db_log = (
        "2026-09-02 08:26:02.311 UTC [1] LOG:  starting PostgreSQL 16.4 on x86_64-pc-linux-gnu\n"
        '2026-09-02 08:26:02.318 UTC [1] FATAL:  could not write lock file "postmaster.pid": No space left on device\n'
        "2026-09-02 08:26:02.318 UTC [1] LOG:  database system is shut down\n"
    )
    return {
        "title": "Connection refused to stock-db: the database itself is crash looping",
        "alert": crash_alert(ns, p, "api", 30),
        "objects": {
            "Pod": [the_pod, db_pod],
            "Event": [backoff(ns, p, "api"), backoff(ns, "stock-db-0", "postgres")],
            "ReplicaSet": rss,
            "Deployment": deps,
            "StatefulSet": [sts],
            "Service": [svc],
        },
        "logs": {(p, "api", True): log, ("stock-db-0", "postgres", True): db_log},
        "expected": {
            "root_cause": {"kind": "dependency_outage", "object": "stock-db"},
            "noise": False,
            "facts": ["Connection refused"],
        },
    }


@bundle3
def notready_liveness_timeout_exit_143() -> dict[str, Any]:
    ns, name, h = "docs", "wiki", "8d7c6b5a4"
    image = "ghcr.io/corp/wiki:3.3.0"
    p, the_pod, deps, rss = crashing_pod(ns, name, h, image, "wiki", code=143, restarts=11)
    probe = 'Liveness probe failed: Get "http://10.42.3.19:8080/healthz": context deadline exceeded (Client.Timeout exceeded while awaiting headers)'
    return {
        "title": "Liveness probe timeouts kill the container (exit 143 after SIGTERM)",
        "alert": am_webhook(
            {"alertname": "KubePodNotReady", "namespace": ns, "pod": p, "severity": "warning"},
            30,
            {"summary": "Pod has been in a non-ready state for more than 15 minutes."},
        ),
        "objects": {
            "Pod": [the_pod],
            "Event": [
                event(ns, "Pod", p, "Unhealthy", probe, 50, 2, count=33),
                event(
                    ns,
                    "Pod",
                    p,
                    "Killing",
                    "Container wiki failed liveness probe, will be restarted",
                    48,
                    2,
                    count=11,
                    type_="Normal",
                ),
                backoff(ns, p, "wiki", 20),
            ],
            "ReplicaSet": rss,
            "Deployment": deps,
        },
        "logs": {
            (
                p,
                "wiki",
                True,
            ): "INFO  wiki - rebuilding search index (42k pages)\nINFO  wiki - SIGTERM received, shutting down\n"
        },
        "expected": {
            "root_cause": {"kind": "probe_failure", "object": name},
            "noise": False,
            "facts": ["context deadline exceeded"],
        },
    }


@bundle3
def init_container_migration_fails() -> dict[str, Any]:
    """Init:CrashLoopBackOff: the schema migration init container fails; the app container never starts."""
    ns, name, h = "accounts", "profile-svc", "7e6d5c4b3"
    image, mig_image = "ghcr.io/corp/profile-svc:6.0.0", "ghcr.io/corp/profile-svc-migrate:6.0.0"
    app_c, init_c = container("app", image), container("migrate", mig_image)
    deps, rss = deploy_family(ns, name, {"app": name}, [app_c], h, replicas=2, ready=1, created_min=30)
    rss[-1]["spec"]["template"]["spec"]["initContainers"] = [init_c]
    p = f"{name}-{h}-m3n4b"
    init_status = cstatus(
        "migrate",
        mig_image,
        waiting("CrashLoopBackOff", f"back-off 2m40s restarting failed container=migrate pod={p}"),
        restarts=6,
        last=terminated(1, "Error", 3, 3),
    )
    app_status = cstatus("app", image, waiting("PodInitializing"))
    the_pod = pod(
        p,
        ns,
        {"app": name, "pod-template-hash": h},
        owner("ReplicaSet", f"{name}-{h}", ns),
        [app_c],
        [app_status],
        phase="Pending",
        created_min=28,
        init_containers=[init_c],
        init_statuses=[init_status],
        conditions=[
            {
                "type": "Initialized",
                "status": "False",
                "reason": "ContainersNotInitialized",
                "message": "containers with incomplete status: [migrate]",
                "lastTransitionTime": ts(28),
            },
            {
                "type": "Ready",
                "status": "False",
                "reason": "ContainersNotReady",
                "message": "containers with unready status: [app]",
                "lastTransitionTime": ts(28),
            },
            {"type": "PodScheduled", "status": "True", "lastTransitionTime": ts(28)},
        ],
    )
    log = (
        "Flyway Community Edition 10.17.0 by Redgate\n"
        "Database: jdbc:postgresql://accounts-pg:5432/profiles (PostgreSQL 15.6)\n"
        "ERROR: Validate failed: Migrations have failed validation\n"
        "Detected applied migration not resolved locally: 6.0.0.3.\n"
    )
    return {
        "title": "Init container: the Flyway migration fails validation, the app never starts",
        "alert": am_webhook(
            {"alertname": "KubePodNotReady", "namespace": ns, "pod": p, "severity": "warning"},
            18,
            {"summary": "Pod has been in a non-ready state for more than 15 minutes."},
        ),
        "objects": {
            "Pod": [the_pod],
            "Event": [backoff(ns, p, "migrate", 14)],
            "ReplicaSet": rss,
            "Deployment": deps,
        },
        "logs": {(p, "migrate", True): log},
        "expected": {
            "root_cause": {"kind": "code_error", "object": name},
            "noise": False,
            "facts": ["Migrations have failed validation"],
        },
    }


@bundle3
def waiting_multi_attach_rwo_volume_rollout() -> dict[str, Any]:
    """A RollingUpdate of a Deployment with a ReadWriteOnce volume: the new pod waits on Multi-Attach."""
    ns, name, new_h, old_h = "monitoring", "grafana", "7b6a5c4d3", "6c5b4a3d2"
    image, old_image = "grafana/grafana:11.2.0", "grafana/grafana:11.1.4"
    c, oc = container("grafana", image), container("grafana", old_image)
    deps, rss = deploy_family(
        ns,
        name,
        {"app": name},
        [c],
        new_h,
        replicas=1,
        ready=0,
        revision=6,
        old=(old_h, [oc], 60 * 24 * 30),
        created_min=20,
    )
    rss[-2]["status"].update(replicas=1, readyReplicas=1, availableReplicas=1)
    p, old_p = f"{name}-{new_h}-k9j8h", f"{name}-{old_h}-d4f5g"
    new_pod = pod(
        p,
        ns,
        {"app": name, "pod-template-hash": new_h},
        owner("ReplicaSet", f"{name}-{new_h}", ns),
        [c],
        [cstatus("grafana", image, waiting("ContainerCreating"))],
        phase="Pending",
        created_min=19,
        node="ip-10-20-7-42.eu-west-1.compute.internal",
    )
    old_pod = pod(
        old_p,
        ns,
        {"app": name, "pod-template-hash": old_h},
        owner("ReplicaSet", f"{name}-{old_h}", ns),
        [oc],
        [cstatus("grafana", old_image, running(60 * 24 * 30), ready=True)],
        ready=True,
        created_min=60 * 24 * 30,
    )
    attach = f'Multi-Attach error for volume "pvc-5e1c9a7b-3f2d-4c8e-9b6a-1d2e3f4a5b6c" Volume is already used by pod(s) {old_p}'
    mount = "Unable to attach or mount volumes: unmounted volumes=[storage], unattached volumes=[storage kube-api-access-8xk2p]: timed out waiting for the condition"
    return {
        "title": "Multi-Attach: the RWO volume is still attached to the old pod's node during a RollingUpdate",
        "alert": am_webhook(
            {
                "alertname": "KubeContainerWaiting",
                "namespace": ns,
                "pod": p,
                "container": "grafana",
                "severity": "warning",
            },
            15,
            {"summary": "Pod container waiting longer than 1 hour"},
        ),
        "objects": {
            "Pod": [new_pod, old_pod],
            "Event": [
                event(
                    ns,
                    "Pod",
                    p,
                    "FailedAttachVolume",
                    attach,
                    19,
                    1,
                    count=1,
                    component="attachdetach-controller",
                ),
                event(ns, "Pod", p, "FailedMount", mount, 17, 1, count=8),
            ],
            "ReplicaSet": rss,
            "Deployment": deps,
        },
        "expected": {
            "root_cause": {"kind": "volume_attach", "object": name},
            "noise": False,
            "facts": ["Multi-Attach error"],
        },
    }


@bundle3
def pending_node_selector_no_match() -> dict[str, Any]:
    ns, name, h = "batch", "nightly-etl", "8e7f6d5c4"
    image = "ghcr.io/corp/etl:2026.09.1"
    c = container("etl", image)
    deps, rss = deploy_family(ns, name, {"app": name}, [c], h, replicas=1, ready=0, created_min=50)
    rss[-1]["spec"]["template"]["spec"]["nodeSelector"] = {"node.kubernetes.io/instance-type": "r6i.4xlarge"}
    p = f"{name}-{h}-c2v3b"
    msg = "0/5 nodes are available: 5 node(s) didn't match Pod's node affinity/selector. preemption: 0/5 nodes are available: 5 Preemption is not helpful for scheduling."
    pending = pod(
        p,
        ns,
        {"app": name, "pod-template-hash": h},
        owner("ReplicaSet", f"{name}-{h}", ns),
        [c],
        [],
        phase="Pending",
        created_min=48,
        node=None,
        conditions=[
            {
                "type": "PodScheduled",
                "status": "False",
                "reason": "Unschedulable",
                "message": msg,
                "lastTransitionTime": ts(48),
            }
        ],
    )
    pending["spec"]["nodeSelector"] = {"node.kubernetes.io/instance-type": "r6i.4xlarge"}
    return {
        "title": "Unschedulable: no node matches the nodeSelector (the instance type was retired)",
        "alert": am_webhook(
            {"alertname": "KubePodNotReady", "namespace": ns, "pod": p, "severity": "warning"},
            30,
            {"summary": "Pod has been in a non-ready state for more than 15 minutes."},
        ),
        "objects": {
            "Pod": [pending],
            "Event": [
                event(ns, "Pod", p, "FailedScheduling", msg, 48, 1, count=12, component="default-scheduler")
            ],
            "ReplicaSet": rss,
            "Deployment": deps,
        },
        "expected": {
            "root_cause": {"kind": "unschedulable", "object": name},
            "noise": False,
            "facts": ["didn't match Pod's node affinity/selector"],
        },
    }


@bundle3
def pending_volume_node_affinity_conflict() -> dict[str, Any]:
    ns, name = "data", "kafka"
    image = "docker.io/bitnami/kafka:3.7.1"
    labels = {"app.kubernetes.io/name": name}
    c = container("kafka", image, mem="4Gi", cpu="1")
    p = "kafka-2"
    msg = "0/6 nodes are available: 3 node(s) had volume node affinity conflict, 3 node(s) didn't match Pod's node affinity/selector. preemption: 0/6 nodes are available: 6 Preemption is not helpful for scheduling."
    pending = pod(
        p,
        ns,
        labels,
        owner("StatefulSet", name, ns),
        [c],
        [],
        phase="Pending",
        created_min=35,
        node=None,
        conditions=[
            {
                "type": "PodScheduled",
                "status": "False",
                "reason": "Unschedulable",
                "message": msg,
                "lastTransitionTime": ts(35),
            }
        ],
    )
    sts = {
        "metadata": {"name": name, "namespace": ns, "uid": "sts-kafka", "generation": 7, "labels": labels},
        "spec": {
            "replicas": 3,
            "serviceName": "kafka-headless",
            "selector": {"matchLabels": labels},
            "template": {"metadata": {"labels": labels}, "spec": {"containers": [c]}},
        },
        "status": {
            "replicas": 3,
            "readyReplicas": 2,
            "currentReplicas": 3,
            "updatedReplicas": 3,
            "observedGeneration": 7,
        },
    }
    return {
        "title": "StatefulSet pod pending: its zonal volume's zone has no schedulable node left",
        "alert": am_webhook(
            {
                "alertname": "KubeStatefulSetReplicasMismatch",
                "namespace": ns,
                "statefulset": name,
                "severity": "warning",
            },
            20,
            {"summary": "StatefulSet has not matched the expected number of replicas."},
        ),
        "objects": {
            "Pod": [pending],
            "Event": [
                event(ns, "Pod", p, "FailedScheduling", msg, 35, 1, count=10, component="default-scheduler")
            ],
            "StatefulSet": [sts],
        },
        "expected": {
            "root_cause": {"kind": "unschedulable", "object": name},
            "noise": False,
            "facts": ["volume node affinity conflict"],
        },
    }

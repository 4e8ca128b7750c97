"""The held-out case bundles (``tests/k8s/heldout/``): written by hand from documented Kubernetes
failure shapes, *before* the investigators were generalised, and never tuned on afterwards.

They differ from the catalogue on purpose: other namespaces and names, other container reasons
(CreateContainerConfigError on a secret key, StartError / exec format error, exit code 0,
DeadlineExceeded, liveness kills with exit 137), init containers, quota rejections that live only
on the ReplicaSet, pods that are gone, terminating pods in a normal rollout, alert names that are
not kube-prometheus-stack's and a Grafana-managed alert. The objects are raw API JSON written here,
not produced by ``autoheal.k8s.apiobjects``.

Run ``.venv/bin/python -m tests.k8s.heldout_book`` to (re)write them; ``autoheal bench k8s --cases
tests/k8s/heldout`` scores them.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent / "heldout"
ROOT2 = Path(__file__).resolve().parent / "heldout-2"  # the second set, written after the first was used
ROOT3 = Path(__file__).resolve().parent / "heldout-3"  # the third set (issue 19's 60 new bundles)
ROOT4 = (
    Path(__file__).resolve().parent / "heldout-4"
)  # written after generalising on the third, measured once
NOW = datetime(2026, 9, 2, 8, 30, tzinfo=UTC)
BUNDLES: dict[str, Callable[[], dict[str, Any]]] = {}
BUNDLES2: dict[str, Callable[[], dict[str, Any]]] = {}
BUNDLES3: dict[str, Callable[[], dict[str, Any]]] = {}
BUNDLES4: dict[str, Callable[[], dict[str, Any]]] = {}


def bundle(fn: Callable[[], dict[str, Any]]) -> Callable[[], dict[str, Any]]:
    BUNDLES[fn.__name__.replace("_", "-")] = fn
    return fn


def bundle2(fn: Callable[[], dict[str, Any]]) -> Callable[[], dict[str, Any]]:
    BUNDLES2[fn.__name__.replace("_", "-")] = fn
    return fn


def bundle3(fn: Callable[[], dict[str, Any]]) -> Callable[[], dict[str, Any]]:
    BUNDLES3[fn.__name__.replace("_", "-")] = fn
    return fn


def bundle4(fn: Callable[[], dict[str, Any]]) -> Callable[[], dict[str, Any]]:
    BUNDLES4[fn.__name__.replace("_", "-")] = fn
    return fn


def ts(minutes_before: float) -> str:
    return (NOW - timedelta(minutes=minutes_before)).strftime("%Y-%m-%dT%H:%M:%SZ")


def uid(*parts: str) -> str:
    h = hashlib.md5("/".join(parts).encode()).hexdigest()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"


def am_webhook(labels: dict[str, str], starts_min: float, annotations: dict[str, str]) -> dict[str, Any]:
    fp = hashlib.sha1(json.dumps(labels, sort_keys=True).encode()).hexdigest()[:16]
    return {
        "receiver": "team-pager",
        "status": "firing",
        "alerts": [
            {
                "status": "firing",
                "labels": labels,
                "annotations": annotations,
                "startsAt": ts(starts_min),
                "endsAt": "0001-01-01T00:00:00Z",
                "generatorURL": "http://prometheus.obs.svc:9090/graph?g0.expr=...",
                "fingerprint": fp,
            }
        ],
        "groupLabels": {"alertname": labels["alertname"]},
        "commonLabels": labels,
        "commonAnnotations": annotations,
        "externalURL": "http://alertmanager.obs.svc:9093",
        "version": "4",
        "groupKey": '{}:{alertname="' + labels["alertname"] + '"}',
        "truncatedAlerts": 0,
    }


def owner(kind: str, name: str, ns: str) -> list[dict[str, Any]]:
    api = {
        "ReplicaSet": "apps/v1",
        "StatefulSet": "apps/v1",
        "DaemonSet": "apps/v1",
        "Job": "batch/v1",
        "Deployment": "apps/v1",
    }[kind]
    return [
        {
            "apiVersion": api,
            "kind": kind,
            "name": name,
            "uid": uid(ns, kind, name),
            "controller": True,
            "blockOwnerDeletion": True,
        }
    ]


def container(
    name: str, image: str, *, mem: str = "256Mi", cpu: str = "250m", **extra: Any
) -> dict[str, Any]:
    return {
        "name": name,
        "image": image,
        "imagePullPolicy": "IfNotPresent",
        "resources": {"limits": {"memory": mem}, "requests": {"cpu": cpu, "memory": mem}},
        "terminationMessagePath": "/dev/termination-log",
        "terminationMessagePolicy": "File",
        **extra,
    }


def pod(
    name: str,
    ns: str,
    labels: dict[str, str],
    owners: list[dict[str, Any]],
    containers: list[dict[str, Any]],
    statuses: list[dict[str, Any]],
    *,
    phase: str = "Running",
    ready: bool = False,
    created_min: float = 60,
    node: str | None = "ip-10-20-3-17.eu-west-1.compute.internal",
    init_containers: list[dict[str, Any]] | None = None,
    init_statuses: list[dict[str, Any]] | None = None,
    conditions: list[dict[str, Any]] | None = None,
    deletion_min: float | None = None,
) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "name": name,
        "namespace": ns,
        "uid": uid(ns, "Pod", name),
        "resourceVersion": "913377",
        "creationTimestamp": ts(created_min),
        "labels": labels,
        "ownerReferences": owners,
    }
    if deletion_min is not None:
        meta["deletionTimestamp"] = ts(deletion_min)
        meta["deletionGracePeriodSeconds"] = 30
    spec: dict[str, Any] = {
        "containers": containers,
        "restartPolicy": "Always",
        "serviceAccountName": "default",
        "terminationGracePeriodSeconds": 30,
        "dnsPolicy": "ClusterFirst",
    }
    if node:
        spec["nodeName"] = node
    if init_containers:
        spec["initContainers"] = init_containers
    status: dict[str, Any] = {
        "phase": phase,
        "qosClass": "Guaranteed",
        "conditions": conditions
        or [
            {"type": "Initialized", "status": "True", "lastTransitionTime": ts(created_min)},
            {
                "type": "Ready",
                "status": "True" if ready else "False",
                "lastTransitionTime": ts(created_min - 1),
                **({} if ready else {"reason": "ContainersNotReady"}),
            },
            {
                "type": "ContainersReady",
                "status": "True" if ready else "False",
                "lastTransitionTime": ts(created_min - 1),
            },
            {"type": "PodScheduled", "status": "True", "lastTransitionTime": ts(created_min)},
        ],
    }
    if node:
        status.update(hostIP="10.20.3.17", podIP="10.42.7.201", startTime=ts(created_min))
    if statuses:
        status["containerStatuses"] = statuses
    if init_statuses:
        status["initContainerStatuses"] = init_statuses
    return {"metadata": meta, "spec": spec, "status": status}


def cstatus(
    name: str,
    image: str,
    state: dict[str, Any],
    *,
    ready: bool = False,
    restarts: int = 0,
    last: dict[str, Any] | None = None,
) -> dict[str, Any]:
    out = {
        "name": name,
        "image": image,
        "imageID": f"{image.split(':')[0]}@sha256:{hashlib.sha256(image.encode()).hexdigest()}",
        "ready": ready,
        "started": "running" in state,
        "restartCount": restarts,
        "state": state,
        "lastState": last or {},
    }
    if "running" in state or "terminated" in state:
        out["containerID"] = "containerd://" + hashlib.sha256(name.encode()).hexdigest()
    return out


def running(since_min: float) -> dict[str, Any]:
    return {"running": {"startedAt": ts(since_min)}}


def waiting(reason: str, message: str | None = None) -> dict[str, Any]:
    return {"waiting": {"reason": reason, **({"message": message} if message else {})}}


def terminated(
    code: int, reason: str, start_min: float, end_min: float, message: str | None = None
) -> dict[str, Any]:
    t = {"exitCode": code, "reason": reason, "startedAt": ts(start_min), "finishedAt": ts(end_min)}
    if message:
        t["message"] = message
    return {"terminated": t}


def event(
    ns: str,
    kind: str,
    name: str,
    reason: str,
    message: str,
    first_min: float,
    last_min: float,
    *,
    count: int = 1,
    type_: str = "Warning",
    component: str = "kubelet",
) -> dict[str, Any]:
    return {
        "metadata": {
            "name": f"{name}.{hashlib.md5((reason + message).encode()).hexdigest()[:16]}",
            "namespace": ns,
            "uid": uid(ns, "Event", name, reason),
            "creationTimestamp": ts(first_min),
        },
        "involvedObject": {
            "kind": kind,
            "namespace": ns,
            "name": name,
            "uid": uid(ns, kind, name),
            "apiVersion": "v1" if kind in ("Pod", "PersistentVolumeClaim", "Node") else "apps/v1",
        },
        "reason": reason,
        "message": message,
        "source": {"component": component},
        "firstTimestamp": ts(first_min),
        "lastTimestamp": ts(last_min),
        "count": count,
        "type": type_,
        "reportingComponent": component,
    }


def template(labels: dict[str, str], containers: list[dict[str, Any]], **spec: Any) -> dict[str, Any]:
    return {"metadata": {"labels": labels}, "spec": {"containers": containers, **spec}}


def deployment(
    name: str,
    ns: str,
    labels: dict[str, str],
    tmpl: dict[str, Any],
    *,
    replicas: int,
    ready: int,
    updated: int | None = None,
    revision: int = 1,
    conditions: list[dict[str, Any]] | None = None,
    created_min: float = 60 * 24 * 30,
) -> dict[str, Any]:
    return {
        "metadata": {
            "name": name,
            "namespace": ns,
            "uid": uid(ns, "Deployment", name),
            "generation": revision,
            "creationTimestamp": ts(created_min),
            "labels": labels,
            "annotations": {"deployment.kubernetes.io/revision": str(revision)},
        },
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": tmpl,
            "strategy": {
                "type": "RollingUpdate",
                "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"},
            },
            "progressDeadlineSeconds": 600,
            "revisionHistoryLimit": 10,
        },
        "status": {
            "observedGeneration": revision,
            "replicas": replicas,
            "updatedReplicas": replicas if updated is None else updated,
            "readyReplicas": ready,
            "availableReplicas": ready,
            **({"unavailableReplicas": replicas - ready} if ready < replicas else {}),
            "conditions": conditions or [],
        },
    }


def replicaset(
    name: str,
    ns: str,
    deploy: str,
    labels: dict[str, str],
    tmpl: dict[str, Any],
    *,
    revision: int,
    replicas: int,
    ready: int,
    created_min: float,
    conditions: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    h = name.rsplit("-", 1)[1]
    return {
        "metadata": {
            "name": name,
            "namespace": ns,
            "uid": uid(ns, "ReplicaSet", name),
            "creationTimestamp": ts(created_min),
            "labels": {**labels, "pod-template-hash": h},
            "annotations": {"deployment.kubernetes.io/revision": str(revision)},
            "ownerReferences": owner("Deployment", deploy, ns),
        },
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {**labels, "pod-template-hash": h}},
            "template": {**tmpl, "metadata": {"labels": {**labels, "pod-template-hash": h}}},
        },
        "status": {
            "replicas": replicas if conditions is None else 0,
            "readyReplicas": ready,
            "availableReplicas": ready,
            "observedGeneration": 1,
            **({"conditions": conditions} if conditions else {}),
        },
    }


def cond(type_: str, status: str, reason: str, message: str, minutes: float) -> dict[str, Any]:
    return {
        "type": type_,
        "status": status,
        "reason": reason,
        "message": message,
        "lastUpdateTime": ts(minutes),
        "lastTransitionTime": ts(minutes),
    }


def kube_list(kind: str, items: list[dict[str, Any]]) -> dict[str, Any]:
    api = {
        "Pod": "v1",
        "Event": "v1",
        "PersistentVolumeClaim": "v1",
        "Node": "v1",
        "Service": "v1",
        "ReplicaSet": "apps/v1",
        "Deployment": "apps/v1",
        "StatefulSet": "apps/v1",
        "DaemonSet": "apps/v1",
        "Job": "batch/v1",
    }[kind]
    return {
        "apiVersion": api,
        "kind": f"{kind}List",
        "metadata": {"resourceVersion": "913400"},
        "items": items,
    }


def deploy_family(
    ns: str,
    name: str,
    labels: dict[str, str],
    containers: list[dict[str, Any]],
    h: str,
    *,
    replicas: int,
    ready: int,
    revision: int = 1,
    conditions: list[dict[str, Any]] | None = None,
    rs_conditions: list[dict[str, Any]] | None = None,
    created_min: float = 90,
    old: tuple[str, list[dict[str, Any]], float] | None = None,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """A Deployment and its ReplicaSet (plus, with ``old``, the scaled-down previous one)."""
    tmpl = template(labels, containers)
    rss = [
        replicaset(
            f"{name}-{h}",
            ns,
            name,
            labels,
            tmpl,
            revision=revision,
            replicas=replicas,
            ready=ready,
            created_min=created_min,
            conditions=rs_conditions,
        )
    ]
    if old is not None:
        oh, ocontainers, ocreated = old
        rss.insert(
            0,
            replicaset(
                f"{name}-{oh}",
                ns,
                name,
                labels,
                template(labels, ocontainers),
                revision=revision - 1,
                replicas=0,
                ready=0,
                created_min=ocreated,
            ),
        )
    dep = deployment(
        name, ns, labels, tmpl, replicas=replicas, ready=ready, revision=revision, conditions=conditions
    )
    return [dep], rss


def write(name: str, spec: dict[str, Any], root: Path = ROOT) -> None:
    path = root / name
    if path.exists():
        shutil.rmtree(path)
    (path / "kubernetes").mkdir(parents=True)
    manifest = {
        "format": "autoheal.case/v1",
        "title": spec["title"],
        "now": NOW.isoformat(),
        "alert_source": spec.get("source", "alertmanager"),
    }
    if spec.get("family"):
        manifest["family"] = spec["family"]
    (path / "bundle.yaml").write_text(yaml.safe_dump(manifest, sort_keys=False))
    (path / "alert.json").write_text(json.dumps(spec["alert"], indent=1))
    for kind, items in spec["objects"].items():
        (path / "kubernetes" / f"{kind.lower()}s.json").write_text(
            json.dumps(kube_list(kind, items), indent=1)
        )
    for (pod_name, cname, previous), text in spec.get("logs", {}).items():
        (path / "logs" / pod_name).mkdir(parents=True, exist_ok=True)
        (path / "logs" / pod_name / f"{cname}{'.previous' if previous else ''}.log").write_text(text)
    (path / "expected.yaml").write_text(yaml.safe_dump(spec["expected"], sort_keys=False))


def main() -> None:
    from tests.k8s import (
        heldout2_cases,  # noqa: F401  (registers the second set)
        heldout3_pods,  # noqa: F401  (registers the third set)
        heldout3_workloads,  # noqa: F401
        heldout4_cases,  # noqa: F401  (registers the fourth set)
        heldout_cases,  # noqa: F401  (registers the bundles)
    )
    from tests.k8s import heldout_book as book  # the registry the case module fills

    for name, fn in sorted(book.BUNDLES.items()):
        book.write(name, fn())
    for name, fn in sorted(book.BUNDLES2.items()):
        book.write(name, fn(), ROOT2)
    for name, fn in sorted(book.BUNDLES3.items()):
        book.write(name, fn(), ROOT3)
    for name, fn in sorted(book.BUNDLES4.items()):
        book.write(name, fn(), ROOT4)
    counts = [len(b) for b in (book.BUNDLES, book.BUNDLES2, book.BUNDLES3, book.BUNDLES4)]
    print(f"wrote {' + '.join(map(str, counts))} held-out bundles under {ROOT.parent}/heldout*")


if __name__ == "__main__":
    main()

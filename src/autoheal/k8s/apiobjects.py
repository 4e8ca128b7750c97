"""Builders of Kubernetes API objects in the exact JSON shapes the API returns.

Used by the simulator (``autoheal.k8s.simulated``) and to author catalogue cases. Every builder
returns plain dicts with camelCase keys (``status.containerStatuses[].lastState.terminated``,
``involvedObject``, ``ownerReferences``...) that the official client deserialises.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any


def ts(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


def uid(*parts: str) -> str:
    h = hashlib.sha1("/".join(parts).encode()).hexdigest()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"


def meta(
    kind: str,
    name: str,
    namespace: str | None,
    created: datetime,
    *,
    labels: Mapping[str, str] | None = None,
    annotations: Mapping[str, str] | None = None,
    owner: tuple[str, str] | None = None,
) -> dict[str, Any]:
    m: dict[str, Any] = {
        "name": name,
        "uid": uid(kind, namespace or "", name),
        "resourceVersion": str(int(created.timestamp()) % 10_000_000),
        "creationTimestamp": ts(created),
    }
    if namespace:
        m["namespace"] = namespace
    if labels:
        m["labels"] = dict(labels)
    if annotations:
        m["annotations"] = dict(annotations)
    if owner:
        api = {"ReplicaSet": "apps/v1", "Deployment": "apps/v1", "StatefulSet": "apps/v1", "Job": "batch/v1"}
        m["ownerReferences"] = [
            {
                "apiVersion": api.get(owner[0], "apps/v1"),
                "kind": owner[0],
                "name": owner[1],
                "uid": uid(owner[0], namespace or "", owner[1]),
                "controller": True,
                "blockOwnerDeletion": True,
            }
        ]
    return m


def container(
    name: str,
    image: str,
    *,
    requests: Mapping[str, str] | None = None,
    limits: Mapping[str, str] | None = None,
    env: Mapping[str, str] | None = None,
    env_from: Sequence[tuple[str, str]] = (),
    readiness: Mapping[str, Any] | None = None,
    liveness: Mapping[str, Any] | None = None,
    command: Sequence[str] | None = None,
    port: int = 8080,
) -> dict[str, Any]:
    c: dict[str, Any] = {
        "name": name,
        "image": image,
        "ports": [{"name": "http", "containerPort": port, "protocol": "TCP"}],
        "resources": {},
        "terminationMessagePath": "/dev/termination-log",
        "terminationMessagePolicy": "File",
        "imagePullPolicy": "IfNotPresent",
    }
    if requests:
        c["resources"]["requests"] = dict(requests)
    if limits:
        c["resources"]["limits"] = dict(limits)
    if env:
        c["env"] = [{"name": k, "value": v} for k, v in env.items()]
    if env_from:
        c["envFrom"] = [
            {"configMapRef": {"name": n}} if kind == "configmap" else {"secretRef": {"name": n}}
            for kind, n in env_from
        ]
    if readiness:
        c["readinessProbe"] = dict(readiness)
    if liveness:
        c["livenessProbe"] = dict(liveness)
    if command:
        c["command"] = list(command)
    return c


def http_probe(path: str, port: int = 8080) -> dict[str, Any]:
    return {
        "httpGet": {"path": path, "port": port, "scheme": "HTTP"},
        "periodSeconds": 10,
        "timeoutSeconds": 1,
        "successThreshold": 1,
        "failureThreshold": 3,
    }


def template(
    labels: Mapping[str, str],
    containers: Sequence[Mapping[str, Any]],
    volumes: Sequence[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "containers": [dict(c) for c in containers],
        "restartPolicy": "Always",
        "terminationGracePeriodSeconds": 30,
        "dnsPolicy": "ClusterFirst",
        "schedulerName": "default-scheduler",
    }
    if volumes:
        spec["volumes"] = [dict(v) for v in volumes]
    return {"metadata": {"labels": dict(labels)}, "spec": spec}


def running(started: datetime) -> dict[str, Any]:
    return {"running": {"startedAt": ts(started)}}


def waiting(reason: str, message: str = "") -> dict[str, Any]:
    w: dict[str, Any] = {"reason": reason}
    if message:
        w["message"] = message
    return {"waiting": w}


def terminated(exit_code: int, reason: str, started: datetime, finished: datetime) -> dict[str, Any]:
    return {
        "terminated": {
            "exitCode": exit_code,
            "reason": reason,
            "startedAt": ts(started),
            "finishedAt": ts(finished),
            "containerID": "containerd://" + uid("c", ts(started))[:32].replace("-", ""),
        }
    }


def container_status(
    name: str,
    image: str,
    state: Mapping[str, Any],
    *,
    ready: bool = False,
    restarts: int = 0,
    last_state: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "name": name,
        "image": image,
        "imageID": ""
        if "waiting" in state and not restarts
        else f"{image.split(':')[0]}@sha256:{uid(image)[:32]}",
        "ready": ready,
        "started": "running" in state,
        "restartCount": restarts,
        "state": dict(state),
        "lastState": dict(last_state or {}),
    }


def pod(
    name: str,
    namespace: str,
    created: datetime,
    tmpl: Mapping[str, Any],
    statuses: Sequence[Mapping[str, Any]],
    *,
    node: str | None = "worker-1",
    owner: tuple[str, str] | None = None,
    phase: str = "Running",
    ip: str = "10.244.1.10",
    scheduled: bool = True,
    extra_labels: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    labels = {**tmpl["metadata"]["labels"], **(extra_labels or {})}
    spec = dict(tmpl["spec"])
    if node and scheduled:
        spec["nodeName"] = node
    ready = bool(statuses) and all(s["ready"] for s in statuses)
    conditions = [
        {
            "type": "PodScheduled",
            "status": "True" if scheduled else "False",
            "lastTransitionTime": ts(created),
        }
    ]
    if not scheduled:
        conditions[0].update({"reason": "Unschedulable", "message": "see events"})
    else:
        conditions += [
            {"type": "Initialized", "status": "True", "lastTransitionTime": ts(created)},
            {"type": "ContainersReady", "status": str(ready), "lastTransitionTime": ts(created)},
            {"type": "Ready", "status": str(ready), "lastTransitionTime": ts(created)},
        ]
    status: dict[str, Any] = {"phase": phase, "conditions": conditions, "qosClass": "Burstable"}
    if scheduled:
        status.update({"hostIP": "10.0.0.11", "podIP": ip, "startTime": ts(created)})
        status["containerStatuses"] = [dict(s) for s in statuses]
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": meta("Pod", name, namespace, created, labels=labels, owner=owner),
        "spec": spec,
        "status": status,
    }


def event(
    namespace: str,
    kind: str,
    name: str,
    reason: str,
    message: str,
    first: datetime,
    last: datetime,
    *,
    count: int = 1,
    type_: str = "Warning",
    component: str = "kubelet",
) -> dict[str, Any]:
    ev_name = f"{name}.{uid(reason, ts(first))[:16].replace('-', '')}"
    return {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": meta("Event", ev_name, namespace, first),
        "involvedObject": {
            "apiVersion": "apps/v1" if kind in ("Deployment", "ReplicaSet", "StatefulSet") else "v1",
            "kind": kind,
            "name": name,
            "namespace": namespace,
            "uid": uid(kind, namespace, name),
        },
        "reason": reason,
        "message": message,
        "source": {"component": component},
        "firstTimestamp": ts(first),
        "lastTimestamp": ts(last),
        "count": count,
        "type": type_,
        "reportingComponent": component,
        "reportingInstance": "",
    }


def replicaset(
    name: str,
    namespace: str,
    deployment: str,
    revision: int,
    tmpl: Mapping[str, Any],
    created: datetime,
    *,
    replicas: int,
    ready: int,
    change_cause: str | None = None,
) -> dict[str, Any]:
    annotations = {"deployment.kubernetes.io/revision": str(revision)}
    if change_cause:
        annotations["kubernetes.io/change-cause"] = change_cause
    hash_ = name.rsplit("-", 1)[-1]
    labels = {**tmpl["metadata"]["labels"], "pod-template-hash": hash_}
    return {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": meta(
            "ReplicaSet",
            name,
            namespace,
            created,
            labels=labels,
            annotations=annotations,
            owner=("Deployment", deployment),
        ),
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": dict(labels)},
            "template": {"metadata": {"labels": labels}, "spec": tmpl["spec"]},
        },
        "status": {
            "replicas": replicas,
            "readyReplicas": ready,
            "availableReplicas": ready,
            "observedGeneration": revision,
        },
    }


def deployment(
    name: str,
    namespace: str,
    tmpl: Mapping[str, Any],
    created: datetime,
    *,
    replicas: int,
    ready: int,
    updated: int | None = None,
    revision: int = 1,
    progressing: tuple[str, str, str] = ("True", "NewReplicaSetAvailable", "has successfully progressed."),
    changed: datetime | None = None,
) -> dict[str, Any]:
    changed = changed or created
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": meta(
            "Deployment",
            name,
            namespace,
            created,
            labels=tmpl["metadata"]["labels"],
            annotations={"deployment.kubernetes.io/revision": str(revision)},
        ),
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": dict(tmpl["metadata"]["labels"])},
            "template": dict(tmpl),
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
            "unavailableReplicas": max(replicas - ready, 0),
            "conditions": [
                {
                    "type": "Available",
                    "status": "True" if ready >= replicas else "False",
                    "reason": "MinimumReplicasAvailable"
                    if ready >= replicas
                    else "MinimumReplicasUnavailable",
                    "message": "Deployment has minimum availability.",
                    "lastUpdateTime": ts(changed),
                    "lastTransitionTime": ts(changed),
                },
                {
                    "type": "Progressing",
                    "status": progressing[0],
                    "reason": progressing[1],
                    "message": f'ReplicaSet "{name}" {progressing[2]}',
                    "lastUpdateTime": ts(changed),
                    "lastTransitionTime": ts(changed),
                },
            ],
        },
    }


def service(
    name: str, namespace: str, selector: Mapping[str, str], port: int, created: datetime
) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": meta("Service", name, namespace, created, labels=selector),
        "spec": {
            "selector": dict(selector),
            "ports": [{"name": "main", "port": port, "targetPort": port, "protocol": "TCP"}],
            "type": "ClusterIP",
            "clusterIP": "10.96.0." + str(sum(map(ord, name)) % 250),
        },
        "status": {"loadBalancer": {}},
    }


def node(
    name: str,
    created: datetime,
    *,
    allocatable: Mapping[str, str],
    ready: tuple[str, str, str] = ("True", "KubeletReady", "kubelet is posting ready status"),
    pressure: Mapping[str, tuple[str, str, str]] | None = None,
    heartbeat: datetime | None = None,
    taints: Sequence[Mapping[str, str]] = (),
    address: str | None = None,
) -> dict[str, Any]:
    hb = ts(heartbeat or created)
    conditions = []
    defaults = {
        "MemoryPressure": ("False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
        "DiskPressure": ("False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
        "PIDPressure": ("False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
    }
    for ctype, (status, reason, message) in {**defaults, **(pressure or {})}.items():
        conditions.append(
            {
                "type": ctype,
                "status": status,
                "reason": reason,
                "message": message,
                "lastHeartbeatTime": hb,
                "lastTransitionTime": ts(created),
            }
        )
    conditions.append(
        {
            "type": "Ready",
            "status": ready[0],
            "reason": ready[1],
            "message": ready[2],
            "lastHeartbeatTime": hb,
            "lastTransitionTime": hb,
        }
    )
    spec: dict[str, Any] = {"podCIDR": "10.244.1.0/24"}
    if taints:
        spec["taints"] = [dict(t) for t in taints]
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": meta("Node", name, None, created, labels={"kubernetes.io/hostname": name}),
        "spec": spec,
        "status": {
            "capacity": dict(allocatable),
            "allocatable": dict(allocatable),
            "conditions": conditions,
            "addresses": [
                {"type": "InternalIP", "address": address or "10.0.0." + str(sum(map(ord, name)) % 250)},
                {"type": "Hostname", "address": name},
            ],
            "nodeInfo": {
                "kubeletVersion": "v1.29.4",
                "containerRuntimeVersion": "containerd://1.7.13",
                "osImage": "Ubuntu 22.04.4 LTS",
                "kernelVersion": "5.15.0-105-generic",
                "architecture": "amd64",
                "operatingSystem": "linux",
                "machineID": uid(name)[:32],
                "systemUUID": uid("sys", name),
                "bootID": uid("boot", name),
                "kubeProxyVersion": "v1.29.4",
            },
        },
    }


def hpa(
    name: str,
    namespace: str,
    target: str,
    created: datetime,
    *,
    min_replicas: int,
    max_replicas: int,
    current: int,
    desired: int,
    cpu_target: int,
    cpu_current: int,
    scaled_at: datetime,
) -> dict[str, Any]:
    """An autoscaling/v2 HorizontalPodAutoscaler on CPU utilization."""
    limited = desired >= max_replicas
    return {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": meta("HorizontalPodAutoscaler", name, namespace, created),
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": target},
            "minReplicas": min_replicas,
            "maxReplicas": max_replicas,
            "metrics": [
                {
                    "type": "Resource",
                    "resource": {
                        "name": "cpu",
                        "target": {"type": "Utilization", "averageUtilization": cpu_target},
                    },
                }
            ],
        },
        "status": {
            "currentReplicas": current,
            "desiredReplicas": desired,
            "lastScaleTime": ts(scaled_at),
            "currentMetrics": [
                {
                    "type": "Resource",
                    "resource": {"name": "cpu", "current": {"averageUtilization": cpu_current}},
                }
            ],
            "conditions": [
                {
                    "type": "AbleToScale",
                    "status": "True",
                    "reason": "ReadyForNewScale",
                    "message": "recommended size matches current size",
                    "lastTransitionTime": ts(scaled_at),
                },
                {
                    "type": "ScalingLimited",
                    "status": "True" if limited else "False",
                    "reason": "TooManyReplicas" if limited else "DesiredWithinRange",
                    "message": "the desired replica count is more than the maximum replica count"
                    if limited
                    else "the desired count is within the acceptable range",
                    "lastTransitionTime": ts(scaled_at),
                },
            ],
        },
    }


def pvc(
    name: str,
    namespace: str,
    created: datetime,
    *,
    storage: str,
    storage_class: str = "standard-rwo",
    phase: str = "Bound",
    labels: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """A PersistentVolumeClaim (Bound ones carry their volume name and capacity)."""
    status: dict[str, Any] = {"phase": phase}
    spec: dict[str, Any] = {
        "accessModes": ["ReadWriteOnce"],
        "resources": {"requests": {"storage": storage}},
        "storageClassName": storage_class,
        "volumeMode": "Filesystem",
    }
    if phase == "Bound":
        spec["volumeName"] = "pvc-" + uid("pv", namespace, name)
        status.update({"accessModes": ["ReadWriteOnce"], "capacity": {"storage": storage}})
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": meta("PersistentVolumeClaim", name, namespace, created, labels=labels),
        "spec": spec,
        "status": status,
    }

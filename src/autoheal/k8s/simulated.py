"""Simulated cluster state for the faults that have a Kubernetes face.

Given a fault kind, a service, a namespace, the fault's start, the investigation time and a seed,
:func:`simulate` produces what the Kubernetes API would hold - deployments, replica sets, pods with
their container states, events, nodes, PVCs - and the containers' logs, in the exact API shapes
(built with :mod:`autoheal.k8s.apiobjects`), plus the Prometheus series the investigators read and
the alert kube-prometheus-stack would send. The state is served by the same
:class:`~autoheal.k8s.recorded.RecordedBackend` as the case catalogue, so the ``kubernetes.*``
tools answer on simulated production exactly as they do on a real cluster.

Faults (:class:`K8sFault`) and the simulator's fault kinds they give a Kubernetes face to
(:data:`FROM_SIM_FAULT`): ``oom`` (memory_leak), ``bad_config_rollout`` (config_change,
bad_deploy), ``image_pull``, ``unschedulable``, ``node_pressure``, ``volume_full`` (disk_full).
The same seed gives the same cluster; names, sizes and counts vary with it.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from autoheal.domain.alerts import Alert
from autoheal.k8s import apiobjects as k
from autoheal.k8s.catalogue import alerts_from_webhook
from autoheal.k8s.metrics import RecordedPrometheus, RecordedRules
from autoheal.k8s.recorded import RecordedBackend
from autoheal.tools.kubernetes import kubernetes_tools


class K8sFault(StrEnum):
    OOM = "oom"
    BAD_CONFIG_ROLLOUT = "bad_config_rollout"
    IMAGE_PULL = "image_pull"
    UNSCHEDULABLE = "unschedulable"
    NODE_PRESSURE = "node_pressure"
    VOLUME_FULL = "volume_full"


FROM_SIM_FAULT: dict[str, K8sFault] = {
    "memory_leak": K8sFault.OOM,
    "config_change": K8sFault.BAD_CONFIG_ROLLOUT,
    "bad_deploy": K8sFault.BAD_CONFIG_ROLLOUT,
    "disk_full": K8sFault.VOLUME_FULL,
}

GI = 1024.0**3


@dataclass(slots=True)
class SimulatedCluster:
    backend: RecordedBackend
    alerts: list[Alert]
    metrics: list[dict[str, Any]] = field(default_factory=list)
    truth: dict[str, str] = field(default_factory=dict)  # kind and object: for tests, never for investigators
    observed_at: datetime | None = None  # the time the state shows (investigate at or after it)

    def tools(self) -> list[Any]:
        """The read-only Kubernetes tools and the recorded Prometheus reads over this cluster."""
        return [*kubernetes_tools(self.backend), RecordedPrometheus(self.metrics), RecordedRules([])]


class _Sim:
    def __init__(self, service: str, namespace: str, start: datetime, now: datetime, seed: int) -> None:
        self.rng = random.Random(f"{seed}/{service}/{namespace}")
        self.service, self.ns, self.start, self.now = service, namespace, start, now
        self.objects: list[dict[str, Any]] = []
        self.logs: dict[tuple[str, str, bool], str] = {}
        self.metrics: list[dict[str, Any]] = []
        self.node = f"worker-{self.rng.randint(1, 9)}"
        self.registry = self.rng.choice(["registry.corp.example", "ghcr.io/acme", "quay.io/shopco"])
        major, minor = self.rng.randint(1, 9), self.rng.randint(0, 30)
        self.old_version, self.new_version = (
            f"{major}.{minor}.{self.rng.randint(0, 9)}",
            f"{major}.{minor + 1}.0",
        )

    def hash(self, *parts: str) -> str:
        return hashlib.sha1("/".join((self.service, *parts)).encode()).hexdigest()[:9]

    def suffix(self) -> str:
        return "".join(self.rng.choice("bcdfghjklmnpqrstvwxz2456789") for _ in range(5))

    def image(self, version: str) -> str:
        return f"{self.registry}/{self.service}:{version}"

    def deployment(
        self, templates: list[tuple[dict[str, Any], datetime]], *, replicas: int, ready: int
    ) -> list[str]:
        """A deployment with one replica set per template; returns the replica set names."""
        names = []
        for i, (tmpl, created) in enumerate(templates, start=1):
            rs = f"{self.service}-{self.hash(str(i))}"
            names.append(rs)
            last = i == len(templates)
            self.objects.append(
                k.replicaset(
                    rs,
                    self.ns,
                    self.service,
                    i,
                    tmpl,
                    created,
                    replicas=replicas if last else 0,
                    ready=ready if last else 0,
                )
            )
        self.objects.append(
            k.deployment(
                self.service,
                self.ns,
                templates[-1][0],
                templates[0][1],
                replicas=replicas,
                ready=ready,
                revision=len(templates),
                changed=templates[-1][1],
            )
        )
        return names

    def pod(self, rs: str, tmpl: dict[str, Any], statuses: list[dict[str, Any]], **kw: Any) -> str:
        name = f"{rs}-{self.suffix()}"
        kw.setdefault("node", self.node)
        p = k.pod(
            name,
            self.ns,
            kw.pop("created", self.start),
            tmpl,
            statuses,
            owner=("ReplicaSet", rs),
            ip=f"10.244.{self.rng.randint(1, 9)}.{self.rng.randint(2, 250)}",
            **kw,
        )
        p["metadata"]["labels"]["pod-template-hash"] = rs.rsplit("-", 1)[-1]
        self.objects.append(p)
        return name

    def healthy(self, rs: str, tmpl: dict[str, Any], n: int) -> None:
        c = tmpl["spec"]["containers"][0]
        for _ in range(n):
            self.pod(
                rs,
                tmpl,
                [k.container_status(c["name"], c["image"], k.running(self.start), ready=True)],
                created=self.start - timedelta(days=2),
            )

    def event(self, kind: str, name: str, reason: str, message: str, count: int, **kw: Any) -> None:
        self.objects.append(
            k.event(self.ns, kind, name, reason, message, self.start, self.now, count=count, **kw)
        )

    def series(self, name: str, labels: dict[str, str], value: Callable[[datetime], float]) -> None:
        points, t = [], self.now - timedelta(hours=3)
        while t <= self.now:
            points.append([t.timestamp(), str(round(value(t), 3))])
            t += timedelta(minutes=1)
        self.metrics.append({"metric": {"__name__": name, **labels}, "values": points})

    def restarts(self, every_s: float = 300.0) -> int:
        return max(1, int((self.now - self.start).total_seconds() // every_s))

    def alert(self, labels: dict[str, str], summary: str) -> list[Alert]:
        payload = {
            "version": "4",
            "status": "firing",
            "alerts": [
                {
                    "status": "firing",
                    "labels": {"severity": "warning", "job": "kube-state-metrics", **labels},
                    "annotations": {"summary": summary},
                    "startsAt": k.ts(min(self.now, self.start + timedelta(minutes=5))),
                    "endsAt": "0001-01-01T00:00:00Z",
                    "fingerprint": self.hash(*labels.values())[:16],
                }
            ],
        }
        return alerts_from_webhook(payload)


def _crashloop_labels(sim: _Sim, pod: str, container: str) -> dict[str, str]:
    return {"alertname": "KubePodCrashLooping", "namespace": sim.ns, "pod": pod, "container": container}


def _oom(sim: _Sim) -> tuple[list[Alert], dict[str, str]]:
    limit_mi = sim.rng.choice([256, 384, 512, 768, 1024])
    tmpl = k.template(
        {"app": sim.service},
        [
            k.container(
                "app",
                sim.image(sim.old_version),
                requests={"memory": f"{limit_mi // 2}Mi"},
                limits={"memory": f"{limit_mi}Mi"},
            )
        ],
    )
    (rs,) = sim.deployment([(tmpl, sim.start - timedelta(days=20))], replicas=3, ready=2)
    sim.healthy(rs, tmpl, 2)
    n = sim.restarts()
    last_end = sim.now - timedelta(minutes=1)
    status = k.container_status(
        "app",
        sim.image(sim.old_version),
        k.waiting("CrashLoopBackOff", "back-off 5m0s"),
        restarts=n,
        last_state=k.terminated(137, "OOMKilled", last_end - timedelta(minutes=4), last_end),
    )
    pod = sim.pod(rs, tmpl, [status], created=sim.start - timedelta(days=1))
    sim.event("Pod", pod, "BackOff", f"Back-off restarting failed container app in pod {pod}_{sim.ns}", n * 3)
    limit, leak_start = limit_mi * 1024.0**2, sim.start.timestamp()

    def working_set(t: datetime) -> float:
        if t.timestamp() < leak_start:
            return 0.45 * limit
        return 0.45 * limit + ((t.timestamp() - leak_start) % 300) / 300 * 0.55 * limit

    sim.series(
        "container_memory_working_set_bytes",
        {"namespace": sim.ns, "pod": pod, "container": "app", "service": sim.service},
        working_set,
    )
    return sim.alert(_crashloop_labels(sim, pod, "app"), f"Pod {sim.ns}/{pod} (app) is crash looping."), {
        "kind": "oom",
        "object": sim.service,
    }


def _bad_config(sim: _Sim) -> tuple[list[Alert], dict[str, str]]:
    var = sim.service.upper().replace("-", "_") + sim.rng.choice(["_DB_URL", "_API_KEY_FILE", "_BROKER_ADDR"])
    old_env = {var: f"value-for-{sim.service}", "LOG_LEVEL": "info"}
    new_env = {
        "LOG_LEVEL": "info",
        f"{sim.service.upper().replace('-', '_')}_POOL": str(sim.rng.randint(5, 50)),
    }
    t1 = k.template({"app": sim.service}, [k.container("app", sim.image(sim.old_version), env=old_env)])
    t2 = k.template({"app": sim.service}, [k.container("app", sim.image(sim.new_version), env=new_env)])
    rss = sim.deployment([(t1, sim.start - timedelta(days=30)), (t2, sim.start)], replicas=3, ready=0)
    n = sim.restarts(120)
    end = sim.now - timedelta(seconds=sim.rng.randint(20, 100))
    status = k.container_status(
        "app",
        sim.image(sim.new_version),
        k.waiting("CrashLoopBackOff", "back-off 2m40s"),
        restarts=n,
        last_state=k.terminated(1, "Error", end - timedelta(seconds=2), end),
    )
    pod = sim.pod(rss[-1], t2, [status], created=sim.start)
    sim.event("Pod", pod, "BackOff", f"Back-off restarting failed container app in pod {pod}_{sim.ns}", n * 2)
    sim.logs[(pod, "app", True)] = (
        f"{k.ts(end)} INFO {sim.service} {sim.new_version} starting\n"
        f"{k.ts(end)} INFO loading configuration from environment\n"
        f"{k.ts(end)} FATAL config: environment variable {var} is not set\n"
    )
    return sim.alert(_crashloop_labels(sim, pod, "app"), f"Pod {sim.ns}/{pod} (app) is crash looping."), {
        "kind": "bad_deploy",
        "object": sim.service,
        "fact": var,
    }


def _image_pull(sim: _Sim) -> tuple[list[Alert], dict[str, str]]:
    t1 = k.template({"app": sim.service}, [k.container("app", sim.image(sim.old_version))])
    bad = sim.image(sim.new_version + "-rc" + str(sim.rng.randint(1, 9)))
    t2 = k.template({"app": sim.service}, [k.container("app", bad)])
    rss = sim.deployment([(t1, sim.start - timedelta(days=10)), (t2, sim.start)], replicas=2, ready=1)
    status = k.container_status("app", bad, k.waiting("ImagePullBackOff", f'Back-off pulling image "{bad}"'))
    pod = sim.pod(rss[-1], t2, [status], created=sim.start)
    sim.event(
        "Pod",
        pod,
        "Failed",
        f'Failed to pull image "{bad}": rpc error: code = NotFound desc = failed to pull '
        f'and unpack image "{bad}": not found',
        sim.restarts(60),
    )
    labels = {"alertname": "KubeContainerWaiting", "namespace": sim.ns, "pod": pod, "container": "app"}
    return sim.alert(labels, f"Pod {sim.ns}/{pod} container app has been in waiting state."), {
        "kind": "bad_deploy",
        "object": sim.service,
        "fact": bad,
    }


def _unschedulable(sim: _Sim) -> tuple[list[Alert], dict[str, str]]:
    mem = sim.rng.choice(["12Gi", "16Gi", "24Gi"])
    tmpl = k.template(
        {"app": sim.service}, [k.container("app", sim.image(sim.old_version), requests={"memory": mem})]
    )
    (rs,) = sim.deployment([(tmpl, sim.start - timedelta(days=5))], replicas=3, ready=2)
    sim.healthy(rs, tmpl, 2)
    pod = sim.pod(rs, tmpl, [], created=sim.start, phase="Pending", scheduled=False)
    nodes = sim.rng.randint(3, 8)
    sim.event(
        "Pod",
        pod,
        "FailedScheduling",
        f"0/{nodes} nodes are available: {nodes} Insufficient memory. "
        f"preemption: 0/{nodes} nodes are available: {nodes} No preemption victims found for incoming pod.",
        sim.restarts(60),
        component="default-scheduler",
    )
    labels = {"alertname": "KubePodNotReady", "namespace": sim.ns, "pod": pod}
    return sim.alert(labels, f"Pod {sim.ns}/{pod} has been in a non-ready state."), {
        "kind": "insufficient_resources",
        "object": sim.service,
        "fact": "Insufficient memory",
    }


def _node_pressure(sim: _Sim) -> tuple[list[Alert], dict[str, str]]:
    node = sim.node
    sim.objects.append(
        k.node(
            node,
            sim.start - timedelta(days=60),
            allocatable={"cpu": "8", "memory": "32Gi", "pods": "110"},
            ready=(
                "False",
                "KubeletNotReady",
                "PLEG is not healthy: pleg was last seen active 3m2s ago; threshold is 3m0s",
            ),
            pressure={
                "MemoryPressure": (
                    "True",
                    "KubeletHasInsufficientMemory",
                    "kubelet has insufficient memory available",
                )
            },
            heartbeat=sim.now - timedelta(seconds=40),
        )
    )
    req = sim.rng.choice([512, 1024, 2048])
    tmpl = k.template(
        {"app": sim.service},
        [k.container("app", sim.image(sim.old_version), requests={"memory": f"{req}Mi"})],
    )
    (rs,) = sim.deployment([(tmpl, sim.start - timedelta(days=9))], replicas=2, ready=1)
    pod = sim.pod(rs, tmpl, [], created=sim.start - timedelta(days=1), phase="Failed", node=node)
    evicted = next(o for o in sim.objects if o["metadata"]["name"] == pod)
    used_ki = req * 1024 * sim.rng.randint(4, 9)
    evicted["status"].update(
        reason="Evicted",
        message=f"The node was low on resource: memory. Threshold quantity: "
        f"100Mi, available: 71212Ki. Container app was using {used_ki}Ki, request is {req}Mi, "
        f"has larger consumption of memory. ",
    )
    sim.objects.append(
        k.event(
            "default",
            "Node",
            node,
            "EvictionThresholdMet",
            "Attempting to reclaim memory",
            sim.start,
            sim.now,
            count=3,
        )
    )
    labels = {"alertname": "KubeNodeNotReady", "node": node, "condition": "Ready", "status": "false"}
    return sim.alert(labels, f"{node} has been unready for more than 15 minutes."), {
        "kind": "node_pressure",
        "object": node,
        "fact": "MemoryPressure",
    }


def _volume_full(sim: _Sim) -> tuple[list[Alert], dict[str, str]]:
    claim, size = f"data-{sim.service}-0", sim.rng.choice([20, 50, 100])
    c = k.container("app", sim.image(sim.old_version))
    c["volumeMounts"] = [{"name": "data", "mountPath": "/data"}]
    tmpl = k.template(
        {"app": sim.service}, [c], [{"name": "data", "persistentVolumeClaim": {"claimName": claim}}]
    )
    sim.objects.append(k.pvc(claim, sim.ns, sim.start - timedelta(days=90), storage=f"{size}Gi"))
    status = k.container_status(
        "app", sim.image(sim.old_version), k.running(sim.start - timedelta(days=3)), ready=True
    )
    p = k.pod(
        f"{sim.service}-0",
        sim.ns,
        sim.start - timedelta(days=3),
        tmpl,
        [status],
        owner=("StatefulSet", sim.service),
        node=sim.node,
    )
    sim.objects.append(p)
    rate = size * GI * sim.rng.uniform(0.08, 0.2) / 3600  # bytes per second after the fault starts
    base = 0.55 * size * GI

    def used(t: datetime) -> float:
        return base + max(0.0, (t - sim.start).total_seconds()) * rate

    labels = {"namespace": sim.ns, "persistentvolumeclaim": claim, "service": sim.service}
    sim.series("kubelet_volume_stats_used_bytes", labels, used)
    sim.series("kubelet_volume_stats_capacity_bytes", labels, lambda t: size * GI)
    sim.logs[(p["metadata"]["name"], "app", False)] = "".join(
        f"{k.ts(sim.now)} WARN spill: writing sort run /data/tmp/run-{i:05d}.bin ({sim.rng.randint(40, 90)}MiB)\n"
        for i in range(120)
    )
    labels = {
        "alertname": "KubePersistentVolumeFillingUp",
        "namespace": sim.ns,
        "persistentvolumeclaim": claim,
    }
    return sim.alert(labels, f"The PersistentVolume claimed by {claim} is expected to fill up."), {
        "kind": "volume_filling",
        "object": sim.service,
        "fact": "writing sort run",
    }


_BUILDERS: dict[K8sFault, Callable[[_Sim], tuple[list[Alert], dict[str, str]]]] = {
    K8sFault.OOM: _oom,
    K8sFault.BAD_CONFIG_ROLLOUT: _bad_config,
    K8sFault.IMAGE_PULL: _image_pull,
    K8sFault.UNSCHEDULABLE: _unschedulable,
    K8sFault.NODE_PRESSURE: _node_pressure,
    K8sFault.VOLUME_FULL: _volume_full,
}


def simulate(
    fault: K8sFault | str, *, service: str, namespace: str, start: datetime, now: datetime, seed: int = 0
) -> SimulatedCluster:
    """The cluster as the API would show it at ``now``, ``fault`` having started at ``start``."""
    kind = K8sFault(FROM_SIM_FAULT.get(str(fault), fault))
    sim = _Sim(service, namespace, start, now, seed)
    alerts, truth = _BUILDERS[kind](sim)
    return SimulatedCluster(RecordedBackend(sim.objects, sim.logs), alerts, sim.metrics, truth, now)


def from_simulation(run: Any, *, namespace: str = "shop") -> SimulatedCluster | None:
    """The Kubernetes face of a simulator run (``autoheal.sim.engine.SimulatedRun``): one
    cluster holding the state of every fault that has a Kubernetes face, observed at the end of
    the run (or of the fault, if earlier). None when no fault has one. Called by the simulator's
    ``play`` hook, which hands the result to the Kubernetes tools."""
    scenario = run.scenario
    merged_objects: list[dict[str, Any]] = []
    merged_logs: dict[tuple[str, str, bool], str] = {}
    alerts: list[Alert] = []
    metrics: list[dict[str, Any]] = []
    truth: dict[str, str] = {}
    observed: datetime | None = None
    for i, fault in enumerate(scenario.faults):
        kind = FROM_SIM_FAULT.get(str(fault.kind))
        if kind is None:
            continue
        start = scenario.at(fault.at)
        now = min(scenario.at(fault.end), run.end)
        cluster = simulate(
            kind,
            service=fault.service,
            namespace=namespace,
            start=start,
            now=now,
            seed=scenario.seed * 1000 + i,
        )
        for items in cluster.backend.resources().values():
            merged_objects.extend(items)
        merged_logs.update(cluster.backend.logs_by_container())
        alerts += cluster.alerts
        metrics += cluster.metrics
        truth = truth or cluster.truth
        observed = max(observed or now, now)
    if not alerts:
        return None
    return SimulatedCluster(RecordedBackend(merged_objects, merged_logs), alerts, metrics, truth, observed)

"""``autoheal case capture``: record a case bundle from a live cluster and Prometheus.

Everything is read through the governed tools (the Gateway with :data:`CAPTURE_POLICY`: the
read-only Kubernetes verbs and the Prometheus reads, nothing else; secrets are never listed), so
each read is audited and every result is redacted by the gateway's redactor before it is written.
The alert payload is redacted with the same redactor.

What is recorded, for the alert's namespace:

* ``kubectl get -o json`` lists of every resource the tool reads (pods, events, replicasets,
  deployments, statefulsets, daemonsets, jobs, pvcs, hpas, services, controllerrevisions) and the
  nodes the namespace's pods run on (all nodes when the alert is about a node);
* the current and (when a container restarted) previous log of every container, init
  containers included, last ``log_lines`` lines;
* with a Prometheus URL: ``query_range`` answers (one sample a minute over ``hours``) for the
  series the investigators read, selected by namespace (container series) or node (node series),
  and the rule groups of ``/api/v1/rules``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import Engine

from autoheal.cases.bundle import FORMAT, load_bundle, write_files
from autoheal.clock import Clock, SystemClock
from autoheal.domain.tools import ToolCaller
from autoheal.governance.policy import Policy, parse_policy
from autoheal.governance.wiring import build_governance
from autoheal.k8s.bench import audit_engine
from autoheal.sources.registry import get_source
from autoheal.sources.rules import LabelRules
from autoheal.tools.kubernetes import KubeBackend, kubernetes_tools

CAPTURE_POLICY = """\
# Capture reads; it never writes and never reads secrets.
version: 1
default: deny
write_actions: deny
rules:
  - name: kubernetes-read-only
    effect: allow
    tools: ["kubernetes.get", "kubernetes.list", "kubernetes.logs"]
    args: {verb: ["get", "list", "logs"]}
  - name: no-kubernetes-secrets
    effect: deny
    tools: ["kubernetes.*"]
    args: {resource: ["secret", "secrets"]}
  - name: prometheus-reads
    effect: allow
    tools: ["prometheus.query_range", "prometheus.rules"]
rate_limits:
  global: {rate: 200, burst: 200}
budgets:
  tool_calls: 2000
"""

NAMESPACED = (
    "pods",
    "events",
    "replicasets",
    "deployments",
    "statefulsets",
    "daemonsets",
    "jobs",
    "pvcs",
    "hpas",
    "services",
    "controllerrevisions",
)
KIND = {
    "pods": ("v1", "Pod"),
    "events": ("v1", "Event"),
    "replicasets": ("apps/v1", "ReplicaSet"),
    "deployments": ("apps/v1", "Deployment"),
    "statefulsets": ("apps/v1", "StatefulSet"),
    "daemonsets": ("apps/v1", "DaemonSet"),
    "jobs": ("batch/v1", "Job"),
    "pvcs": ("v1", "PersistentVolumeClaim"),
    "hpas": ("autoscaling/v2", "HorizontalPodAutoscaler"),
    "services": ("v1", "Service"),
    "controllerrevisions": ("apps/v1", "ControllerRevision"),
    "nodes": ("v1", "Node"),
}
NAMESPACE_SERIES = (
    "container_memory_working_set_bytes",
    "container_cpu_usage_seconds_total",
    "container_cpu_cfs_periods_total",
    "container_cpu_cfs_throttled_periods_total",
    "kube_pod_container_status_restarts_total",
    "http_requests_total",
    "kubelet_volume_stats_used_bytes",
    "kubelet_volume_stats_capacity_bytes",
)
NODE_SERIES = (
    "node_filesystem_avail_bytes",
    "node_filesystem_size_bytes",
    "node_memory_MemAvailable_bytes",
    "node_memory_MemTotal_bytes",
    "kubelet_container_log_filesystem_used_bytes",
)


def capture_policy() -> Policy:
    return parse_policy(CAPTURE_POLICY, source="<case capture read-only policy>")


@dataclass(slots=True)
class CaptureRequest:
    alert_payload: Any
    namespace: str
    alert_source: str = "alertmanager"
    prometheus_url: str | None = None
    hours: float = 3.0
    log_lines: int = 500
    title: str | None = None


@dataclass(slots=True)
class CaptureSummary:
    path: Path
    objects: dict[str, int] = field(default_factory=dict)
    logs: int = 0
    series: int = 0
    rule_groups: int = 0
    calls: int = 0
    refused: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def describe(self) -> str:
        kinds = ", ".join(f"{k} {n}" for k, n in sorted(self.objects.items())) or "no objects"
        lines = [
            f"wrote {self.path}: {kinds}; {self.logs} container log(s); {self.series} series; "
            f"{self.rule_groups} rule group(s); {self.calls} governed call(s)"
        ]
        lines += [f"refused: {r}" for r in self.refused]
        lines += [f"failed: {f}" for f in self.failed]
        return "\n".join(lines)


def _prometheus_tools(url: str, clock: Clock) -> list[Any]:
    from autoheal.tools.http import HttpApi
    from autoheal.tools.prometheus import PrometheusHttp, PrometheusQueryRange, PrometheusRules

    backend = PrometheusHttp(HttpApi(url, name="prometheus"))
    return [PrometheusQueryRange(backend, clock), PrometheusRules(backend, clock)]


class _Reader:
    def __init__(self, gateway: ToolCaller, summary: CaptureSummary) -> None:
        self.gateway = gateway
        self.summary = summary

    def call(self, tool: str, args: dict[str, Any]) -> Any:
        result = self.gateway.call(tool, args, caller="case-capture", investigation_id="case-capture")
        self.summary.calls += 1
        status = result.status.value
        if status in ("denied", "needs_approval", "budget_exhausted"):
            self.summary.refused.append(
                f"{tool} {args.get('resource', args.get('query', ''))}: {result.message}"
            )
            return None
        if status == "error":
            self.summary.failed.append(
                f"{tool} {args.get('resource', args.get('query', ''))}: {result.message}"
            )
            return None
        return result.data if result.ok else None


def _pod_containers(pod: dict[str, Any]) -> list[tuple[str, bool]]:
    """(container name, restarted) for init and regular containers."""
    status = pod.get("status", {})
    restarts = {
        c.get("name"): int(c.get("restartCount") or 0) > 0 or bool(c.get("lastState", {}).get("terminated"))
        for c in [*(status.get("initContainerStatuses") or []), *(status.get("containerStatuses") or [])]
    }
    spec = pod.get("spec", {})
    names = [c["name"] for c in [*(spec.get("initContainers") or []), *(spec.get("containers") or [])]]
    return [(n, restarts.get(n, False)) for n in names]


def capture_bundle(
    request: CaptureRequest,
    backend: KubeBackend,
    dest: Path,
    *,
    clock: Clock | None = None,
    engine: Engine | None = None,
    prometheus_tools: list[Any] | None = None,
) -> CaptureSummary:
    """Read the namespace (and Prometheus) through the governed tools and write a bundle to ``dest``."""
    clock = clock or SystemClock()
    now = clock.now()
    alerts = list(get_source(request.alert_source).normalise(request.alert_payload, LabelRules()))
    tools: list[Any] = list(kubernetes_tools(backend))
    if prometheus_tools is not None:
        tools += prometheus_tools
    elif request.prometheus_url:
        tools += _prometheus_tools(request.prometheus_url, clock)
    governance = build_governance(tools, capture_policy(), engine or audit_engine(), clock=clock)
    governance.gateway.start_investigation("case-capture")
    summary = CaptureSummary(dest)
    read = _Reader(governance.gateway, summary)
    redactor = governance.gateway.redactor
    files: dict[str, bytes] = {}
    ns = request.namespace
    try:
        lists: dict[str, list[dict[str, Any]]] = {}
        for resource in NAMESPACED:
            data = read.call(
                "kubernetes.list", {"verb": "list", "resource": resource, "namespace": ns, "limit": 1000}
            )
            lists[resource] = list((data or {}).get("items", []))
        node_names = {p.get("spec", {}).get("nodeName") for p in lists["pods"]} - {None}
        node_names |= {a.labels[k] for a in alerts for k in ("node", "instance") if a.labels.get(k)}
        nodes = read.call("kubernetes.list", {"verb": "list", "resource": "nodes", "limit": 1000})
        node_items = list((nodes or {}).get("items", []))
        wanted_nodes = [
            n
            for n in node_items
            if n.get("metadata", {}).get("name") in node_names
            or any(a.get("address") in node_names for a in n.get("status", {}).get("addresses", []))
        ]
        lists["nodes"] = wanted_nodes if wanted_nodes else node_items
        for resource, items in lists.items():
            if not items:
                continue
            api_version, kind = KIND[resource]
            doc = {"apiVersion": api_version, "kind": f"{kind}List", "metadata": {}, "items": items}
            files[f"kubernetes/{resource}.json"] = json.dumps(doc, indent=1).encode()
            summary.objects[kind] = len(items)
        for pod in lists["pods"]:
            name = pod["metadata"]["name"]
            for container, restarted in _pod_containers(pod):
                for previous in (False, True) if restarted else (False,):
                    data = read.call(
                        "kubernetes.logs",
                        {
                            "verb": "logs",
                            "namespace": ns,
                            "name": name,
                            "container": container,
                            "previous": previous,
                            "tail_lines": request.log_lines,
                        },
                    )
                    if data and data.get("lines"):
                        suffix = ".previous.log" if previous else ".log"
                        files[f"logs/{name}/{container}{suffix}"] = ("\n".join(data["lines"]) + "\n").encode()
                        summary.logs += 1
        if any(t.name == "prometheus.query_range" for t in tools):
            _capture_series(
                read, request, now, sorted(n["metadata"]["name"] for n in lists["nodes"]), files, summary
            )
    finally:
        governance.close()
    manifest = {
        "format": FORMAT,
        "title": request.title or f"{alerts[0].name if alerts else 'alert'} in {ns} (captured)",
        "now": now.isoformat(),
        "alert_source": request.alert_source,
        "namespace": ns,
        "captured": {"by": "autoheal case capture", "governed_calls": summary.calls},
    }
    files["bundle.yaml"] = yaml.safe_dump(manifest, sort_keys=False).encode()
    files["alert.json"] = json.dumps(redactor.redact(request.alert_payload), indent=1).encode()
    write_files(files, dest)
    load_bundle(dest)  # what was written must read back as a valid bundle
    return summary


def _capture_series(
    read: _Reader,
    request: CaptureRequest,
    now: Any,
    nodes: list[str],
    files: dict[str, bytes],
    summary: CaptureSummary,
) -> None:
    start = now - timedelta(hours=request.hours)
    queries = [f'{m}{{namespace="{request.namespace}"}}' for m in NAMESPACE_SERIES]
    if nodes:
        pattern = "|".join(nodes)
        queries += [f'{m}{{node=~"{pattern}"}}' for m in NODE_SERIES]
    for i, query in enumerate(queries, start=1):
        args = {"query": query, "start": start.isoformat(), "end": now.isoformat(), "step": 60}
        data = read.call("prometheus.query_range", args)
        if not data or not data.get("result"):
            continue
        doc = {"status": "success", "data": data, "autoheal": {"query": query, **args}}
        files[f"prometheus/{i:02d}-{query.split('{', 1)[0]}.json"] = json.dumps(doc).encode()
        summary.series += len(data["result"])
    groups = read.call("prometheus.rules", {})
    if groups:
        files["prometheus/rules.json"] = json.dumps(
            {"status": "success", "data": {"groups": groups}}
        ).encode()
        summary.rule_groups = len(groups)

"""Filling disks: KubePersistentVolumeFillingUp and NodeFilesystemSpaceFillingUp.

The checks: how full, how fast it grows and when it will be full (a least-squares fit over the
last hour, as ``predict_linear`` does), and what writes. For a volume, the pods that mount the
claim and what their log says they are writing; for a node filesystem, the containers whose log
files grow fastest on that node (``kubelet_container_log_filesystem_used_bytes``) and the line
that dominates their log. Growth that only started recently points at a change, not at capacity.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from autoheal.domain.alerts import Alert
from autoheal.domain.investigation import Evidence, Hypothesis
from autoheal.k8s import evidence as kev
from autoheal.k8s.investigators.base import LIKELY, STRONG, Findings, label
from autoheal.reasoning.base import InvestigationContext

FIT_SECONDS = 3600.0


def _last(series: list[tuple[dict[str, str], kev.Points]]) -> float:
    return series[0][1][-1][1] if series and series[0][1] else 0.0


_VARIABLE = re.compile(r"\d+(?:\.\d+)?|[0-9a-f]{8,}")


def _dominant_line(
    ctx: InvestigationContext, namespace: str, pod: str, container: str | None
) -> tuple[str, Evidence]:
    """The line shape (numbers and ids masked) that dominates a container's current log, quoted
    by its latest line: what the container keeps writing."""
    lines, ev = kev.logs(ctx, namespace, pod, container or "", previous=False, tail=500)
    if not lines:
        return "", ev
    shapes = Counter(_VARIABLE.sub("<n>", ln.strip()) for ln in lines)
    shape, count = shapes.most_common(1)[0]
    example = next(ln for ln in reversed(lines) if _VARIABLE.sub("<n>", ln.strip()) == shape)
    return f'its log is dominated by "{example.strip()}" ({count} of the last {len(lines)} lines)', ev


def _growth_text(used: float, capacity: float, slope: float, eta: float) -> str:
    return (
        f"{kev.human_bytes(used)} of {kev.human_bytes(capacity)} used ({100 * used / capacity:.0f}%), "
        f"growing {kev.human_bytes(slope * 3600)}/h (least-squares fit over the last hour): "
        f"full in about {kev.human_duration(eta)}"
    )


class VolumeInvestigator:
    alertnames: tuple[str, ...] = ("KubePersistentVolumeFillingUp",)

    def investigate(self, alert: Alert, ctx: InvestigationContext) -> list[Hypothesis]:
        namespace, claim = label(alert, "namespace"), label(alert, "persistentvolumeclaim")
        if not namespace or not claim:
            return []
        f = Findings(ctx, alert)
        pvc, ev_pvc = kev.get(ctx, "pvcs", namespace, claim, f"PVC {namespace}/{claim}")
        sel = f'namespace="{namespace}",persistentvolumeclaim="{claim}"'
        used_s, ev_used = kev.query_range(
            ctx, f"kubelet_volume_stats_used_bytes{{{sel}}}", f"used bytes of {claim}"
        )
        cap_s, ev_cap = kev.query_range(
            ctx, f"kubelet_volume_stats_capacity_bytes{{{sel}}}", f"capacity of {claim}"
        )
        evidence = [ev_pvc, ev_used, ev_cap]
        if not used_s:
            f.add(
                service=claim,
                kind="unknown",
                statement=f"No kubelet_volume_stats series for PVC {claim}.",
                score=LIKELY * 0.5,
                evidence=evidence,
            )
            return f.items
        used = _last(used_s)
        capacity = _last(cap_s) or kev.quantity(
            ((pvc or {}).get("status") or {}).get("capacity", {}).get("storage")
        )
        slope, eta = kev.time_to_full(used_s[0][1], capacity - used, last_seconds=FIT_SECONDS)
        before, _ = kev.time_to_full(
            [(t, v) for t, v in used_s[0][1] if t <= ctx.reference.end.timestamp()],
            0,
            last_seconds=FIT_SECONDS,
        )
        pods, ev_pods = kev.list_objects(ctx, "pods", namespace, f"pods in {namespace} (who mounts {claim})")
        writers = [
            p
            for p in pods
            if any(
                (v.get("persistentVolumeClaim") or {}).get("claimName") == claim
                for v in (p.get("spec") or {}).get("volumes") or []
            )
        ]
        evidence.append(ev_pods)
        who, service = "", claim
        if writers:
            writer = writers[0]
            pname = writer["metadata"]["name"]
            cname = _mounting_container(writer, claim)
            service = kev.workload_of(writer)
            line, ev_log = _dominant_line(ctx, namespace, pname, cname)
            evidence.append(ev_log)
            who = (
                f" It is mounted by pod {pname} ({service}, container {cname})"
                + (f"; {line}" if line else "")
                + "."
            )
        change = ""
        if before <= 0 < slope:
            change = " It was not growing before the incident: something started writing, not steady growth."
        elif before > 0 and slope > 3 * before:
            change = f" Growth accelerated from {kev.human_bytes(before * 3600)}/h before the incident: a change in what is written, not steady growth."
        elif before > 0:
            change = f" Growth was already {kev.human_bytes(before * 3600)}/h before: steady growth; expand the volume or add retention."
        f.add(
            service=service,
            kind="volume_filling",
            component=claim,
            statement=f"PVC {claim} is filling up: {_growth_text(used, capacity, slope, eta)}.{who}{change}",
            score=STRONG,
            evidence=evidence,
            seconds_to_full=eta,
        )
        return f.items


def _mounting_container(pod: dict[str, Any], claim: str) -> str | None:
    volumes = {
        v["name"]
        for v in (pod.get("spec") or {}).get("volumes") or []
        if (v.get("persistentVolumeClaim") or {}).get("claimName") == claim
    }
    for c in (pod.get("spec") or {}).get("containers") or []:
        if any(m.get("name") in volumes for m in c.get("volumeMounts") or []):
            return str(c["name"])
    containers = (pod.get("spec") or {}).get("containers") or []
    return str(containers[0]["name"]) if containers else None


def node_of(ctx: InvestigationContext, alert: Alert) -> tuple[dict[str, Any] | None, str, Evidence | None]:
    """The node an alert is about: ``node`` label, or ``instance`` as a node name or address."""
    wanted = label(alert, "node") or (label(alert, "instance") or "").rsplit(":", 1)[0]
    if not wanted:
        return None, "", None
    node, ev = kev.get(ctx, "nodes", None, wanted, f"node {wanted}")
    if node is not None:
        return node, wanted, ev
    nodes, ev = kev.list_objects(ctx, "nodes", None, f"nodes (which one has address {wanted})")
    for n in nodes:
        if any(a.get("address") == wanted for a in (n.get("status") or {}).get("addresses") or []):
            return n, n["metadata"]["name"], ev
    return None, wanted, ev


class NodeFilesystemInvestigator:
    alertnames: tuple[str, ...] = ("NodeFilesystemSpaceFillingUp", "NodeFilesystemAlmostOutOfSpace")

    def investigate(self, alert: Alert, ctx: InvestigationContext) -> list[Hypothesis]:
        f = Findings(ctx, alert)
        node, name, ev_node = node_of(ctx, alert)
        instance, mount = label(alert, "instance") or name, label(alert, "mountpoint") or "/"
        sel = f'instance="{instance}",mountpoint="{mount}"'
        avail_s, ev_avail = kev.query_range(
            ctx, f"node_filesystem_avail_bytes{{{sel}}}", f"free bytes of {mount} on {name}"
        )
        size_s, ev_size = kev.query_range(
            ctx, f"node_filesystem_size_bytes{{{sel}}}", f"size of {mount} on {name}"
        )
        evidence = [e for e in (ev_node, ev_avail, ev_size) if e is not None]
        if not avail_s or not size_s:
            f.add(
                service=name,
                kind="unknown",
                statement=f"No node_filesystem series for {mount} on {name}.",
                score=LIKELY * 0.5,
                evidence=evidence,
            )
            return f.items
        size = _last(size_s)
        used_pts = [(t, size - v) for t, v in avail_s[0][1]]
        avail = avail_s[0][1][-1][1]
        slope, eta = kev.time_to_full(used_pts, avail, last_seconds=FIT_SECONDS)
        growth = f"{mount} on node {name}: {_growth_text(size - avail, size, slope, eta)}"
        if node is None:
            f.add(service=name, kind="disk_filling", statement=f"{growth}.", score=LIKELY, evidence=evidence)
            return f.items
        pods, ev_pods = kev.pods_on_node(ctx, name)
        evidence.append(ev_pods)
        logs_s, ev_logs = kev.series_on_node(
            ctx, "kubelet_container_log_filesystem_used_bytes", name, pods, f"container log sizes on {name}"
        )
        writers = []
        for labels, points in logs_s:
            rate, _ = kev.time_to_full(points, 0, last_seconds=FIT_SECONDS)
            writers.append(
                (rate, labels.get("namespace", ""), labels.get("pod", ""), labels.get("container"))
            )
        writers.sort(reverse=True)
        if not writers or writers[0][0] <= 0.2 * slope:
            f.add(
                service=name,
                kind="disk_filling",
                component=mount,
                statement=f"{growth}. No container's logs account for the growth: look at images, "
                f"emptyDir volumes and host paths.",
                score=LIKELY,
                evidence=[*evidence, *ev_logs],
            )
            return f.items
        rate, ns, pod_name, cname = writers[0]
        pod = next(p for p in pods if p["metadata"]["name"] == pod_name)
        service = kev.workload_of(pod)
        line, ev_line = _dominant_line(ctx, ns, pod_name, cname)
        share = 100 * rate / slope if slope > 0 else 0
        f.add(
            service=service,
            kind="disk_filling",
            component=pod_name,
            statement=f"{growth}. The writer is container {cname} of pod {ns}/{pod_name} ({service}): its "
            f"log files grow {kev.human_bytes(rate * 3600)}/h ({share:.0f}% of the growth); {line}. "
            f"Lower its log level or volume, and cap container log size.",
            score=STRONG,
            evidence=[*evidence, *ev_logs, ev_line],
        )
        return f.items

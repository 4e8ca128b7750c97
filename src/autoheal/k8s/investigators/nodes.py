"""Node alerts: KubeNodeNotReady / NodeNotReady and NodeMemoryHighUtilization.

Not ready - the node's conditions tell the expert which story it is: ``Ready=Unknown`` with
"Kubelet stopped posting node status" (the kubelet or the machine is gone: when was the last
heartbeat), a pressure condition (MemoryPressure / DiskPressure / PIDPressure: which pods were
evicted and what the kubelet said about them), ``NetworkUnavailable`` or a runtime / CNI message
on ``Ready=False``. The node's events complete the timeline.

Memory high - which pods on the node use the memory, against what they requested: a pod far
above its request is a noisy neighbour, and pods evicted or restarted on the node are its victims,
not the cause.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from autoheal.domain.alerts import Alert
from autoheal.domain.investigation import Hypothesis
from autoheal.k8s import evidence as kev
from autoheal.k8s.investigators.base import LIKELY, STRONG, WEAK, Findings
from autoheal.k8s.investigators.storage import node_of
from autoheal.reasoning.base import InvestigationContext

PRESSURES = ("MemoryPressure", "DiskPressure", "PIDPressure", "NetworkUnavailable")
_EVICTED_USAGE = re.compile(r"Container (\S+) was using (\S+?), request is (\S+?),")


def _conditions(node: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["type"]: c for c in (node.get("status") or {}).get("conditions") or []}


def _evicted(pods: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [p for p in pods if (p.get("status") or {}).get("reason") == "Evicted"]


class NodeNotReadyInvestigator:
    alertnames: tuple[str, ...] = ("KubeNodeNotReady", "NodeNotReady", "KubeNodeUnreachable")

    def investigate(self, alert: Alert, ctx: InvestigationContext) -> list[Hypothesis]:
        f = Findings(ctx, alert)
        node, name, ev_node = node_of(ctx, alert)
        if node is None or ev_node is None:
            if name:
                f.add(
                    service=name,
                    kind="noise",
                    statement=f"Node {name} no longer exists (scaled in or replaced).",
                    score=LIKELY,
                    evidence=[e for e in (ev_node,) if e is not None],
                )
            return f.items
        cond = _conditions(node)
        ready = cond.get("Ready", {})
        events, ev_events = kev.list_objects(
            ctx,
            "events",
            None,
            f"events of node {name}",
            field_selector=f"involvedObject.kind=Node,involvedObject.name={name}",
        )
        events.sort(key=lambda e: e.get("lastTimestamp") or "")
        pods, ev_pods = kev.pods_on_node(ctx, name)
        evicted = _evicted(pods)
        timeline = "; ".join(f"{e.get('reason')} {e.get('lastTimestamp')}" for e in events[-4:])
        evidence = [ev_node, ev_events, ev_pods]
        if ready.get("status") == "True":
            beat = kev.parse_time(ready.get("lastHeartbeatTime"))
            # Settled by the kubelet itself: Ready and posting status now (a fresh heartbeat).
            posting = beat is not None and ctx.clock.now() - beat <= timedelta(minutes=5)
            f.add(
                service=name,
                kind="noise",
                component="Ready",
                statement=f"Node {name} is Ready again ({ready.get('message')}, since "
                f"{ready.get('lastTransitionTime')}; last heartbeat {kev.ago(ctx, beat)}): the NotReady "
                f"spell is over.",
                score=STRONG if posting else LIKELY,
                evidence=[ev_node],
                recovered=posting,
            )
            return f.items
        pressing = [t for t in PRESSURES if cond.get(t, {}).get("status") == "True"]
        heartbeat = kev.parse_time(ready.get("lastHeartbeatTime"))
        if ready.get("status") == "Unknown" or "stopped posting" in str(ready.get("message", "")):
            f.add(
                service=name,
                kind="kubelet_down",
                component="kubelet",
                statement=f"The kubelet on node {name} stopped posting node status: Ready is "
                f'{ready.get("status")} ({ready.get("reason")}: "{ready.get("message")}"), last heartbeat '
                f"{ready.get('lastHeartbeatTime')} ({kev.ago(ctx, heartbeat)}). The kubelet, the machine or its "
                f"network is down; {len(pods)} pods were scheduled on it. Events: {timeline or 'none'}.",
                score=STRONG,
                evidence=evidence,
                pods_on_node=len(pods),
            )
        elif pressing:
            kind = "network_unavailable" if pressing == ["NetworkUnavailable"] else "node_pressure"
            detail = "; ".join(f"{t}: {cond[t].get('message')}" for t in pressing)
            offenders = _offenders(evicted)
            f.add(
                service=name,
                kind=kind,
                component=pressing[0],
                statement=f"Node {name} is NotReady under {', '.join(pressing)} ({detail}); Ready is "
                f'{ready.get("status")} ({ready.get("reason")}: "{ready.get("message")}"). '
                f"{len(evicted)} pods were evicted{offenders}. Events: {timeline or 'none'}.",
                score=STRONG,
                evidence=evidence,
                evicted=[p["metadata"]["name"] for p in evicted],
            )
        else:
            message = str(ready.get("message", ""))
            runtime = any(w in message for w in ("PLEG", "runtime", "NetworkPlugin", "cni"))
            # The kubelet's runtime status: NetworkReady=false is the pod network (the CNI plug-in),
            # not the container runtime.
            network = "NetworkReady=false" in message
            f.add(
                service=name,
                kind="network_unavailable" if network else "runtime_failure" if runtime else "unknown",
                component="Ready",
                statement=f'Node {name} is NotReady ({ready.get("reason")}: "{message}"). '
                f"Events: {timeline or 'none'}.",
                score=STRONG if runtime else WEAK,
                evidence=evidence,
            )
        return f.items


def _offenders(evicted: list[dict[str, Any]]) -> str:
    """What the kubelet said about each evicted pod's usage vs request, largest excess first."""
    found = []
    for p in evicted:
        message = (p.get("status") or {}).get("message", "")
        for cname, used, req in _EVICTED_USAGE.findall(message):
            found.append((kev.quantity(used) - kev.quantity(req), p["metadata"]["name"], cname, used, req))
    if not found:
        return ""
    found.sort(reverse=True)
    parts = [f"{pod} ({cname} was using {used}, request is {req})" for _, pod, cname, used, req in found[:3]]
    return ": " + ", ".join(parts)


class NodeMemoryInvestigator:
    alertnames: tuple[str, ...] = ("NodeMemoryHighUtilization", "NodeMemoryMajorPagesFaults")

    def investigate(self, alert: Alert, ctx: InvestigationContext) -> list[Hypothesis]:
        f = Findings(ctx, alert)
        node, name, ev_node = node_of(ctx, alert)
        if node is None or ev_node is None:
            return f.items
        instance = alert.labels.get("instance", name)
        avail, ev_avail = kev.query_range(
            ctx, f'node_memory_MemAvailable_bytes{{instance="{instance}"}}', f"available memory on {name}"
        )
        total, ev_total = kev.query_range(
            ctx, f'node_memory_MemTotal_bytes{{instance="{instance}"}}', f"total memory on {name}"
        )
        pods, ev_pods = kev.pods_on_node(ctx, name)
        running = [p for p in pods if (p.get("status") or {}).get("phase") == "Running"]
        usage, ev_usage = kev.series_on_node(
            ctx,
            "container_memory_working_set_bytes",
            name,
            running,
            f"memory working set of the pods on {name}",
        )
        used_by: dict[str, float] = {}
        for labels, points in usage:
            if points:
                used_by[labels.get("pod", "")] = used_by.get(labels.get("pod", ""), 0.0) + points[-1][1]
        util = ""
        if avail and total and total[0][1]:
            t, a = total[0][1][-1][1], avail[0][1][-1][1]
            util = f"{100 * (1 - a / t):.0f}% of {kev.human_bytes(t)} used ({kev.human_bytes(a)} available)"
        evidence = [ev_node, ev_avail, ev_total, ev_pods, *ev_usage]
        ranked = sorted(((used_by.get(p["metadata"]["name"], 0.0), p) for p in running), key=lambda x: -x[0])
        if not ranked or ranked[0][0] == 0:
            f.add(
                service=name,
                kind="unknown",
                statement=f"Node {name}: {util or 'memory high'}; no per-pod usage.",
                score=WEAK,
                evidence=evidence,
            )
            return f.items
        excess = sorted(
            ((used - kev.requests_of(p, "memory"), used, p) for used, p in ranked), key=lambda x: -x[0]
        )
        over, used, noisy = excess[0]
        request = kev.requests_of(noisy, "memory")
        limits = [
            ((c.get("resources") or {}).get("limits") or {}).get("memory")
            for c in (noisy.get("spec") or {}).get("containers") or []
        ]
        limit = (
            "has no memory limit to stop it"
            if not all(limits)
            else f"is capped only by its memory limit {', '.join(str(x) for x in limits)}"
        )
        victims = [p for p in pods if p is not noisy and (_evicted([p]) or _restarted(p))]
        victim_text = ""
        if victims:
            vs = ", ".join(f"{v['metadata']['name']} ({_victim_reason(v)})" for v in victims[:3])
            victim_text = f" Victims, not causes: {vs}."
        nname = noisy["metadata"]["name"]
        top = ", ".join(f"{p['metadata']['name']} {kev.human_bytes(u)}" for u, p in ranked[:3])
        if over > 0 and over >= 0.25 * used:
            f.add(
                service=kev.workload_of(noisy),
                kind="noisy_neighbour",
                component=nname,
                statement=f"Noisy neighbour on node {name} ({util}): pod {noisy['metadata'].get('namespace')}/"
                f"{nname} uses {kev.human_bytes(used)} against a memory request of "
                f"{kev.human_bytes(request)} ({kev.human_bytes(over)} above it); it {limit}."
                f"{victim_text} Top users: {top}.",
                score=STRONG,
                evidence=evidence,
                node=name,
            )
        else:
            f.add(
                service=name,
                kind="node_capacity",
                component="memory",
                statement=f"Node {name} is full but every pod stays near its request ({util}); the node "
                f"is overcommitted by requests. Top users: {top}.",
                score=LIKELY,
                evidence=evidence,
            )
        return f.items


def _restarted(pod: dict[str, Any]) -> bool:
    return any(c.restarts > 0 and c.last_reason == "OOMKilled" for c in kev.container_facts(pod))


def _victim_reason(pod: dict[str, Any]) -> str:
    if _evicted([pod]):
        return "Evicted"
    c = max(kev.container_facts(pod), key=lambda c: c.restarts)
    when = c.last_finished.isoformat() if c.last_finished else "?"
    return f"{c.last_reason} {c.restarts} times, last at {when}"

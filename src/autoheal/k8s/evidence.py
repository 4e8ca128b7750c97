"""Evidence gathering: every read goes through ``ctx.call`` (the governed tools) and is cited.

Helpers return the tool data plus the :class:`Evidence` it was recorded as, so an investigator can
attach exactly the evidence a statement rests on. Pure helpers (``container_facts``, ``parse_time``,
``linear_fit``...) interpret API objects without I/O.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import pairwise
from typing import Any

from autoheal.domain.investigation import Evidence
from autoheal.reasoning.base import InvestigationContext


def parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def ago(ctx: InvestigationContext, when: datetime | None) -> str:
    if when is None:
        return "at an unknown time"
    seconds = (ctx.clock.now() - when).total_seconds()
    if seconds < 120:
        return f"{int(seconds)} s ago"
    if seconds < 7200:
        return f"{int(seconds // 60)} min ago"
    if seconds < 172800:
        return f"{seconds / 3600:.1f} h ago"
    return f"{seconds / 86400:.1f} days ago"


_QUANTITY = re.compile(r"^([0-9.]+)([a-zA-Z]*)$")
_SUFFIX = {
    "": 1.0,
    "m": 1e-3,
    "k": 1e3,
    "M": 1e6,
    "G": 1e9,
    "T": 1e12,
    "Ki": 1024.0,
    "Mi": 1024.0**2,
    "Gi": 1024.0**3,
    "Ti": 1024.0**4,
}


def quantity(value: str | int | float | None) -> float:
    """A Kubernetes resource quantity ("500m", "256Mi", "2") as a float (cores or bytes)."""
    if value is None:
        return 0.0
    if isinstance(value, int | float):
        return float(value)
    match = _QUANTITY.match(value.strip())
    if not match:
        return 0.0
    return float(match.group(1)) * _SUFFIX.get(match.group(2), 1.0)


def human_bytes(value: float) -> str:
    for unit, size in (("Gi", 1024.0**3), ("Mi", 1024.0**2), ("Ki", 1024.0)):
        if abs(value) >= size:
            return f"{value / size:.1f}{unit}"
    return f"{value:.0f}B"


@dataclass(frozen=True, slots=True)
class ContainerFacts:
    name: str
    image: str
    ready: bool
    restarts: int
    state: str  # running | waiting | terminated
    reason: str | None  # waiting or terminated reason of the current state
    message: str | None
    running_since: datetime | None
    last_reason: str | None  # lastState.terminated.reason
    last_exit_code: int | None
    last_finished: datetime | None
    last_started: datetime | None
    last_message: str | None = None  # lastState.terminated.message: why it exited or failed to start
    init: bool = False  # an init container (runs to completion before the others start)


def container_facts(pod: Mapping[str, Any]) -> list[ContainerFacts]:
    out = []
    status = pod.get("status") or {}
    inits = {id(cs) for cs in status.get("initContainerStatuses") or []}
    for cs in (status.get("initContainerStatuses") or []) + (status.get("containerStatuses") or []):
        state = cs.get("state") or {}
        last = (cs.get("lastState") or {}).get("terminated") or {}
        kind = next((k for k in ("running", "waiting", "terminated") if state.get(k)), "waiting")
        current = state.get(kind) or {}
        out.append(
            ContainerFacts(
                name=cs["name"],
                image=cs.get("image", ""),
                ready=bool(cs.get("ready")),
                restarts=int(cs.get("restartCount", 0)),
                state=kind,
                reason=current.get("reason"),
                message=current.get("message"),
                running_since=parse_time(current.get("startedAt")) if kind == "running" else None,
                last_reason=last.get("reason") or (current.get("reason") if kind == "terminated" else None),
                last_exit_code=last.get(
                    "exitCode", current.get("exitCode") if kind == "terminated" else None
                ),
                last_finished=parse_time(last.get("finishedAt") or current.get("finishedAt")),
                last_started=parse_time(last.get("startedAt") or current.get("startedAt")),
                last_message=last.get("message")
                or (current.get("message") if kind == "terminated" else None),
                init=id(cs) in inits,
            )
        )
    return out


def rollout_state(obj: Mapping[str, Any]) -> tuple[bool, str]:
    """Is a Deployment / StatefulSet / DaemonSet fully rolled out and ready, and the status that
    says so (``kubectl rollout status`` semantics: observed generation current, every replica
    updated, ready and available)."""
    kind = obj.get("kind", "")
    meta, spec, status = obj.get("metadata") or {}, obj.get("spec") or {}, obj.get("status") or {}
    observed = int(status.get("observedGeneration") or 0) >= int(meta.get("generation") or 0)
    if kind == "DaemonSet" or "desiredNumberScheduled" in status:
        want = int(status.get("desiredNumberScheduled") or 0)
        ready = int(status.get("numberReady") or 0)
        updated = int(status.get("updatedNumberScheduled") or 0)
        done = observed and want == ready == updated
        return done, f"{ready}/{want} ready, {updated} updated"
    want = int(spec.get("replicas", 1) if spec.get("replicas") is not None else 1)
    ready = int(status.get("readyReplicas") or 0)
    updated = int(status.get("updatedReplicas") or 0)
    available = int(status.get("availableReplicas") or 0)
    text = f"{ready}/{want} ready, {updated} updated"
    progressing = next((c for c in status.get("conditions") or [] if c.get("type") == "Progressing"), None)
    if progressing:
        text += f" (Progressing: {progressing.get('reason')})"
    if "currentRevision" in status and status.get("updateRevision"):
        observed = observed and status.get("currentRevision") == status.get("updateRevision")
    done = observed and ready >= want and updated >= want and available >= want
    if progressing and progressing.get("status") == "False":
        done = False
    return done, text


def container_spec(pod: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    spec = pod.get("spec") or {}
    for c in (spec.get("containers") or []) + (spec.get("initContainers") or []):
        if c.get("name") == name:
            return c
    return {}


def linear_fit(points: Sequence[tuple[float, float]]) -> tuple[float, float]:
    """Least-squares slope (per second) and intercept, as ``predict_linear`` computes them."""
    n = len(points)
    if n < 2:
        return 0.0, points[0][1] if points else 0.0
    mean_t = sum(t for t, _ in points) / n
    mean_v = sum(v for _, v in points) / n
    cov = sum((t - mean_t) * (v - mean_v) for t, v in points)
    var = sum((t - mean_t) ** 2 for t, _ in points)
    slope = cov / var if var else 0.0
    return slope, mean_v - slope * mean_t


# -- governed reads ---------------------------------------------------------------------------


def get(
    ctx: InvestigationContext, resource: str, namespace: str | None, name: str, summary: str
) -> tuple[dict[str, Any] | None, Evidence]:
    result, ev = ctx.call(
        "kubernetes.get",
        {"verb": "get", "resource": resource, "namespace": namespace, "name": name},
        summary,
    )
    return (result.data if result.ok else None), ev


def list_objects(
    ctx: InvestigationContext,
    resource: str,
    namespace: str | None,
    summary: str,
    *,
    field_selector: str | None = None,
    label_selector: str | None = None,
    limit: int | None = None,
) -> tuple[list[dict[str, Any]], Evidence]:
    args: dict[str, Any] = {"verb": "list", "resource": resource, "namespace": namespace}
    if limit:
        args["limit"] = limit
    if field_selector:
        args["field_selector"] = field_selector
    if label_selector:
        args["label_selector"] = label_selector
    result, ev = ctx.call("kubernetes.list", args, summary)
    return (list(result.data["items"]) if result.ok else []), ev


def events_for(
    ctx: InvestigationContext, namespace: str | None, kind: str, name: str
) -> tuple[list[dict[str, Any]], Evidence]:
    items, ev = list_objects(
        ctx,
        "events",
        namespace,
        f"events of {kind} {name}",
        field_selector=f"involvedObject.kind={kind},involvedObject.name={name}",
    )
    items.sort(key=lambda e: e.get("lastTimestamp") or e.get("eventTime") or "")
    return items, ev


def logs(
    ctx: InvestigationContext, namespace: str, pod: str, container: str, *, previous: bool, tail: int = 200
) -> tuple[list[str], Evidence]:
    which = "previous" if previous else "current"
    result, ev = ctx.call(
        "kubernetes.logs",
        {
            "verb": "logs",
            "resource": "pods",
            "namespace": namespace,
            "name": pod,
            "container": container,
            "previous": previous,
            "tail_lines": tail,
        },
        f"{which} logs of {pod}/{container}",
    )
    return (list(result.data["lines"]) if result.ok else []), ev


def rollout_history(
    ctx: InvestigationContext, namespace: str, resource: str, name: str
) -> tuple[dict[str, Any] | None, Evidence]:
    result, ev = ctx.call(
        "kubernetes.rollout_history",
        {"verb": "rollout_history", "resource": resource, "namespace": namespace, "name": name},
        f"rollout history of {resource}/{name}",
    )
    return (result.data if result.ok else None), ev


def owner_chain(
    ctx: InvestigationContext, obj: Mapping[str, Any]
) -> list[tuple[str, dict[str, Any], Evidence]]:
    """Controllers above an object: pod -> replicaset -> deployment, pod -> statefulset, pod -> job."""
    resources = {
        "ReplicaSet": "replicasets",
        "Deployment": "deployments",
        "StatefulSet": "statefulsets",
        "DaemonSet": "daemonsets",
        "Job": "jobs",
    }
    chain: list[tuple[str, dict[str, Any], Evidence]] = []
    namespace = obj.get("metadata", {}).get("namespace")
    current: Mapping[str, Any] = obj
    for _ in range(4):
        refs = [r for r in current.get("metadata", {}).get("ownerReferences") or [] if r.get("controller")]
        if not refs or refs[0].get("kind") not in resources:
            break
        kind, name = refs[0]["kind"], refs[0]["name"]
        owner, ev = get(ctx, resources[kind], namespace, name, f"owner {kind} {name}")
        if owner is None:
            break
        chain.append((kind, owner, ev))
        current = owner
    return chain


def query_range(
    ctx: InvestigationContext, query: str, summary: str, *, step: float = 60.0
) -> tuple[list[tuple[dict[str, str], list[tuple[float, float]]]], Evidence]:
    """A PromQL range query over the incident and reference windows, as parsed matrix series."""
    result, ev = ctx.call(
        "prometheus.query_range",
        {
            "query": query,
            "start": ctx.reference.start.isoformat(),
            "end": ctx.incident.end.isoformat(),
            "step": step,
        },
        summary,
    )
    if not result.ok:
        return [], ev
    data = result.data
    series = data.get("result", []) if isinstance(data, Mapping) else data
    out = []
    for s in series or []:
        values = [(float(t), float(v)) for t, v in s.get("values", [])]
        out.append((dict(s.get("metric", {})), values))
    return out, ev


# -- series arithmetic (what PromQL functions would compute, done on raw samples) -------------

Points = list[tuple[float, float]]


def counter_rate(points: Points) -> Points:
    """Per-second rate between consecutive samples of a counter, resets handled like ``rate()``."""
    out = []
    for (t0, v0), (t1, v1) in pairwise(points):
        if t1 <= t0:
            continue
        delta = v1 - v0 if v1 >= v0 else v1
        out.append((t1, delta / (t1 - t0)))
    return out


def sum_series(series: Sequence[Points]) -> Points:
    """Pointwise sum by timestamp (``sum(...)`` over aligned samples)."""
    totals: dict[float, float] = {}
    for points in series:
        for t, v in points:
            totals[t] = totals.get(t, 0.0) + v
    return sorted(totals.items())


def between(points: Points, start: datetime, end: datetime) -> list[float]:
    lo, hi = start.timestamp(), end.timestamp()
    return [v for t, v in points if lo <= t <= hi]


def mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def time_to_full(points: Points, free_now: float, *, last_seconds: float = 3600) -> tuple[float, float]:
    """Growth per second of the consumed quantity over the last ``last_seconds`` (least squares,
    as ``predict_linear``) and the seconds until ``free_now`` is used up (inf when not growing)."""
    if not points:
        return 0.0, float("inf")
    end = points[-1][0]
    recent = [(t, v) for t, v in points if t >= end - last_seconds]
    slope, _ = linear_fit(recent)
    return slope, (free_now / slope if slope > 0 else float("inf"))


def human_duration(seconds: float) -> str:
    if seconds == float("inf"):
        return "never at this rate"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    if seconds < 172800:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


def cores(value: float) -> str:
    return f"{value * 1000:.0f}m" if value < 1 else f"{value:.2f} cores"


def pods_on_node(ctx: InvestigationContext, node: str) -> tuple[list[dict[str, Any]], Evidence]:
    return list_objects(ctx, "pods", None, f"pods on node {node}", field_selector=f"spec.nodeName={node}")


def requests_of(pod: Mapping[str, Any], resource: str) -> float:
    """Sum of a pod's container requests for ``resource`` (cpu in cores, memory in bytes)."""
    spec = pod.get("spec") or {}
    return sum(
        quantity(((c.get("resources") or {}).get("requests") or {}).get(resource))
        for c in spec.get("containers") or []
    )


def workload_of(pod: Mapping[str, Any]) -> str:
    """The controlling workload's name without API calls: a ReplicaSet's name minus the
    pod-template-hash, else the owner's name, else the pod's own name."""
    meta = pod.get("metadata") or {}
    refs = [r for r in meta.get("ownerReferences") or [] if r.get("controller")]
    if not refs:
        return str(meta.get("name", ""))
    owner = str(refs[0].get("name", ""))
    hash_ = (meta.get("labels") or {}).get("pod-template-hash")
    if refs[0].get("kind") == "ReplicaSet" and hash_ and owner.endswith(f"-{hash_}"):
        return owner[: -len(hash_) - 1]
    return owner


MAX_SELECTOR_CHARS = 3000  # stay well under the gateway's PromQL length guard


def series_on_node(
    ctx: InvestigationContext, metric: str, node: str, pods: Sequence[Mapping[str, Any]], summary: str
) -> tuple[list[tuple[dict[str, str], Points]], list[Evidence]]:
    """Per-container series of the pods on a node: by the ``node`` label the Prometheus Operator
    puts on kubelet / cAdvisor targets, else by pod names (in chunks a query guard accepts)."""
    series, ev = query_range(ctx, f'{metric}{{node="{node}",container!=""}}', summary)
    if series:
        return series, [ev]
    evidence = [ev]
    names = sorted(str(p["metadata"]["name"]) for p in pods)
    chunks: list[list[str]] = [[]]
    for name in names:
        if chunks[-1] and sum(len(n) + 1 for n in chunks[-1]) + len(name) > MAX_SELECTOR_CHARS:
            chunks.append([])
        chunks[-1].append(name)
    out = []
    for chunk in chunks:
        if not chunk:
            continue
        found, ev = query_range(ctx, f'{metric}{{pod=~"{"|".join(chunk)}",container!=""}}', summary)
        out += found
        evidence.append(ev)
    return out, evidence

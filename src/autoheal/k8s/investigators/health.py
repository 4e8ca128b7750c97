"""Healthy and recovered situations, reported as such with the evidence (not as "unknown").

* the pod the alert names is gone: its events outlive it; its controller is found from the name
  (``<deployment>-<pod-template-hash>-<suffix>``, ``<statefulset>-<ordinal>``, ``<job>-<suffix>``)
  and is healthy when fully rolled out and ready (``kubectl rollout status`` semantics);
* a terminating pod (``metadata.deletionTimestamp``) whose controller is fully rolled out: a normal
  rollout or scale-down;
* a pod that is running and ready with nothing failing: the condition behind the alert is gone.

When the controller is *not* healthy, nothing is claimed here and the caller diagnoses on.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from autoheal.domain.investigation import Evidence, Hypothesis
from autoheal.k8s import evidence as kev
from autoheal.k8s.investigators.base import LIKELY, STRONG, Findings
from autoheal.reasoning.base import InvestigationContext

if TYPE_CHECKING:
    from autoheal.k8s.investigators.pods import PodContext

RESOURCES = {"Deployment": "deployments", "StatefulSet": "statefulsets", "DaemonSet": "daemonsets"}
_RS_POD = re.compile(r"^(?P<rs>(?P<deploy>.+)-[a-z0-9]{5,10})-[a-z0-9]{5}$")
_STS_POD = re.compile(r"^(?P<sts>.+)-\d+$")


def controller_of_gone_pod(
    ctx: InvestigationContext, namespace: str, pod_name: str
) -> tuple[str, dict[str, Any], list[Evidence]] | None:
    """The workload a deleted pod belonged to, from its name, read through the API."""
    evidence: list[Evidence] = []
    m = _RS_POD.match(pod_name)
    if m:
        rs, ev = kev.get(ctx, "replicasets", namespace, m.group("rs"), f"ReplicaSet {m.group('rs')}")
        evidence.append(ev)
        refs = [
            r for r in ((rs or {}).get("metadata") or {}).get("ownerReferences") or [] if r.get("controller")
        ]
        name = refs[0]["name"] if refs and refs[0].get("kind") == "Deployment" else m.group("deploy")
        dep, ev = kev.get(ctx, "deployments", namespace, name, f"Deployment {name}")
        evidence.append(ev)
        if dep is not None:
            return "Deployment", {"kind": "Deployment", **dep}, evidence
    m = _STS_POD.match(pod_name)
    if m:
        sts, ev = kev.get(ctx, "statefulsets", namespace, m.group("sts"), f"StatefulSet {m.group('sts')}")
        evidence.append(ev)
        if sts is not None:
            return "StatefulSet", {"kind": "StatefulSet", **sts}, evidence
    return None


def pod_gone(
    ctx: InvestigationContext, f: Findings, namespace: str, pod_name: str, ev_pod: Evidence
) -> list[Hypothesis]:
    events, ev_events = kev.events_for(ctx, namespace, "Pod", pod_name)
    seen = "; ".join(
        f"{e.get('reason')}: {str(e.get('message', ''))[:120]} (x{e.get('count', 1)}, last {e.get('lastTimestamp')})"
        for e in events[-3:]
    )
    history = f" Its last events: {seen}." if seen else ""
    found = controller_of_gone_pod(ctx, namespace, pod_name)
    if found is None:
        return [
            f.add(
                service=pod_name,
                kind="noise",
                statement=f"Pod {namespace}/{pod_name} no longer exists; the alert refers to a deleted pod."
                + history,
                score=LIKELY,
                evidence=[ev_pod, ev_events],
            )
        ]
    kind, obj, evidence = found
    name = obj["metadata"]["name"]
    done, state = kev.rollout_state(obj)
    if done:
        return [
            f.add(
                service=name,
                kind="noise",
                component=pod_name,
                statement=f"Recovered: pod {namespace}/{pod_name} no longer exists (replaced), and {kind} {name} "
                f"is fully rolled out and ready: {state}.{history}",
                score=STRONG,
                evidence=[ev_pod, ev_events, *evidence],
                recovered=True,
            )
        ]
    from autoheal.k8s.investigators.pods import diagnose_pod, worst_pod

    match = ((obj.get("spec") or {}).get("selector") or {}).get("matchLabels") or {}
    selector = ",".join(f"{k}={v}" for k, v in sorted(match.items()))
    pods, ev_pods = kev.list_objects(
        ctx, "pods", namespace, f"pods of {kind} {name}", label_selector=selector
    )
    worst = worst_pod(pods)
    if worst is None:
        return [
            f.add(
                service=name,
                kind="unknown",
                statement=f"Pod {namespace}/{pod_name} no longer exists; {kind} {name} is not complete ({state}) "
                f"but none of its {len(pods)} pods is failing.{history}",
                score=LIKELY * 0.5,
                evidence=[ev_pod, ev_events, *evidence, ev_pods],
            )
        ]
    out = diagnose_pod(ctx, f, namespace, worst["metadata"]["name"])
    for hyp in out:
        hyp.statement += f" (The alerted pod {pod_name} no longer exists; {kind} {name}: {state}.)"
        hyp.evidence[:0] = [ev_pod, *evidence]
    return out


def _controller(pc: PodContext) -> tuple[str, dict[str, Any], Evidence] | None:
    for kind, obj, ev in kev.owner_chain(pc.ctx, pc.pod):
        if kind in RESOURCES:
            return kind, {"kind": kind, **obj}, ev
    return None


def replaced_by_rollout(obj: dict[str, Any], pod: dict[str, Any]) -> bool:
    """The controller is rolling out a newer revision than the pod's, and the rollout has not
    failed: the pod is being replaced (StatefulSet ``updateRevision`` vs the pod's
    ``controller-revision-hash``; a Deployment whose Progressing condition is True with
    ``ReplicaSetUpdated`` while the pod's ReplicaSet is not the newest)."""
    status = obj.get("status") or {}
    labels = (pod.get("metadata") or {}).get("labels") or {}
    update = status.get("updateRevision")
    if update and status.get("currentRevision") != update:
        return labels.get("controller-revision-hash") not in (None, update)
    progressing = next((c for c in status.get("conditions") or [] if c.get("type") == "Progressing"), None)
    return bool(
        progressing
        and progressing.get("status") == "True"
        and progressing.get("reason") == "ReplicaSetUpdated"
    )


# How long past its deletion time a terminating pod may take (kubelet sync, preStop hooks) before
# it is stuck rather than going away.
STUCK_AFTER = timedelta(minutes=5)


def terminating(pc: PodContext, f: Findings) -> list[Hypothesis]:
    meta = pc.pod.get("metadata") or {}
    deleted = kev.parse_time(meta.get("deletionTimestamp"))
    now = pc.ctx.clock.now()
    if deleted is not None and now - deleted > STUCK_AFTER:
        return _stuck_terminating(pc, f, deleted)
    found = _controller(pc)
    if found is None:
        return []
    kind, obj, ev = found
    done, state = kev.rollout_state(obj)
    rolling = not done and replaced_by_rollout(obj, pc.pod)
    if not done and not rolling:
        return []
    since = kev.ago(pc.ctx, kev.parse_time(pc.pod["metadata"]["deletionTimestamp"]))
    why = (
        "is fully rolled out and ready"
        if done
        else "is rolling out a newer revision and replaces its pods one by one"
    )
    return [
        f.add(
            service=obj["metadata"]["name"],
            kind="noise",
            component=pc.name,
            statement=f"Healthy: pod {pc.name} is terminating (deletion requested {since}) while {kind} "
            f"{obj['metadata']['name']} {why}: {state}. A pod going away during a "
            f"rollout or scale-down is not ready by design.",
            score=STRONG,
            evidence=[pc.ev_pod, ev],
            healthy=True,
        )
    ]


def _stuck_terminating(pc: PodContext, f: Findings, deleted: datetime) -> list[Hypothesis]:
    """``deletionTimestamp`` is when the grace period ends; long past it the pod is held by a
    finalizer, a hung preStop hook or an unreachable kubelet - not a normal rollout."""
    meta = pc.pod.get("metadata") or {}
    finalizers = meta.get("finalizers") or []
    node = (pc.pod.get("spec") or {}).get("nodeName")
    held = (
        f"its finalizers {', '.join(finalizers)} have not been removed"
        if finalizers
        else f"the kubelet on node {node} has not confirmed it stopped"
    )
    return [
        f.add(
            service=pc.service,
            kind="stuck_terminating",
            component=pc.name,
            statement=f"Pod {pc.name} is stuck terminating: its deletion time passed {kev.ago(pc.ctx, deleted)} "
            f"(grace period {meta.get('deletionGracePeriodSeconds', '?')} s) and {held}.",
            score=STRONG,
            evidence=[pc.ev_pod],
            finalizers=finalizers,
        )
    ]


def completed(pc: PodContext, f: Findings, ev_events: Evidence) -> list[Hypothesis]:
    """A pod that ran to completion (phase Succeeded, every container exited 0) is not ready by design."""
    facts = kev.container_facts(pc.pod)
    if any(c.state != "terminated" or c.reason not in ("Completed", None) for c in facts if not c.init):
        return []
    owner = f" of {pc.workload[0]} {pc.workload[1]}" if pc.workload else ""
    return [
        f.add(
            service=pc.service,
            kind="noise",
            component=pc.name,
            statement=f"Completed: pod {pc.name}{owner} ran to completion (phase Succeeded; "
            f"{', '.join(f'{c.name} exited 0' for c in facts if not c.init)}); a finished pod is not ready "
            f"by design, nothing is failing.",
            score=STRONG,
            evidence=[pc.ev_pod, ev_events],
            healthy=True,
        )
    ]


def pod_healthy(pc: PodContext, f: Findings, ev_events: Evidence) -> list[Hypothesis]:
    facts = kev.container_facts(pc.pod)
    phase = (pc.pod.get("status") or {}).get("phase")
    found = _controller(pc)
    owner = ""
    evidence = [pc.ev_pod, ev_events]
    settled = False
    if found is not None:
        kind, obj, ev = found
        settled, state = kev.rollout_state(obj)
        owner = f"; {kind} {obj['metadata']['name']}: {state}"
        evidence.append(ev)
    restarts = sum(c.restarts for c in facts)
    return [
        f.add(
            service=pc.service,
            kind="noise",
            component=pc.name,
            statement=f"Healthy now: pod {pc.name} is {phase} and every container is ready "
            f"({', '.join(f'{c.name} {c.state}' for c in facts if not c.init)}; {restarts} restarts){owner}. "
            f"Nothing behind the alert is failing at {pc.ctx.clock.now().isoformat()}.",
            # Settled when the pod's controller itself reports its rollout complete and every
            # replica ready; a ready pod of an incomplete controller may be flapping.
            score=STRONG if settled else LIKELY,
            evidence=evidence,
            healthy=settled,
        )
    ]

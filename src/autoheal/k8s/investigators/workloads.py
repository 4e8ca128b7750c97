"""Workload alerts: Deployments, StatefulSets, DaemonSets and Jobs (KubeDeploymentReplicasMismatch,
KubeDeploymentRolloutStuck, KubeStatefulSetReplicasMismatch, KubeDaemonSetRolloutStuck, KubeJobFailed
and the rest of kube-prometheus-stack's workload rules, or any alert whose labels name one).

The workload is read first (desired vs ready replicas, the Progressing condition, the job's
Failed condition), then its unhealthy pods are found through its selector and the worst one is
diagnosed like a pod alert (scheduling, image pull, crash with log cause, rollout link).
"""

from __future__ import annotations

import re
from typing import Any

from autoheal.domain.alerts import Alert
from autoheal.domain.investigation import Evidence, Hypothesis
from autoheal.domain.tools import ToolStatus
from autoheal.k8s import evidence as kev
from autoheal.k8s.investigators.base import LIKELY, STRONG, WEAK, Findings, label
from autoheal.k8s.investigators.pods import diagnose_pod, worst_pod
from autoheal.reasoning.base import InvestigationContext


class WorkloadInvestigator:
    alertnames: tuple[str, ...] = (
        "KubeDeploymentReplicasMismatch",
        "KubeDeploymentRolloutStuck",
        "KubeDeploymentGenerationMismatch",
        "KubeStatefulSetReplicasMismatch",
        "KubeStatefulSetUpdateNotRolledOut",
        "KubeStatefulSetGenerationMismatch",
        "KubeDaemonSetRolloutStuck",
        "KubeDaemonSetNotScheduled",
        "KubeDaemonSetMisScheduled",
        "KubeJobFailed",
        "KubeJobNotCompleted",
    )

    def investigate(self, alert: Alert, ctx: InvestigationContext) -> list[Hypothesis]:
        namespace = label(alert, "namespace")
        named = workload_named(alert)
        if not namespace or named is None:
            return []
        kind, resource, name = named
        f = Findings(ctx, alert)
        obj, ev_obj = kev.get(ctx, resource, namespace, name, f"{kind} {namespace}/{name}")
        if obj is None:
            # The API answered "not found" (not an error): nothing is behind the alert any more.
            gone = ctx.statuses.get(ev_obj.id) is ToolStatus.NO_DATA
            f.add(
                service=name,
                kind="noise",
                statement=f"{kind} {namespace}/{name} no longer exists (the API answers not found): "
                f"nothing is behind the alert; it fired on a workload that was deleted.",
                score=STRONG if gone else LIKELY * 0.5,
                evidence=[ev_obj],
                gone=gone,
            )
            return f.items
        if kind == "Job":
            selector = f"job-name={name}"
        else:
            match = ((obj.get("spec") or {}).get("selector") or {}).get("matchLabels") or {}
            selector = ",".join(f"{k}={v}" for k, v in sorted(match.items()))
        pods, ev_pods = kev.list_objects(
            ctx, "pods", namespace, f"pods of {kind} {name}", label_selector=selector
        )
        status = obj.get("status") or {}
        deadline = None
        if kind == "Job":
            deadline = _job_deadline(ctx, f, namespace, name, obj, pods, [ev_obj, ev_pods])
        elif kind == "Deployment":
            _creation_failures(ctx, f, namespace, name, selector, ev_obj)
        worst = worst_pod(pods)
        if worst is None:
            if f.items:
                return f.items
            done, state = kev.rollout_state({"kind": kind, **obj})
            f.add(
                service=name,
                kind="noise" if done else "unknown",
                statement=(
                    f"Recovered: {kind} {name} is fully rolled out and ready ({state}); "
                    f"all {len(pods)} of its pods are healthy now."
                    if done
                    else f"All {len(pods)} pods of {kind} {name} are healthy now, but it is not complete: {state}."
                ),
                # Settled by the controller's own status (rollout complete, every replica ready),
                # not by one pod looking well: triage may take it as noise.
                score=STRONG if done else LIKELY * 0.5,
                evidence=[ev_obj, ev_pods],
                recovered=done,
            )
            return f.items
        found = diagnose_pod(ctx, f, namespace, worst["metadata"]["name"])
        if deadline is not None:
            for hyp in found:
                hyp.score = min(hyp.score, WEAK)
        if kind == "Job":
            failed = [c for c in status.get("conditions") or [] if c.get("type") == "Failed"]
            context = (
                f" Job {name} failed ({failed[0].get('reason')}: {failed[0].get('message')}); "
                f"{status.get('failed', 0)} failed pods."
                if failed
                else ""
            )
        else:
            context = f" {kind} {name}: {kev.rollout_state({'kind': kind, **obj})[1]}."
        for hyp in found:
            hyp.statement += context
            hyp.evidence[:0] = [ev_obj, ev_pods]
            hyp.service = name if kind == "Job" else hyp.service
        return f.items


# Workload label -> (kind, resource), in the order an alert naming several is read.
WORKLOAD_LABELS = (
    ("job_name", "Job", "jobs"),
    ("deployment", "Deployment", "deployments"),
    ("statefulset", "StatefulSet", "statefulsets"),
    ("daemonset", "DaemonSet", "daemonsets"),
)


def workload_named(alert: Alert) -> tuple[str, str, str] | None:
    """(kind, resource, name) of the workload the alert's labels name; a Job alert reads the Job."""
    if alert.name.startswith("KubeJob") and label(alert, "job_name"):
        return "Job", "jobs", str(label(alert, "job_name"))
    named = [(k, r, label(alert, key)) for key, k, r in WORKLOAD_LABELS if label(alert, key)]
    if not named:
        return None
    # A Deployment's alert may carry a stray job_name (the scrape job); prefer the workload kinds.
    kinds = [n for n in named if n[0] != "Job"] or named
    kind, resource, name = kinds[0]
    return kind, resource, str(name)


def admission_cause(message: str) -> tuple[str, str | None]:
    """What rejected a pod creation, from the API server's own message shapes: the ResourceQuota
    admission plug-in ("exceeded quota: NAME"), an admission webhook ("admission webhook "NAME"
    denied the request"), Pod Security admission ("violates PodSecurity"), other "forbidden"."""
    quota = re.search(r"exceeded quota: ([\w.-]+)", message)
    if quota:
        return "quota_exceeded", quota.group(1)
    hook = re.search(r'admission webhook "([^"]+)" denied', message)
    if hook:
        return "admission_denied", hook.group(1)
    if "violates PodSecurity" in message:
        return "admission_denied", "PodSecurity"
    if "forbidden" in message:
        return "admission_denied", None
    return "create_failed", None


def _creation_failures(
    ctx: InvestigationContext, f: Findings, namespace: str, name: str, selector: str, ev_obj: Evidence
) -> None:
    """Pods the ReplicaSet controller could not create: a ReplicaFailure condition or FailedCreate
    events on the Deployment's ReplicaSets (quota and admission rejections live there)."""
    rss, ev_rss = kev.list_objects(
        ctx, "replicasets", namespace, f"ReplicaSets of {name}", label_selector=selector
    )
    owned = [
        rs
        for rs in rss
        if any(r.get("name") == name for r in (rs.get("metadata") or {}).get("ownerReferences") or [])
    ]
    for rs in sorted(owned, key=lambda r: str(r["metadata"].get("creationTimestamp") or ""), reverse=True):
        rs_name = rs["metadata"]["name"]
        failure = next(
            (
                c
                for c in (rs.get("status") or {}).get("conditions") or []
                if c.get("type") == "ReplicaFailure"
            ),
            None,
        )
        events, ev_events = kev.events_for(ctx, namespace, "ReplicaSet", rs_name)
        created = [e for e in events if e.get("reason") == "FailedCreate"]
        message = (created[-1].get("message") if created else None) or (failure or {}).get("message")
        if not message:
            continue
        kind, detail = admission_cause(str(message))
        count = f" (x{created[-1].get('count', 1)})" if created else ""
        f.add(
            service=name,
            kind=kind,
            component=detail or rs_name,
            statement=f'ReplicaSet {rs_name} of Deployment {name} cannot create pods: "{message}"{count}.',
            score=STRONG,
            evidence=[ev_obj, ev_rss, ev_events],
        )
        return


def _job_deadline(
    ctx: InvestigationContext,
    f: Findings,
    namespace: str,
    name: str,
    job: dict[str, Any],
    pods: list[dict[str, Any]],
    evidence: list[Evidence],
) -> Hypothesis | None:
    """A Job stopped by its activeDeadlineSeconds: the pods were killed for running too long."""
    failed = next(
        (c for c in (job.get("status") or {}).get("conditions") or [] if c.get("type") == "Failed"), None
    )
    if not failed or failed.get("reason") != "DeadlineExceeded":
        return None
    limit = (job.get("spec") or {}).get("activeDeadlineSeconds")
    progress = ""
    latest = worst_pod(pods) or (pods[-1] if pods else None)
    if latest is not None:
        facts = kev.container_facts(latest)
        if facts:
            lines, ev_logs = kev.logs(
                ctx, namespace, latest["metadata"]["name"], facts[0].name, previous=False
            )
            evidence = [*evidence, ev_logs]
            if lines:
                progress = f' The last log line before it was stopped: "{lines[-1].strip()}".'
    return f.add(
        service=name,
        kind="deadline_exceeded",
        component=name,
        statement=f"Job {name} was stopped by its deadline (DeadlineExceeded: {failed.get('message')}; "
        f"activeDeadlineSeconds {limit}): it ran too long rather than crashing.{progress}",
        score=STRONG,
        evidence=evidence,
    )

"""Workload alerts: KubeDeploymentReplicasMismatch, KubeDeploymentRolloutStuck, KubeJobFailed.

The workload is read first (desired vs ready replicas, the Progressing condition, the job's
Failed condition), then its unhealthy pods are found through its selector and the worst one is
diagnosed like a pod alert (scheduling, image pull, crash with log cause, rollout link).
"""

from __future__ import annotations

from autoheal.domain.alerts import Alert
from autoheal.domain.investigation import Hypothesis
from autoheal.k8s import evidence as kev
from autoheal.k8s.investigators.base import LIKELY, Findings, label
from autoheal.k8s.investigators.pods import diagnose_pod
from autoheal.reasoning.base import InvestigationContext


def worst_pod(pods: list[dict]) -> dict | None:
    def badness(p: dict) -> tuple[int, int]:
        facts = kev.container_facts(p)
        unready = sum(not c.ready for c in facts) + (1 if not facts else 0)
        return unready, sum(c.restarts for c in facts)

    bad = [p for p in pods if badness(p)[0] > 0]
    return max(bad, key=badness) if bad else None


class WorkloadInvestigator:
    alertnames: tuple[str, ...] = (
        "KubeDeploymentReplicasMismatch",
        "KubeDeploymentRolloutStuck",
        "KubeJobFailed",
    )

    def investigate(self, alert: Alert, ctx: InvestigationContext) -> list[Hypothesis]:
        namespace = label(alert, "namespace")
        if alert.name == "KubeJobFailed":
            name, resource, kind = label(alert, "job_name"), "jobs", "Job"
        else:
            name, resource, kind = label(alert, "deployment"), "deployments", "Deployment"
        if not namespace or not name:
            return []
        f = Findings(ctx, alert)
        obj, ev_obj = kev.get(ctx, resource, namespace, name, f"{kind} {namespace}/{name}")
        if obj is None:
            f.add(
                service=name,
                kind="noise",
                statement=f"{kind} {namespace}/{name} no longer exists.",
                score=LIKELY,
                evidence=[ev_obj],
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
        worst = worst_pod(pods)
        if worst is None:
            f.add(
                service=name,
                kind="unknown",
                statement=f"All {len(pods)} pods of {kind} {name} are healthy now.",
                score=LIKELY * 0.5,
                evidence=[ev_obj, ev_pods],
            )
            return f.items
        found = diagnose_pod(ctx, f, namespace, worst["metadata"]["name"])
        status = obj.get("status") or {}
        if kind == "Job":
            failed = [c for c in status.get("conditions") or [] if c.get("type") == "Failed"]
            context = (
                f" Job {name} failed ({failed[0].get('reason')}: {failed[0].get('message')}); "
                f"{status.get('failed', 0)} failed pods."
                if failed
                else ""
            )
        else:
            context = (
                f" Deployment {name}: {status.get('readyReplicas', 0)}/{status.get('replicas', 0)} ready, "
                f"{status.get('updatedReplicas', 0)} updated."
            )
        for hyp in found:
            hyp.statement += context
            hyp.evidence[:0] = [ev_obj, ev_pods]
            hyp.service = name if kind == "Job" else hyp.service
        return f.items

"""Monitoring alerts: TargetDown and PrometheusRuleFailures.

TargetDown - Prometheus cannot scrape a job's targets. The expert looks at what should be behind
the scrape: the Service and the pods its selector matches. No pods: was the workload removed or
scaled to zero (the Service and its ServiceMonitor outlived it)? Pods not ready: diagnose the
worst one like a pod alert (crash with its log cause, OOM, image pull). Pods ready: the scrape
path is broken (the Service's target port is not a port the pods expose, or a network policy).

PrometheusRuleFailures - the rule group and the rule that fails, with Prometheus's own error
(``lastError`` from ``/api/v1/rules``) and what that error means.
"""

from __future__ import annotations

from typing import Any

from autoheal.domain.alerts import Alert
from autoheal.domain.investigation import Hypothesis
from autoheal.k8s import evidence as kev
from autoheal.k8s.investigators.base import LIKELY, STRONG, WEAK, Findings, label
from autoheal.k8s.investigators.pods import diagnose_pod
from autoheal.k8s.investigators.workloads import worst_pod
from autoheal.reasoning.base import InvestigationContext

_RULE_ERRORS = {
    "many-to-many matching not allowed": "two series now share the matching labels on the 'one' "
    "side (a relabelling or a new duplicate target); add on()/ignoring() or deduplicate",
    "found duplicate series for the match group": "duplicate series on one side of a binary "
    "operation; aggregate before matching",
    "would load too many samples": "the expression is too expensive for the query limits",
    "vector cannot contain metrics with the same labelset": "the result has duplicate label sets "
    "(a label dropped by the expression); keep a distinguishing label",
    "query timed out": "the expression is too slow to evaluate within the evaluation interval",
    "out of bounds": "samples outside the TSDB's accepted time range",
}


class TargetDownInvestigator:
    alertnames: tuple[str, ...] = ("TargetDown",)

    def investigate(self, alert: Alert, ctx: InvestigationContext) -> list[Hypothesis]:
        namespace = label(alert, "namespace")
        svc_name = label(alert, "service", "job")
        if not namespace or not svc_name:
            return []
        f = Findings(ctx, alert)
        job = label(alert, "job") or svc_name
        svc, ev_svc = kev.get(ctx, "services", namespace, svc_name, f"service {namespace}/{svc_name}")
        if svc is None:
            f.add(
                service=svc_name,
                kind="removed_workload",
                component=svc_name,
                statement=f"Service {namespace}/{svc_name} no longer exists but job {job} is still "
                f"scraped: remove its ServiceMonitor / scrape config.",
                score=LIKELY,
                evidence=[ev_svc],
            )
            return f.items
        selector = (svc.get("spec") or {}).get("selector") or {}
        sel = ",".join(f"{k}={v}" for k, v in sorted(selector.items()))
        pods, ev_pods = kev.list_objects(
            ctx, "pods", namespace, f"pods behind service {svc_name}", label_selector=sel
        )
        if not pods:
            return self._no_pods(ctx, f, namespace, svc_name, job, sel, [ev_svc, ev_pods])
        worst = worst_pod(pods)
        if worst is not None:
            found = diagnose_pod(ctx, f, namespace, worst["metadata"]["name"])
            ready = sum(all(c.ready for c in kev.container_facts(p)) for p in pods)
            for hyp in found:
                hyp.statement += (
                    f" Target {job} is down because {ready}/{len(pods)} pods of service {svc_name} are ready."
                )
                hyp.evidence[:0] = [ev_svc, ev_pods]
            return f.items
        ports = {
            str(p.get(key))
            for pod in pods
            for c in (pod.get("spec") or {}).get("containers") or []
            for p in c.get("ports") or []
            for key in ("containerPort", "name")
        }
        wanted = [str(p.get("targetPort", p.get("port"))) for p in (svc.get("spec") or {}).get("ports") or []]
        missing = [p for p in wanted if p not in ports]
        if missing:
            f.add(
                service=svc_name,
                kind="port_mismatch",
                component=svc_name,
                statement=f"All {len(pods)} pods of service {svc_name} are ready, but the service's "
                f"targetPort {', '.join(missing)} is not a port they expose ({', '.join(sorted(ports))}).",
                score=STRONG,
                evidence=[ev_svc, ev_pods],
            )
        else:
            f.add(
                service=svc_name,
                kind="network_policy",
                component=svc_name,
                statement=f"All {len(pods)} pods of service {svc_name} are ready and expose the target "
                f"port, yet Prometheus cannot scrape them: check NetworkPolicies in {namespace} "
                f"for ingress from the monitoring namespace, and the scrape TLS / auth settings.",
                score=LIKELY,
                evidence=[ev_svc, ev_pods],
            )
        return f.items

    def _no_pods(
        self,
        ctx: InvestigationContext,
        f: Findings,
        namespace: str,
        svc: str,
        job: str,
        sel: str,
        evidence: list[Any],
    ) -> list[Hypothesis]:
        deployments, ev_dep = kev.list_objects(
            ctx, "deployments", namespace, f"deployments matching {sel}", label_selector=sel
        )
        statefulsets, ev_sts = kev.list_objects(
            ctx, "statefulsets", namespace, f"statefulsets matching {sel}", label_selector=sel
        )
        events, ev_events = kev.list_objects(ctx, "events", namespace, f"events in {namespace}")
        workloads = deployments + statefulsets
        evidence = [*evidence, ev_dep, ev_sts, ev_events]
        if workloads:
            w = workloads[0]
            replicas = (w.get("spec") or {}).get("replicas")
            f.add(
                service=w["metadata"]["name"],
                kind="scaled_to_zero",
                component=svc,
                statement=f"No pods match service {svc} ({sel}): {'Deployment' if w in deployments else 'StatefulSet'} "
                f"{w['metadata']['name']} has spec.replicas {replicas}.",
                score=STRONG if replicas == 0 else LIKELY,
                evidence=evidence,
            )
            return f.items
        gone = [
            e
            for e in events
            if e.get("reason") in ("ScalingReplicaSet", "SuccessfulDelete", "Killing")
            or "deleted" in str(e.get("message", "")).lower()
        ]
        trail = "; ".join(
            f"{e['involvedObject'].get('kind')} {e['involvedObject'].get('name')}: {e.get('reason')} "
            f'"{e.get("message")}" {e.get("lastTimestamp")}'
            for e in gone[-3:]
        )
        f.add(
            service=svc,
            kind="removed_workload",
            component=svc,
            statement=f"No pods and no deployment or statefulset match service {svc} ({sel}) in "
            f"{namespace}: the workload behind job {job} was removed while its Service and scrape "
            f"config remain. " + (f"Last events: {trail}." if trail else "No events left about it."),
            score=STRONG if gone else LIKELY,
            evidence=evidence,
        )
        return f.items


class RuleFailuresInvestigator:
    alertnames: tuple[str, ...] = ("PrometheusRuleFailures",)

    def investigate(self, alert: Alert, ctx: InvestigationContext) -> list[Hypothesis]:
        f = Findings(ctx, alert)
        group_label = label(alert, "rule_group") or ""
        file, _, group_name = group_label.rpartition(";")
        result, ev = ctx.call(
            "prometheus.rules", {}, f"rule groups of {label(alert, 'instance') or 'Prometheus'}"
        )
        groups = result.data if result.ok and isinstance(result.data, list) else []
        failing: list[tuple[dict[str, Any], dict[str, Any]]] = [
            (g, r)
            for g in groups
            for r in g.get("rules") or []
            if r.get("health") == "err"
            and (not group_name or (g.get("name") == group_name and (not file or g.get("file") == file)))
        ]
        if not failing:
            f.add(
                service=label(alert, "namespace") or "prometheus",
                kind="unknown",
                component=group_name or None,
                statement=f"No rule of group {group_name or '(any)'} reports an error now: the failures may "
                f"have stopped.",
                score=WEAK,
                evidence=[ev],
            )
            return f.items
        for g, r in failing[:3]:
            error = str(r.get("lastError", ""))
            meaning = next((m for k, m in _RULE_ERRORS.items() if k in error), "see the error")
            rule = str(r.get("name") or r.get("alert") or r.get("record"))
            f.add(
                service=rule,
                kind="rule_error",
                component=rule,
                statement=f"Rule {rule} in group {g.get('name')} ({g.get('file')}) fails on every "
                f'evaluation: "{error}" - {meaning}. Expression: {r.get("query")}',
                score=STRONG,
                evidence=[ev],
                group=g.get("name"),
            )
        return f.items

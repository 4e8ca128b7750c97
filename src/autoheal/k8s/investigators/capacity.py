"""Capacity alerts: KubeHpaMaxedOut, CPUThrottlingHigh, KubeCPUOvercommit, KubeMemoryOvercommit.

* HPA maxed out - the HPA's current vs max replicas and its metrics vs targets; then *why* the
  workload needs more: did traffic rise (load) with CPU per request flat, or did CPU per request
  rise (a regression) - and did the last rollout coincide with it.
* CPU throttling - the share of CFS periods throttled, CPU used vs the container's limit over the
  incident, and whether the last rollout lowered the limit.
* Overcommit - requests summed over pods vs allocatable (kube-prometheus-stack fires when the
  cluster could not survive losing its largest node), and which workloads grew recently.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from typing import Any

from autoheal.domain.alerts import Alert
from autoheal.domain.investigation import Evidence, Hypothesis
from autoheal.k8s import evidence as kev
from autoheal.k8s.investigators.base import LIKELY, STRONG, WEAK, Findings, label
from autoheal.k8s.investigators.rolloutlink import is_recent, last_change, linked_fields
from autoheal.reasoning.base import InvestigationContext

RECENT_WINDOW = timedelta(minutes=15)  # "now" for rates: the last minutes of the incident window
LOAD_RISE = 1.5  # traffic at least x1.5 the reference: load drove the scale-out
REGRESSION_RISE = 1.3  # CPU per request at least x1.3 the reference: a regression


def _before_after(ctx: InvestigationContext, points: kev.Points) -> tuple[float, float]:
    before = kev.mean(kev.between(points, ctx.reference.start, ctx.reference.end))
    after = kev.mean(kev.between(points, ctx.incident.end - RECENT_WINDOW, ctx.incident.end))
    return before, after


def _rollout(
    ctx: InvestigationContext, namespace: str, deployment: str
) -> tuple[Any, dict[str, Any], Evidence]:
    history, ev = kev.rollout_history(ctx, namespace, "deployments", deployment)
    change = last_change(history)
    if change is None or not is_recent(change, ctx.clock.now()):
        return None, {}, ev
    new: dict[str, Any] = next(
        (r for r in (history or {}).get("revisions", []) if r["revision"] == change.to_revision), {}
    )
    return change, new, ev


class HpaInvestigator:
    alertnames: tuple[str, ...] = ("KubeHpaMaxedOut",)

    def investigate(self, alert: Alert, ctx: InvestigationContext) -> list[Hypothesis]:
        namespace = label(alert, "namespace")
        name = label(alert, "horizontalpodautoscaler", "hpa")
        if not namespace or not name:
            return []
        f = Findings(ctx, alert)
        hpa, ev_hpa = kev.get(ctx, "hpas", namespace, name, f"HPA {namespace}/{name}")
        if hpa is None:
            f.add(
                service=name,
                kind="noise",
                statement=f"HPA {namespace}/{name} no longer exists.",
                score=LIKELY,
                evidence=[ev_hpa],
            )
            return f.items
        spec, status = hpa.get("spec") or {}, hpa.get("status") or {}
        target = (spec.get("scaleTargetRef") or {}).get("name", name)
        maxed = (
            f"HPA {name} is at {status.get('currentReplicas', 0)}/{spec.get('maxReplicas')} replicas "
            f"(maxReplicas {spec.get('maxReplicas')}, desired {status.get('desiredReplicas', 0)})"
        )
        limited = [
            c
            for c in status.get("conditions") or []
            if c.get("type") == "ScalingLimited" and c.get("status") == "True"
        ]
        if limited:
            maxed += f" - ScalingLimited {limited[0].get('reason')}: {limited[0].get('message')}"
        metrics = "; ".join(_hpa_metrics(spec, status))
        if metrics:
            maxed += f"; {metrics}"
        requests, ev_req = kev.query_range(
            ctx, f'http_requests_total{{namespace="{namespace}",service="{target}"}}', f"requests of {target}"
        )
        cpu, ev_cpu = kev.query_range(
            ctx,
            f'container_cpu_usage_seconds_total{{namespace="{namespace}",pod=~"{target}-.*",container!=""}}',
            f"CPU used by the pods of {target}",
        )
        req_rate = kev.sum_series([kev.counter_rate(p) for _, p in requests])
        cpu_rate = kev.sum_series([kev.counter_rate(p) for _, p in cpu])
        change, new, ev_hist = _rollout(ctx, namespace, target)
        if not req_rate or not cpu_rate:
            f.add(
                service=target,
                kind="hpa_capacity",
                component=name,
                statement=f"{maxed}. No request or CPU series to tell load from a regression: "
                f"maxReplicas may simply be too low for the demand.",
                score=LIKELY,
                evidence=[ev_hpa, ev_req, ev_cpu],
            )
            return f.items
        r0, r1 = _before_after(ctx, req_rate)
        c0, c1 = _before_after(ctx, cpu_rate)
        per0 = 1000 * c0 / r0 if r0 else 0.0
        per1 = 1000 * c1 / r1 if r1 else 0.0
        traffic = f"traffic went from {r0:.0f} to {r1:.0f} req/s (x{r1 / r0 if r0 else 0:.1f})"
        per_req = f"CPU per request went from {per0:.1f} to {per1:.1f} ms (x{per1 / per0 if per0 else 0:.1f})"
        evidence = [ev_hpa, ev_req, ev_cpu]
        images = ", ".join(sorted(set((new.get("images") or {}).values())))
        if per0 and per1 / per0 >= REGRESSION_RISE:
            if change is not None:
                f.add(
                    service=target,
                    kind="bad_deploy",
                    component=f"revision {change.to_revision}",
                    statement=f"A regression in the rollout of {target} to revision {change.to_revision} "
                    f"({images}) {kev.ago(ctx, change.at)} drove {name} to its maximum: {per_req} while "
                    f"{traffic}. It changed {change.describe()}. {maxed}.",
                    score=STRONG,
                    evidence=[ev_hist, *evidence],
                    revision=change.to_revision,
                )
            else:
                f.add(
                    service=target,
                    kind="regression",
                    component=name,
                    statement=f"{target} needs more CPU for the same work: {per_req} while {traffic}; "
                    f"no rollout in the last hours explains it. {maxed}.",
                    score=LIKELY,
                    evidence=evidence,
                )
            return f.items
        if r0 and r1 / r0 >= LOAD_RISE:
            f.add(
                service=target,
                kind="load_increase",
                component=name,
                statement=f"Load drove {name} to its maximum: {traffic} while {per_req} "
                f"(no regression). {maxed}. Raise maxReplicas or shed load.",
                score=STRONG,
                evidence=evidence,
            )
        else:
            f.add(
                service=target,
                kind="hpa_capacity",
                component=name,
                statement=f"{maxed}. Neither traffic ({traffic}) nor CPU per request ({per_req}) changed "
                f"much: maxReplicas is too low for the steady demand.",
                score=LIKELY,
                evidence=evidence,
            )
        if change is not None:
            f.add(
                service=target,
                kind="bad_deploy",
                component=f"revision {change.to_revision}",
                statement=f"Ruled out: the rollout to revision {change.to_revision} {kev.ago(ctx, change.at)} "
                f"changed {change.describe()}, but {per_req}: it did not make requests more expensive.",
                score=WEAK * 0.5,
                evidence=[ev_hist, ev_cpu],
                ruled_out=True,
            )
        return f.items


def _hpa_metrics(spec: dict[str, Any], status: dict[str, Any]) -> list[str]:
    targets = {}
    for m in spec.get("metrics") or []:
        if m.get("type") == "Resource":
            res = m["resource"]
            targets[res["name"]] = res.get("target", {}).get("averageUtilization")
    out = []
    for m in status.get("currentMetrics") or []:
        if m.get("type") == "Resource":
            res = m["resource"]
            current = (res.get("current") or {}).get("averageUtilization")
            out.append(f"{res['name']} utilization {current}% vs target {targets.get(res['name'])}%")
    return out


class ThrottlingInvestigator:
    alertnames: tuple[str, ...] = ("CPUThrottlingHigh",)

    def investigate(self, alert: Alert, ctx: InvestigationContext) -> list[Hypothesis]:
        namespace, pod_name, cname = label(alert, "namespace"), label(alert, "pod"), label(alert, "container")
        if not namespace or not pod_name or not cname:
            return []
        f = Findings(ctx, alert)
        pod, ev_pod = kev.get(ctx, "pods", namespace, pod_name, f"pod {namespace}/{pod_name}")
        if pod is None:
            f.add(
                service=pod_name,
                kind="noise",
                statement=f"Pod {namespace}/{pod_name} no longer exists.",
                score=LIKELY,
                evidence=[ev_pod],
            )
            return f.items
        workload = kev.workload_of(pod)
        resources = kev.container_spec(pod, cname).get("resources") or {}
        limit_text = (resources.get("limits") or {}).get("cpu")
        request_text = (resources.get("requests") or {}).get("cpu")
        sel = f'namespace="{namespace}",pod="{pod_name}",container="{cname}"'
        throttled, ev_thr = kev.query_range(
            ctx,
            f"container_cpu_cfs_throttled_periods_total{{{sel}}}",
            f"throttled CFS periods of {pod_name}/{cname}",
        )
        periods, ev_per = kev.query_range(
            ctx, f"container_cpu_cfs_periods_total{{{sel}}}", f"CFS periods of {pod_name}/{cname}"
        )
        usage, ev_use = kev.query_range(
            ctx, f"container_cpu_usage_seconds_total{{{sel}}}", f"CPU used by {pod_name}/{cname}"
        )
        recent = (ctx.incident.end - RECENT_WINDOW, ctx.incident.end)
        thr = sum(kev.between(kev.sum_series([kev.counter_rate(p) for _, p in throttled]), *recent))
        per = sum(kev.between(kev.sum_series([kev.counter_rate(p) for _, p in periods]), *recent))
        use = kev.between(kev.sum_series([kev.counter_rate(p) for _, p in usage]), *recent)
        share = f"{100 * thr / per:.0f}% of CFS periods throttled" if per else "throttled"
        evidence = [ev_pod, ev_thr, ev_per, ev_use]
        if limit_text is None:
            f.add(
                service=workload,
                kind="unknown",
                component=cname,
                statement=f"Container {cname} of pod {pod_name} has no CPU limit; CFS throttling comes "
                f"from the node or a LimitRange default ({share}).",
                score=WEAK,
                evidence=evidence,
            )
            return f.items
        limit = kev.quantity(limit_text)
        peak, avg = (max(use), kev.mean(use)) if use else (0.0, 0.0)
        usage_text = (
            f"it uses {kev.cores(avg)} on average and up to {kev.cores(peak)} "
            f"({100 * peak / limit:.0f}% of its limit) in the last {RECENT_WINDOW.total_seconds() / 60:.0f} min"
            if use
            else "no CPU usage series"
        )
        hyp = f.add(
            service=workload,
            kind="cpu_limit",
            component=cname,
            statement=f"Container {cname} of pod {pod_name} is CPU-throttled ({share}): its CPU limit "
            f"{limit_text} (request {request_text or 'none'}) is too low for its demand; {usage_text}. "
            f"Raise the limit (or remove it) rather than the replicas.",
            score=STRONG if use and peak >= 0.8 * limit else LIKELY,
            evidence=evidence,
            cpu_limit=limit_text,
        )
        owner = next((r for r in pod["metadata"].get("ownerReferences") or [] if r.get("controller")), None)
        if owner and owner.get("kind") == "ReplicaSet":
            change, _, ev_hist = _rollout(ctx, namespace, workload)
            linked = linked_fields(change, "cpu_throttling", None) if change is not None else []
            if change is not None and linked:
                hyp.score = WEAK
                f.add(
                    service=workload,
                    kind="bad_deploy",
                    component=f"revision {change.to_revision}",
                    statement=f"The rollout of {workload} to revision {change.to_revision} "
                    f"{kev.ago(ctx, change.at)} lowered the CPU limit: {change.describe(linked)}. "
                    f"{hyp.statement}",
                    score=STRONG,
                    evidence=[ev_hist, *evidence],
                    revision=change.to_revision,
                )
        return f.items


class OvercommitInvestigator:
    alertnames: tuple[str, ...] = ("KubeCPUOvercommit", "KubeMemoryOvercommit")

    def investigate(self, alert: Alert, ctx: InvestigationContext) -> list[Hypothesis]:
        resource = "cpu" if alert.name == "KubeCPUOvercommit" else "memory"
        show = kev.cores if resource == "cpu" else kev.human_bytes
        f = Findings(ctx, alert)
        nodes, ev_nodes = kev.list_objects(ctx, "nodes", None, "nodes and their allocatable resources")
        pods, ev_pods = kev.list_objects(
            ctx,
            "pods",
            None,
            "pods in all namespaces with their requests",
            field_selector="status.phase!=Succeeded,status.phase!=Failed",
            limit=MAX_PODS,
        )
        alloc = [
            kev.quantity(((n.get("status") or {}).get("allocatable") or {}).get(resource)) for n in nodes
        ]
        if not alloc or not pods:
            return f.items
        total_alloc, largest = sum(alloc), max(alloc)
        requested = sum(kev.requests_of(p, resource) for p in pods)
        headroom = (
            f"{resource} requests {show(requested)} vs allocatable {show(total_alloc)} on {len(alloc)} nodes "
        )
        headroom += f"({100 * requested / total_alloc:.0f}%); without the largest node only {show(total_alloc - largest)}"
        if len(pods) >= MAX_PODS:
            headroom += f" (partial: only the first {MAX_PODS} pods were read)"
        by_workload: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
        for p in pods:
            by_workload[(p["metadata"].get("namespace", ""), kev.workload_of(p))].append(p)
        now = ctx.clock.now()
        growth = []
        for (ns, wl), items in by_workload.items():
            new = [
                p
                for p in items
                if (c := kev.parse_time(p["metadata"].get("creationTimestamp"))) and now - c <= RECENT_GROWTH
            ]
            added = sum(kev.requests_of(p, resource) for p in new)
            growth.append(
                (added, ns, wl, len(new), len(items), sum(kev.requests_of(p, resource) for p in items))
            )
        growth.sort(reverse=True)
        added, ns, wl, n_new, n_all, wl_total = growth[0]
        evidence = [ev_nodes, ev_pods]
        if added <= 0:
            f.add(
                service="cluster",
                kind="overcommit",
                component=resource,
                statement=f"The cluster is overcommitted on {resource}: {headroom}. No workload grew in "
                f"the last {RECENT_GROWTH.total_seconds() / 3600:.0f} h; capacity has been short for longer.",
                score=LIKELY,
                evidence=evidence,
            )
            return f.items
        per_pod = wl_total / n_all if n_all else 0.0
        what = f"{n_new} of its {n_all} pods were created in the last {RECENT_GROWTH.total_seconds() / 3600:.0f} h"
        change_text, cite = "", []
        history, ev_hist = kev.rollout_history(ctx, ns, "deployments", wl)
        change = last_change(history)
        if change is not None and is_recent(change, now):
            linked = linked_fields(change, "insufficient_resources", None)
            if linked:
                change_text = (
                    f" The rollout to revision {change.to_revision} {kev.ago(ctx, change.at)} raised "
                    f"its requests: {change.describe(linked)}."
                )
                cite = [ev_hist]
        f.add(
            service=wl,
            kind="overcommit",
            component=resource,
            statement=f"The cluster is overcommitted on {resource}: {headroom}. The growth is {ns}/{wl}: "
            f"{what}, adding {show(added)} of {resource} requests ({n_all} pods x {show(per_pod)})."
            f"{change_text}",
            score=STRONG,
            evidence=[*evidence, *cite],
            namespace=ns,
        )
        for other in growth[1:3]:
            if other[0] > 0:
                f.add(
                    service=other[2],
                    kind="overcommit",
                    component=resource,
                    statement=f"Also grew: {other[1]}/{other[2]} added {show(other[0])} of {resource} requests "
                    f"({other[3]} new pods).",
                    score=WEAK * other[0] / added,
                    evidence=evidence,
                )
        return f.items


RECENT_GROWTH = timedelta(hours=6)
MAX_PODS = 1000  # the tool's list cap; a larger cluster's sums are marked as partial

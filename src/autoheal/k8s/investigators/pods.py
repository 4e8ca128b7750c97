"""Pod-level diagnosis: KubePodCrashLooping, KubePodNotReady, KubeContainerWaiting.

The checks an SRE makes, in order: does the pod still exist and is it still failing (or did it
recover / is the restart count stale); is it unschedulable (FailedScheduling: insufficient
cpu/memory/gpu, untolerated taint, unbound PVC); is a container waiting (image pull with the image
and the registry's error, missing config map / secret); does it crash (OOMKilled vs error exit,
the log lines just before the exit); is it running but failing probes. Then: did the last rollout
of its owner introduce it, and for a refused connection, is the dependency itself down.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from autoheal.domain.alerts import Alert
from autoheal.domain.investigation import Evidence, Hypothesis
from autoheal.k8s import alertevidence, logcause
from autoheal.k8s import evidence as kev
from autoheal.k8s.investigators import health
from autoheal.k8s.investigators.base import LIKELY, STRONG, WEAK, Findings, label
from autoheal.k8s.investigators.rolloutlink import is_recent, last_change, linked_fields
from autoheal.reasoning.base import InvestigationContext

STABLE_FOR = timedelta(minutes=10)
_IMAGE_IN_EVENT = re.compile(r'(?:pull|pulling) image "([^"]+)"', re.I)
_REQUESTS = {"cpu", "memory", "nvidia.com/gpu", "ephemeral-storage"}
_ONLY_REASON = re.compile(r"^Error: [A-Za-z]+$")

LOG_CAUSE_KIND = {
    "missing_config": "config_error",
    "connection_refused": "dependency_outage",
    "certificate_expired": "certificate_expired",
    "permission_denied": "permission_denied",
    "syntax_error": "code_error",
    "crash": "code_error",
    "exception": "code_error",
    "out_of_memory": "oom",
    "disk_full": "disk_full",
    "error": "code_error",
    "unknown": "code_error",
}


class PodContext:
    """What is known about one pod while diagnosing it."""

    def __init__(self, ctx: InvestigationContext, namespace: str, pod: dict[str, Any], ev: Evidence) -> None:
        self.ctx = ctx
        self.namespace = namespace
        self.pod = pod
        self.name: str = pod["metadata"]["name"]
        self.ev_pod = ev
        chain = kev.owner_chain(ctx, pod)
        self.owners = [(kind, obj["metadata"]["name"], e) for kind, obj, e in chain]
        self.workload = self.owners[-1] if self.owners else None
        self.service = self.workload[1] if self.workload else self.name


def worst_pod(pods: list[dict[str, Any]]) -> dict[str, Any] | None:
    def badness(p: dict[str, Any]) -> tuple[int, int, str]:
        facts = kev.container_facts(p)
        unready = sum(not c.ready for c in facts) + (1 if not facts else 0)
        created = str((p.get("metadata") or {}).get("creationTimestamp") or "")
        return unready, sum(c.restarts for c in facts), created  # ties: the latest attempt

    bad = [p for p in pods if badness(p)[0] > 0]
    return max(bad, key=badness) if bad else None


def pick_container(facts: list[kev.ContainerFacts], wanted: str | None) -> kev.ContainerFacts | None:
    if wanted:
        for c in facts:
            if c.name == wanted:
                return c
    unhealthy = [c for c in facts if not c.ready]
    pool = unhealthy or facts
    return max(pool, key=lambda c: c.restarts) if pool else None


def diagnose_pod(
    ctx: InvestigationContext, f: Findings, namespace: str, pod_name: str, container: str | None = None
) -> list[Hypothesis]:
    pod, ev = kev.get(ctx, "pods", namespace, pod_name, f"pod {namespace}/{pod_name}")
    if pod is None:
        return health.pod_gone(ctx, f, namespace, pod_name, ev)
    pc = PodContext(ctx, namespace, pod, ev)
    facts = kev.container_facts(pod)
    c = pick_container(facts, container)
    events, ev_events = kev.events_for(ctx, namespace, "Pod", pc.name)
    if (pod.get("metadata") or {}).get("deletionTimestamp"):
        found = health.terminating(pc, f)
        if found:
            return found
    status = pod.get("status") or {}
    phase = status.get("phase")
    if phase == "Failed" and status.get("reason") == "Evicted":
        return _evicted(pc, f, str(status.get("message") or ""), ev_events)
    if phase == "Pending" and (
        c is None or (c.state == "waiting" and c.reason in (None, "ContainerCreating"))
    ):
        sched = [e for e in events if e.get("reason") == "FailedScheduling"]
        ev_sched = ev_events
        if not sched:
            # The events expired (their TTL is an hour) or were never captured: the PodScheduled
            # condition keeps the scheduler's last message; else the alert may have brought them.
            cond = next((x for x in status.get("conditions") or [] if x.get("type") == "PodScheduled"), None)
            if cond and cond.get("status") == "False" and cond.get("message"):
                sched, ev_sched = [{"reason": "FailedScheduling", "message": cond["message"]}], pc.ev_pod
            else:
                lines, ev_alert = alertevidence.read(ctx, f.alert, "events")
                attached = [e for e in alertevidence.events(lines) if e["reason"] == "FailedScheduling"]
                if attached and ev_alert is not None:
                    sched, ev_sched = attached, ev_alert
        if sched:
            return _unschedulable(pc, f, sched[-1], ev_sched)
        attach = [e for e in events if e.get("reason") == "FailedAttachVolume"]
        if attach:
            # The mount waits on the attach: the attach controller's error is the cause.
            return _failed_attach(pc, f, attach[-1], ev_events)
        mounts = [e for e in events if e.get("reason") == "FailedMount"]
        if mounts:
            return _failed_mount(pc, f, mounts[-1], ev_events)
    if c is None:
        return []
    if c.state == "waiting" and c.reason in ("ImagePullBackOff", "ErrImagePull", "InvalidImageName"):
        return _image_pull(pc, f, c, events, ev_events)
    if c.state == "waiting" and c.reason in ("CreateContainerConfigError", "CreateContainerError"):
        return _config_error(pc, f, c, ev_events)
    if c.last_reason in START_FAILURES or (c.state == "waiting" and c.reason == "RunContainerError"):
        return _start_failure(pc, f, c, events, ev_events)
    liveness = [e for e in events if _is_liveness_kill(e)]
    if liveness and c.restarts > 0 and c.last_reason != "OOMKilled" and not _recovered(pc, c):
        return _probe_failure(pc, f, c, _probe_event(events, liveness), ev_events, restarted=True)
    if c.last_exit_code == 0 and c.restarts > 0 and not _recovered(pc, c) and not c.init:
        return _exits_zero(pc, f, c, ev_events)
    if c.last_exit_code not in (None, 0) and (c.restarts > 0 or c.state == "terminated"):
        return _crashing(pc, f, c, ev_events)
    unhealthy = [e for e in events if e.get("reason") == "Unhealthy"]
    if not c.ready and unhealthy:
        return _probe_failure(pc, f, c, unhealthy[-1], ev_events)
    if all(x.ready or (x.init and x.state == "terminated") for x in facts):
        return health.pod_healthy(pc, f, ev_events)
    if phase == "Succeeded":
        return health.completed(pc, f, ev_events)
    return [
        f.add(
            service=pc.service,
            kind="unknown",
            statement=f"Pod {pc.name} is {phase}; container {c.name} is {c.state} "
            f"({c.reason or 'no reason'}) with {c.restarts} restarts; no failure recorded.",
            score=WEAK,
            evidence=[pc.ev_pod, ev_events],
        )
    ]


def _with_rollout(
    pc: PodContext,
    f: Findings,
    cause: str,
    detail: str | None,
    specific: Hypothesis,
    line: str | None = None,
) -> list[Hypothesis]:
    """Promote to ``bad_deploy`` when the owner's last rollout changed what explains the cause."""
    if pc.workload is None or pc.workload[0] not in ("Deployment", "StatefulSet", "DaemonSet"):
        return [specific]
    resource = {"Deployment": "deployments", "StatefulSet": "statefulsets", "DaemonSet": "daemonsets"}
    history, ev_hist = kev.rollout_history(pc.ctx, pc.namespace, resource[pc.workload[0]], pc.workload[1])
    change = last_change(history)
    if change is None or not is_recent(change, pc.ctx.clock.now()):
        return [specific]
    linked = linked_fields(change, cause, detail, line)
    when = kev.ago(pc.ctx, change.at)
    new: dict[str, Any] = next(
        (r for r in (history or {}).get("revisions", []) if r["revision"] == change.to_revision), {}
    )
    images = ", ".join(sorted(set((new.get("images") or {}).values())))
    if linked:
        specific.score = WEAK
        specific.statement += " (a consequence of the rollout below, not an independent cause)"
        rollout = f.add(
            service=pc.service,
            kind="bad_deploy",
            component=f"revision {change.to_revision}",
            statement=f"The rollout of {pc.workload[0]} {pc.workload[1]} to revision "
            f"{change.to_revision} ({images}) {when} introduced it: it changed {change.describe(linked)}. "
            f"{specific.statement.split(' (a consequence')[0]}",
            score=STRONG,
            evidence=[ev_hist, *specific.evidence],
            revision=change.to_revision,
            changed=[d["field"] for d in linked],
        )
        return [rollout, specific]
    f.add(
        service=pc.service,
        kind="bad_deploy",
        component=f"revision {change.to_revision}",
        statement=f"Ruled out: the rollout to revision {change.to_revision} {when} changed only "
        f"{change.describe()}, which does not explain {cause.replace('_', ' ')}.",
        score=WEAK * 0.5,
        evidence=[ev_hist],
        ruled_out=True,
    )
    return [specific]


def _unschedulable(pc: PodContext, f: Findings, event: dict[str, Any], ev: Evidence) -> list[Hypothesis]:
    message = event.get("message", "")
    lowered = message.lower()
    if "unbound" in lowered and "persistentvolumeclaim" in lowered:
        return _unbound_pvc(pc, f, message, ev)
    insufficient = [(n, r.rstrip(".")) for n, r in re.findall(r"(\d+) Insufficient ([\w./-]+)", message)]
    taints = re.findall(r"untolerated taint[s]?(?: \{|\(s\) \{|: \{)?\s*\{?([^}]+)\}", message)
    if insufficient:
        resources = ", ".join(f"{r} on {n} node(s)" for n, r in insufficient if r in _REQUESTS or "/" in r)
        hyp = f.add(
            service=pc.service,
            kind="insufficient_resources",
            component=insufficient[0][1],
            statement=f"Pod {pc.name} cannot be scheduled: Insufficient {resources} "
            f'(FailedScheduling: "{message}").',
            score=STRONG,
            evidence=[pc.ev_pod, ev],
        )
        return _with_rollout(pc, f, "insufficient_resources", None, hyp)
    if taints:
        return [
            f.add(
                service=pc.service,
                kind="taint",
                component=taints[0].strip(),
                statement=f"Pod {pc.name} cannot be scheduled: nodes carry the taint "
                f'{{{taints[0].strip()}}} it does not tolerate (FailedScheduling: "{message}").',
                score=STRONG,
                evidence=[pc.ev_pod, ev],
            )
        ]
    return [
        f.add(
            service=pc.service,
            kind="unschedulable",
            statement=f'Pod {pc.name} cannot be scheduled: "{message}".',
            score=LIKELY,
            evidence=[pc.ev_pod, ev],
        )
    ]


def _unbound_pvc(pc: PodContext, f: Findings, message: str, ev: Evidence) -> list[Hypothesis]:
    claims = [
        v["persistentVolumeClaim"]["claimName"]
        for v in pc.pod.get("spec", {}).get("volumes") or []
        if v.get("persistentVolumeClaim")
    ]
    evidence = [pc.ev_pod, ev]
    detail = ""
    for claim in claims:
        pvc, ev_pvc = kev.get(pc.ctx, "pvcs", pc.namespace, claim, f"PVC {claim}")
        evidence.append(ev_pvc)
        if pvc and (pvc.get("status") or {}).get("phase") != "Bound":
            pvc_events, ev_pe = kev.events_for(pc.ctx, pc.namespace, "PersistentVolumeClaim", claim)
            evidence.append(ev_pe)
            storage_class = (pvc.get("spec") or {}).get("storageClassName")
            last = pvc_events[-1]["message"] if pvc_events else "no provisioning event"
            detail = (
                f"PVC {claim} is {(pvc.get('status') or {}).get('phase')} "
                f"(storageClassName {storage_class}): {last}"
            )
            return [
                f.add(
                    service=pc.service,
                    kind="unbound_pvc",
                    component=claim,
                    statement=f"Pod {pc.name} cannot be scheduled because its claim is unbound. {detail}.",
                    score=STRONG,
                    evidence=evidence,
                )
            ]
    return [
        f.add(
            service=pc.service,
            kind="unbound_pvc",
            statement=f'Pod {pc.name} cannot be scheduled: "{message}".',
            score=LIKELY,
            evidence=evidence,
        )
    ]


def _failed_mount(pc: PodContext, f: Findings, event: dict[str, Any], ev: Evidence) -> list[Hypothesis]:
    message = event.get("message", "")
    return [
        f.add(
            service=pc.service,
            kind="config_error",
            statement=f'Pod {pc.name} is stuck in ContainerCreating: FailedMount "{message}".',
            score=STRONG,
            evidence=[pc.ev_pod, ev],
        )
    ]


def _failed_attach(pc: PodContext, f: Findings, event: dict[str, Any], ev: Evidence) -> list[Hypothesis]:
    message = event.get("message", "")
    return [
        f.add(
            service=pc.service,
            kind="volume_attach",
            statement=f"Pod {pc.name} is stuck in ContainerCreating: its volume cannot be attached to node "
            f'{pc.pod.get("spec", {}).get("nodeName")}: FailedAttachVolume "{message}" '
            f"(a ReadWriteOnce volume is attached to one node at a time).",
            score=STRONG,
            evidence=[pc.ev_pod, ev],
        )
    ]


def _evicted(pc: PodContext, f: Findings, message: str, ev: Evidence) -> list[Hypothesis]:
    """The kubelet evicted the pod under node pressure; its message names the resource and usage."""
    resource = re.search(r"low on resource: ([\w.-]+)", message)
    return [
        f.add(
            service=pc.service,
            kind="eviction",
            component=resource.group(1) if resource else None,
            statement=f'Pod {pc.name} was evicted by the kubelet (status Failed, reason Evicted): "{message.strip()}".',
            score=STRONG,
            evidence=[pc.ev_pod, ev],
        )
    ]


def _image_pull(
    pc: PodContext, f: Findings, c: kev.ContainerFacts, events: list[dict[str, Any]], ev: Evidence
) -> list[Hypothesis]:
    failed = [
        str(e.get("message", ""))
        for e in events
        if e.get("reason") in ("Failed", "InspectFailed") and "image" in str(e.get("message", "")).lower()
    ]
    # "Error: ErrImagePull" only repeats the reason: the registry's or runtime's own words are in
    # the other events or the waiting message.
    telling = [m for m in [*failed, c.message or ""] if m and not _ONLY_REASON.match(m)]
    message = telling[0] if telling else (failed[-1] if failed else (c.message or ""))
    image_match = _IMAGE_IN_EVENT.search(message)
    image = image_match.group(1) if image_match else c.image
    registry = image.split("/")[0] if "/" in image and "." in image.split("/")[0] else "docker.io"
    hyp = f.add(
        service=pc.service,
        kind="image_pull",
        component=image,
        statement=f"Container {c.name} of pod {pc.name} cannot start ({c.reason}): pulling image "
        f'{image} from {registry} fails: "{message}".',
        score=STRONG,
        evidence=[pc.ev_pod, ev],
        image=image,
    )
    return _with_rollout(pc, f, "image_pull", image, hyp)


def _config_error(pc: PodContext, f: Findings, c: kev.ContainerFacts, ev: Evidence) -> list[Hypothesis]:
    hyp = f.add(
        service=pc.service,
        kind="config_error",
        component=c.name,
        statement=f'Container {c.name} of pod {pc.name} cannot be created (CreateContainerConfigError): "{c.message}".',
        score=STRONG,
        evidence=[pc.ev_pod, ev],
    )
    return _with_rollout(pc, f, "missing_config", None, hyp)


def _probe_failure(
    pc: PodContext,
    f: Findings,
    c: kev.ContainerFacts,
    event: dict[str, Any],
    ev: Evidence,
    *,
    restarted: bool = False,
) -> list[Hypothesis]:
    spec = kev.container_spec(pc.pod, c.name)
    which = "livenessProbe" if restarted else "readinessProbe"
    probe = spec.get(which) or spec.get("readinessProbe") or spec.get("livenessProbe") or {}
    target = probe.get("httpGet") or probe.get("tcpSocket") or probe.get("exec") or {}
    where = f"{target.get('path', '')} port {target.get('port', '?')}".strip()
    timing = ", ".join(
        f"{k} {probe[k]}" for k in ("timeoutSeconds", "periodSeconds", "failureThreshold") if k in probe
    )
    what = (
        f"is restarted by the kubelet after failed liveness probes (last exit code {c.last_exit_code}, "
        f"{c.last_reason}, {c.restarts} restarts; not OOMKilled)"
        if restarted
        else "is running but not ready"
    )
    hyp = f.add(
        service=pc.service,
        kind="probe_failure",
        component=c.name,
        statement=f"Container {c.name} of pod {pc.name} {what}: "
        f'"{event.get("message", "")}" (x{event.get("count", 1)}); the probe checks {where}'
        + (f" ({timing})." if timing else "."),
        score=STRONG,
        evidence=[pc.ev_pod, ev],
    )
    # The port the probe checks: a rollout that moved the app off it explains a refused probe.
    port = str(target.get("port", "")) if "connection refused" in str(event.get("message", "")) else None
    return _with_rollout(pc, f, "probe_failure", port or None, hyp)


# Container start failures the kubelet reports as a terminated state with a message (the runtime's
# own error: exec format error, no such file, permission denied on the entrypoint...).
START_FAILURES = ("StartError", "ContainerCannotRun")


def _is_liveness_kill(event: dict[str, Any]) -> bool:
    """The kubelet's own events for a liveness restart (reason Unhealthy / Killing)."""
    message = str(event.get("message", ""))
    return (event.get("reason") == "Unhealthy" and message.startswith("Liveness probe failed")) or (
        event.get("reason") == "Killing" and "failed liveness probe" in message
    )


def _probe_event(events: list[dict[str, Any]], liveness: list[dict[str, Any]]) -> dict[str, Any]:
    failed = [e for e in liveness if e.get("reason") == "Unhealthy"]
    return failed[-1] if failed else liveness[-1]


def _recovered(pc: PodContext, c: kev.ContainerFacts) -> bool:
    now = pc.ctx.clock.now()
    return bool(c.state == "running" and c.ready and c.running_since and now - c.running_since >= STABLE_FOR)


def _start_failure(
    pc: PodContext, f: Findings, c: kev.ContainerFacts, events: list[dict[str, Any]], ev: Evidence
) -> list[Hypothesis]:
    """The container never started: the runtime's message says why (in the terminated state, the
    waiting state or the Failed event)."""
    failed = [e for e in events if e.get("reason") == "Failed"]
    message = c.last_message or c.message or (failed[-1].get("message", "") if failed else "")
    hyp = f.add(
        service=pc.service,
        kind="config_error",
        component=c.name,
        statement=f"Container {c.name} of pod {pc.name} fails to start ({c.last_reason or c.reason}, "
        f'exit code {c.last_exit_code}, {c.restarts} restarts), image {c.image}: "{message}".',
        score=STRONG,
        evidence=[pc.ev_pod, ev],
        start_message=message,
    )
    return _with_rollout(pc, f, "start_failure", None, hyp)


def _exits_zero(pc: PodContext, f: Findings, c: kev.ContainerFacts, ev: Evidence) -> list[Hypothesis]:
    """Exit code 0 in a crash loop: the process finishes successfully and ``restartPolicy: Always``
    starts it again - a run-to-completion command under a long-running controller."""
    spec = kev.container_spec(pc.pod, c.name)
    command = " ".join([*(spec.get("command") or []), *(spec.get("args") or [])]) or "the image's entrypoint"
    lines, ev_logs = kev.logs(pc.ctx, pc.namespace, pc.name, c.name, previous=True)
    last = f' Its last log line: "{lines[-1].strip()}".' if lines else ""
    owner = f"{pc.workload[0]} {pc.workload[1]}" if pc.workload else f"pod {pc.name}"
    hyp = f.add(
        service=pc.service,
        kind="config_error",
        component=c.name,
        statement=f"Container {c.name} of pod {pc.name} exits with exit code 0 ({c.last_reason}) and is "
        f"restarted ({c.restarts} restarts): its command ({command}) runs to completion, but {owner} "
        f"restarts containers forever (restartPolicy {pc.pod.get('spec', {}).get('restartPolicy', 'Always')}); "
        f"run it as a Job or make it a long-running process.{last}",
        score=STRONG,
        evidence=[pc.ev_pod, ev_logs],
    )
    return _with_rollout(pc, f, "exits_zero", None, hyp)


def _crashing(pc: PodContext, f: Findings, c: kev.ContainerFacts, ev_events: Evidence) -> list[Hypothesis]:
    now = pc.ctx.clock.now()
    if c.state == "running" and c.ready and c.running_since and now - c.running_since >= STABLE_FOR:
        stale = c.last_finished is not None and now - c.last_finished > timedelta(hours=24)
        what = "the restart count is stale" if stale else "the crash loop has already recovered"
        return [
            f.add(
                service=pc.service,
                kind="noise",
                component=c.name,
                statement=f"Noise: {what}. Container {c.name} of pod {pc.name} has {c.restarts} restarts "
                f"but has been running and ready since {c.running_since.isoformat()} "
                f"({kev.ago(pc.ctx, c.running_since)}); last exit {kev.ago(pc.ctx, c.last_finished)} "
                f"({c.last_reason}, exit code {c.last_exit_code}).",
                score=STRONG,
                evidence=[pc.ev_pod],
                recovered=True,
            )
        ]
    if c.last_reason == "OOMKilled" or (c.last_exit_code == 137 and c.last_reason != "Error"):
        return _oom(pc, f, c)
    # A restarted container's failure is in the previous log; a terminated one's in the current.
    previous = c.state != "terminated"
    lines, ev_logs = kev.logs(pc.ctx, pc.namespace, pc.name, c.name, previous=previous)
    where = "Log line"
    if not any(line.strip() for line in lines):
        # No log read: the container's termination message (its last words, or the log's tail
        # with FallbackToLogsOnError), else the log lines the alert brought.
        if c.last_message:
            lines, ev_logs, where = c.last_message.splitlines(), pc.ev_pod, "Termination message line"
        else:
            attached, ev_alert = alertevidence.read(pc.ctx, f.alert, "log lines")
            if ev_alert is not None:
                lines, ev_logs, where = attached, ev_alert, "From the alert, line"
    cause = logcause.extract(lines)
    quoted = f' {where} {cause.line.number}: "{cause.line.text.strip()}".' if cause.line else ""
    detail = f" ({cause.detail})" if cause.detail else ""
    kind = LOG_CAUSE_KIND[cause.kind]
    hyp = f.add(
        service=pc.service,
        kind=kind,
        component=cause.detail or c.name,
        statement=f"Container {c.name} of pod {pc.name} exits with code {c.last_exit_code} "
        f"({c.last_reason}) and has restarted {c.restarts} times: "
        f"{cause.kind.replace('_', ' ')}{detail}.{quoted}",
        score=STRONG if cause.line else LIKELY,
        evidence=[pc.ev_pod, ev_logs],
        log_line=cause.line.text if cause.line else None,
    )
    if cause.kind == "connection_refused" and cause.host_port:
        _check_dependency(pc, f, hyp, *cause.host_port)
    return _with_rollout(pc, f, cause.kind, cause.detail, hyp, cause.line.text if cause.line else None)


def _check_dependency(pc: PodContext, f: Findings, hyp: Hypothesis, host: str, port: int) -> None:
    """Is the service behind host:port itself down? Strengthens or weakens the outage hypothesis."""
    parts = host.split(".")
    name, namespace = parts[0], parts[1] if len(parts) > 1 and parts[1] != "svc" else pc.namespace
    svc, ev_svc = kev.get(pc.ctx, "services", namespace, name, f"service {namespace}/{name}")
    if svc is None:
        # No Service object read: a Service usually fronts the workload of the same name.
        hyp.evidence.append(ev_svc)
        for resource in ("statefulsets", "deployments"):
            svc, ev_svc = kev.get(pc.ctx, resource, namespace, name, f"{resource} {namespace}/{name}")
            hyp.evidence.append(ev_svc)
            if svc is not None:
                break
        if svc is None:
            return
        selector = ((svc.get("spec") or {}).get("selector") or {}).get("matchLabels") or {}
    else:
        selector = (svc.get("spec") or {}).get("selector") or {}
    sel = ",".join(f"{k}={v}" for k, v in sorted(selector.items()))
    pods, ev_pods = kev.list_objects(
        pc.ctx, "pods", namespace, f"pods behind service {name}", label_selector=sel
    )
    ready = [p for p in pods if all(c.ready for c in kev.container_facts(p))]
    hyp.evidence.extend([ev_svc, ev_pods])
    if pods and not ready:
        states = sorted(
            {f"{c.reason or c.state}" for p in pods for c in kev.container_facts(p) if not c.ready}
        )
        hyp.statement += (
            f" The dependency {name}:{port} is down: 0/{len(pods)} pods of service {name} are ready "
            f"({', '.join(states)})."
        )
        hyp.attributes["dependency"] = name
    elif ready:
        hyp.score = LIKELY
        hyp.statement += f" Service {name} has {len(ready)}/{len(pods)} ready pods: check the network path."


def _oom(pc: PodContext, f: Findings, c: kev.ContainerFacts) -> list[Hypothesis]:
    spec = kev.container_spec(pc.pod, c.name)
    limit = ((spec.get("resources") or {}).get("limits") or {}).get("memory")
    evidence = [pc.ev_pod]
    usage = ""
    series, ev_m = kev.query_range(
        pc.ctx,
        f'container_memory_working_set_bytes{{namespace="{pc.namespace}",pod="{pc.name}",container="{c.name}"}}',
        f"memory working set of {pc.name}/{c.name}",
    )
    if series:
        peak = max(v for _, values in series for _, v in values)
        usage = f"; its working set peaked at {kev.human_bytes(peak)}"
        evidence.append(ev_m)
    hyp = f.add(
        service=pc.service,
        kind="oom",
        component=c.name,
        statement=f"Container {c.name} of pod {pc.name} is OOMKilled (exit code {c.last_exit_code}, "
        f"{c.restarts} restarts): it exceeds its memory limit {limit or 'none (node memory)'}{usage}.",
        score=STRONG,
        evidence=evidence,
        memory_limit=limit,
    )
    return _with_rollout(pc, f, "oom", None, hyp)


class PodInvestigator:
    alertnames: tuple[str, ...] = ("KubePodCrashLooping", "KubePodNotReady", "KubeContainerWaiting")

    def investigate(self, alert: Alert, ctx: InvestigationContext) -> list[Hypothesis]:
        namespace = label(alert, "namespace")
        pod = label(alert, "pod")
        if not namespace or not pod:
            return []
        f = Findings(ctx, alert)
        diagnose_pod(ctx, f, namespace, pod, label(alert, "container"))
        return f.items

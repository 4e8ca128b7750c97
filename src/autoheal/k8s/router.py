"""Alert-family router: alertname -> investigator, as a hypothesis generator for the engine.

:class:`KubernetesGenerator` implements ``autoheal.reasoning.base.HypothesisGenerator``: for each
alert of the investigation whose name has an investigator it returns that investigator's
hypotheses. An alert whose name is not kube-prometheus-stack's (a team's own rule, a Grafana-managed
alert, a Datadog monitor) is routed by content: a heartbeat by :func:`heartbeat.noise_reason`, then
by the resource its labels name (pod -> pod diagnosis, deployment or job -> workload, claim ->
volume; Datadog and OpenTelemetry label names included, :data:`base.ALIASES`). Alerts naming
nothing it can read return nothing, so the general engine's generators handle them (the fallback).
:func:`investigator_for` exposes the table for the CLI and the bench.
"""

from __future__ import annotations

import re
from dataclasses import replace

from autoheal.domain.alerts import Alert
from autoheal.domain.investigation import Hypothesis
from autoheal.k8s.investigators.base import AlertInvestigator, label
from autoheal.k8s.investigators.capacity import (
    HpaInvestigator,
    OvercommitInvestigator,
    ThrottlingInvestigator,
)
from autoheal.k8s.investigators.heartbeat import HeartbeatInvestigator, noise_reason
from autoheal.k8s.investigators.monitoring import RuleFailuresInvestigator, TargetDownInvestigator
from autoheal.k8s.investigators.nodes import NodeMemoryInvestigator, NodeNotReadyInvestigator
from autoheal.k8s.investigators.pods import PodInvestigator
from autoheal.k8s.investigators.storage import NodeFilesystemInvestigator, VolumeInvestigator
from autoheal.k8s.investigators.workloads import WorkloadInvestigator, workload_named
from autoheal.reasoning.base import InvestigationContext


def default_investigators() -> list[AlertInvestigator]:
    return [
        HeartbeatInvestigator(),
        PodInvestigator(),
        WorkloadInvestigator(),
        HpaInvestigator(),
        ThrottlingInvestigator(),
        OvercommitInvestigator(),
        VolumeInvestigator(),
        NodeFilesystemInvestigator(),
        NodeNotReadyInvestigator(),
        NodeMemoryInvestigator(),
        TargetDownInvestigator(),
        RuleFailuresInvestigator(),
    ]


class KubernetesGenerator:
    name = "kubernetes"

    def __init__(self, investigators: list[AlertInvestigator] | None = None) -> None:
        self._table: dict[str, AlertInvestigator] = {}
        for inv in investigators or default_investigators():
            for alertname in inv.alertnames:
                self._table[alertname] = inv

    def handles(self, alert: Alert) -> bool:
        return self.route(alert) is not None

    def investigator_for(self, alertname: str) -> AlertInvestigator | None:
        return self._table.get(alertname)

    def route(self, alert: Alert) -> AlertInvestigator | None:
        """By name first, then by content (labels naming a resource, or text naming one)."""
        alert = resolve(alert)
        found = self._table.get(alert.name)
        if found is not None:
            return found
        if noise_reason(alert) is not None:
            return self._table.get("Watchdog")
        if label(alert, "pod") and label(alert, "namespace"):
            return self._table.get("KubePodCrashLooping")
        if workload_named(alert) is not None and label(alert, "namespace"):
            return self._table.get("KubeDeploymentReplicasMismatch")
        if label(alert, "persistentvolumeclaim") and label(alert, "namespace"):
            return self._table.get("KubePersistentVolumeFillingUp")
        return None

    @property
    def alertnames(self) -> list[str]:
        return sorted(self._table)

    def generate(self, ctx: InvestigationContext) -> list[Hypothesis]:
        out: list[Hypothesis] = []
        for alert in ctx.alerts:
            inv = self.route(alert)
            if inv is not None:
                out.extend(inv.investigate(resolve(alert), ctx))
        return sorted(out, key=lambda h: -h.score)


# "pod NAME", "pod/NAME", "deployment NAME" ... and "namespace NS" / "in NS" / "NS/NAME" as people
# and forwarders write them in titles and descriptions (Robusta: "Crashing pod X in namespace Y").
_NAME = r"[a-z0-9](?:[a-z0-9.-]{0,251}[a-z0-9])?"
_KIND_WORDS = {
    "pod": "pod",
    "deployment": "deployment",
    "statefulset": "statefulset",
    "daemonset": "daemonset",
    "job": "job_name",
    "persistentvolumeclaim": "persistentvolumeclaim",
    "pvc": "persistentvolumeclaim",
    "node": "node",
}
# Kind words in any case; object names as the API spells them (lower case DNS-1123).
_REF = re.compile(
    rf"\b(?i:(?P<kind>{'|'.join(_KIND_WORDS)}))(?:\s+|/)(?:(?P<ns>{_NAME})/)?(?P<name>{_NAME})\b"
)
_NAMESPACE = re.compile(rf"\b(?i:namespace)[\s:=/]+(?P<ns>{_NAME})\b")
_TEXT_KEYS = ("title", "summary", "description", "message")


def text_refs(alert: Alert) -> dict[str, str]:
    """Labels for the resources the alert's title / summary / description name in text."""
    text = " . ".join([alert.name, *(alert.annotations.get(k, "") for k in _TEXT_KEYS)])
    found: dict[str, str] = {}
    for m in _REF.finditer(text):
        key = _KIND_WORDS[m.group("kind").lower()]
        name = m.group("name")
        if name in ("is", "in", "has", "was", "of", "on", "the"):
            continue
        found.setdefault(key, name)
        if m.group("ns"):
            found.setdefault("namespace", m.group("ns"))
    ns = _NAMESPACE.search(text)
    if ns:
        found.setdefault("namespace", ns.group("ns"))
    return found


def resolve(alert: Alert) -> Alert:
    """The alert with the resources its text names added as labels, when its labels name none
    (labels the sender set always win; an alert naming nothing is returned unchanged)."""
    if names_resource(alert):
        return alert
    refs = {k: v for k, v in text_refs(alert).items() if not label(alert, k)}
    if not refs or "namespace" not in {**refs, **({"namespace": "x"} if label(alert, "namespace") else {})}:
        return alert
    return replace(alert, labels={**alert.labels, **refs})


def names_resource(alert: Alert) -> bool:
    return any(
        label(alert, k) for k in ("pod", "deployment", "statefulset", "daemonset", "job_name", "node",
                                  "persistentvolumeclaim")
    )  # fmt: skip


def investigator_for(alertname: str) -> AlertInvestigator | None:
    return KubernetesGenerator().investigator_for(alertname)

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
from autoheal.k8s.investigators.workloads import WorkloadInvestigator
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
        """By name first, then by content (labels naming a resource)."""
        found = self._table.get(alert.name)
        if found is not None:
            return found
        if noise_reason(alert) is not None:
            return self._table.get("Watchdog")
        if label(alert, "pod") and label(alert, "namespace"):
            return self._table.get("KubePodCrashLooping")
        if (label(alert, "deployment") or label(alert, "job_name")) and label(alert, "namespace"):
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
                out.extend(inv.investigate(alert, ctx))
        return sorted(out, key=lambda h: -h.score)


def investigator_for(alertname: str) -> AlertInvestigator | None:
    return KubernetesGenerator().investigator_for(alertname)

"""What every alert-family investigator shares: the protocol, the hypothesis builder, alert labels."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from autoheal.domain.alerts import Alert
from autoheal.domain.investigation import Evidence, Hypothesis
from autoheal.reasoning.base import InvestigationContext

GENERATOR = "kubernetes"

# Scores: the investigators' own confidence in a hypothesis before verification.
STRONG = 0.9  # the evidence names the cause directly (exit reason, log line, event message)
LIKELY = 0.75
WEAK = 0.35  # an alternative the evidence does not support (kept to show what was ruled out)


class AlertInvestigator(Protocol):
    """Investigates one alert of the families it handles and returns hypotheses with evidence."""

    alertnames: tuple[str, ...]

    def investigate(self, alert: Alert, ctx: InvestigationContext) -> list[Hypothesis]: ...


class Findings:
    """Builds hypotheses with ids unique within one investigation."""

    def __init__(self, ctx: InvestigationContext, alert: Alert) -> None:
        self.ctx = ctx
        self.alert = alert
        self.items: list[Hypothesis] = []

    def add(
        self,
        *,
        service: str,
        kind: str,
        statement: str,
        score: float,
        evidence: Sequence[Evidence],
        component: str | None = None,
        **attributes: Any,
    ) -> Hypothesis:
        hyp = Hypothesis(
            id=f"k8s-{len(self.ctx.evidence)}-{len(self.items) + 1}",
            service=service,
            kind=kind,
            statement=statement,
            generator=GENERATOR,
            score=score,
            component=component,
            evidence=[e for e in evidence if e is not None],
            attributes={"alertname": self.alert.name, **attributes},
        )
        self.items.append(hyp)
        return hyp


# The same resource under the names other senders give it: Datadog's Kubernetes tags, the
# OpenTelemetry resource attributes (dots as underscores, as Prometheus and Grafana write them),
# kube-state-metrics series relabelled with ``exported_``.
ALIASES: dict[str, tuple[str, ...]] = {
    "namespace": ("kube_namespace", "k8s_namespace_name", "exported_namespace"),
    "pod": ("pod_name", "kube_pod_name", "k8s_pod_name", "exported_pod"),
    "container": ("container_name", "kube_container_name", "k8s_container_name", "exported_container"),
    "deployment": ("kube_deployment", "k8s_deployment_name"),
    "job_name": ("kube_job", "k8s_job_name"),
    "statefulset": ("kube_stateful_set", "k8s_statefulset_name"),
    "daemonset": ("kube_daemon_set", "k8s_daemonset_name"),
    "persistentvolumeclaim": ("kube_persistentvolumeclaim", "k8s_persistentvolumeclaim_name", "pvc"),
    "node": ("kube_node", "k8s_node_name"),
}


def label(alert: Alert, *names: str) -> str | None:
    """The first of ``names`` the alert carries (each also under its :data:`ALIASES`)."""
    for name in names:
        for key in (name, *ALIASES.get(name, ())):
            value = alert.labels.get(key)
            if value:
                return value
    return None

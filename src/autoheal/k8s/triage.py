"""What the Kubernetes investigators tell triage: alerts they know are noise.

Triage (:mod:`autoheal.reasoning.triage`) asks every recogniser; an alert recognised here is noise
from its first delivery, with the reason and the evidence:

* :func:`heartbeat_recogniser` - a heartbeat or inhibition helper (Watchdog, InfoInhibitor, any
  ``severity="none"`` alert naming no resource), from the alert alone, no read;
* :func:`recovered_recogniser` - the alert's pod or workload investigator, run through the triage
  context's governed tools, concludes *strongly* that the situation has recovered or is healthy
  (the pod was replaced and its controller is fully rolled out; a terminating pod in a complete
  rollout; a crash loop running and ready for 10 minutes; a workload fully rolled out). A merely
  "healthy now" pod is not enough: the alert may be flapping.

Without Kubernetes tools behind the gateway the reads fail and nothing is recognised.
"""

from __future__ import annotations

from collections.abc import Sequence

from autoheal.domain.alerts import Alert
from autoheal.domain.investigation import Evidence
from autoheal.k8s.investigators.base import STRONG
from autoheal.k8s.investigators.heartbeat import HeartbeatInvestigator, noise_reason
from autoheal.k8s.router import KubernetesGenerator, resolve
from autoheal.reasoning.base import InvestigationContext


def heartbeat_recogniser(alert: Alert, ctx: InvestigationContext) -> tuple[str, Sequence[Evidence]] | None:
    reason = noise_reason(alert)
    return (reason, ()) if reason else None


def recovered_recogniser(alert: Alert, ctx: InvestigationContext) -> tuple[str, Sequence[Evidence]] | None:
    investigator = KubernetesGenerator().route(alert)
    if investigator is None or isinstance(investigator, HeartbeatInvestigator):
        return None
    if not any(name.startswith("kubernetes.") for name in _tool_names(ctx)):
        return None
    hypotheses = sorted(investigator.investigate(resolve(alert), ctx), key=lambda h: -h.score)
    if not hypotheses:
        return None
    top = hypotheses[0]
    settled = any(top.attributes.get(k) for k in ("recovered", "healthy", "gone"))
    if top.kind == "noise" and top.score >= STRONG and settled:
        return top.statement, tuple(top.evidence)
    return None


def _tool_names(ctx: InvestigationContext) -> list[str]:
    names = getattr(ctx.tools, "tool_names", None)
    return list(names()) if callable(names) else []

"""Watchdog and InfoInhibitor: heartbeat and informational alerts, recognised as noise.

``Watchdog`` always fires by design (it proves the alerting pipeline works end to end);
``InfoInhibitor`` fires while info-level alerts exist, only to inhibit them. Neither is an incident.
Nothing needs to be queried: the rule is the alert's own definition in kube-prometheus-stack.
"""

from __future__ import annotations

from autoheal.domain.alerts import Alert
from autoheal.domain.investigation import Hypothesis
from autoheal.k8s.investigators.base import STRONG, Findings
from autoheal.reasoning.base import InvestigationContext

_MEANING = {
    "Watchdog": "the always-firing heartbeat that proves the Prometheus -> Alertmanager pipeline works; "
    "it should be routed to a dead man's switch, never paged on",
    "InfoInhibitor": "an informational helper alert that fires while severity=info alerts exist, "
    "only to inhibit them; it should be routed to a null receiver",
}


class HeartbeatInvestigator:
    alertnames: tuple[str, ...] = ("Watchdog", "InfoInhibitor")

    def investigate(self, alert: Alert, ctx: InvestigationContext) -> list[Hypothesis]:
        f = Findings(ctx, alert)
        f.add(
            service=alert.service or alert.labels.get("namespace", "monitoring"),
            kind="noise",
            component=alert.name,
            statement=f"Noise: {alert.name} is {_MEANING[alert.name]}.",
            score=STRONG,
            evidence=[],
            heartbeat=alert.name == "Watchdog",
        )
        return f.items

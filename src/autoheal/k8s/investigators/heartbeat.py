"""Heartbeat and informational alerts, recognised as noise - by name and by content.

``Watchdog`` always fires by design (it proves the alerting pipeline works end to end);
``InfoInhibitor`` fires while info-level alerts exist, only to inhibit them. Neither is an incident.
Nothing needs to be queried: the rule is the alert's own definition in kube-prometheus-stack.

By content (:func:`noise_reason`): an alert with ``severity="none"`` that names no resource (no
pod, node, workload, service, instance, claim or container label) is a pipeline heartbeat or an
inhibition helper whatever its name (kube-prometheus' older ``DeadMansSwitch``, a team's own
``AlwaysFiring``): ``none`` is the severity Prometheus' mixins give exactly these alerts. Triage
asks the same function, so such an alert never pages, from its first delivery.
"""

from __future__ import annotations

from autoheal.domain.alerts import Alert
from autoheal.domain.investigation import Hypothesis
from autoheal.k8s.investigators.base import STRONG, Findings, label
from autoheal.reasoning.base import InvestigationContext

_MEANING = {
    "Watchdog": "the always-firing heartbeat that proves the Prometheus -> Alertmanager pipeline works; "
    "it should be routed to a dead man's switch, never paged on",
    "InfoInhibitor": "an informational helper alert that fires while severity=info alerts exist, "
    "only to inhibit them; it should be routed to a null receiver",
}


RESOURCE_LABELS = (
    "pod",
    "node",
    "instance",
    "service",
    "deployment",
    "statefulset",
    "daemonset",
    "job_name",
    "container",
    "persistentvolumeclaim",
    "horizontalpodautoscaler",
)


def names_no_resource(alert: Alert) -> bool:
    return not any(label(alert, name) for name in RESOURCE_LABELS)


def noise_reason(alert: Alert) -> str | None:
    """Why this alert is a heartbeat / informational helper and never an incident, or None."""
    if alert.name in _MEANING:
        return f"{alert.name} is {_MEANING[alert.name]}"
    if alert.labels.get("severity", "").lower() == "none" and names_no_resource(alert):
        return (
            f"{alert.name} has severity none and names no resource (no pod, node, workload, service or "
            f"instance): a heartbeat or inhibition helper (like Watchdog / InfoInhibitor), never paged on"
        )
    return None


class HeartbeatInvestigator:
    alertnames: tuple[str, ...] = ("Watchdog", "InfoInhibitor")

    def handles(self, alert: Alert) -> bool:
        return noise_reason(alert) is not None

    def investigate(self, alert: Alert, ctx: InvestigationContext) -> list[Hypothesis]:
        reason = noise_reason(alert)
        if reason is None:
            return []
        f = Findings(ctx, alert)
        # The rule that defines it, when Prometheus can be asked: Watchdog's expression is vector(1).
        result, ev = ctx.call("prometheus.rules", {"type": "alert"}, f"the rule defining {alert.name}")
        rule = next(
            (
                r
                for g in (result.data if result.ok and isinstance(result.data, list) else [])
                for r in g.get("rules", [])
                if r.get("name") == alert.name
            ),
            None,
        )
        defined = f" Its rule: {rule.get('query')}." if rule and rule.get("query") else ""
        f.add(
            service=alert.service or alert.labels.get("namespace", "monitoring"),
            kind="noise",
            component=alert.name,
            statement=f"Noise: {reason}.{defined}",
            score=STRONG,
            evidence=[ev],
            heartbeat=alert.name != "InfoInhibitor",
        )
        return f.items

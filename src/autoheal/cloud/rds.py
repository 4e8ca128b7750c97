"""The RDS investigator, as a hypothesis generator for the engine (``name = "rds"``).

For every alert of the investigation that names an RDS instance (:func:`rds_target`: CloudWatch
alarms, Datadog ``aws.rds.*`` monitors, yet-another-cloudwatch-exporter series, whatever the
alert's name), it gathers the evidence (:mod:`autoheal.cloud.gather`, governed calls only) and
applies the rule of the alarmed metric (:mod:`autoheal.cloud.rules`). A metric with no datapoints
in the incident window gives one ``no_evidence`` hypothesis and nothing else. A Datadog alert that
names an instance but not its metric is routed by its monitor's query (:func:`monitor_target`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from autoheal.cloud import rules
from autoheal.cloud.gather import RdsEvidence, gather, source_write_iops
from autoheal.cloud.targets import INSTANCE_LABELS, RdsTarget, rds_target
from autoheal.domain.alerts import Alert
from autoheal.domain.investigation import Hypothesis
from autoheal.reasoning.base import InvestigationContext

Rule = Callable[[rules.Findings, RdsEvidence], None]
RULES: dict[str, Rule] = {
    "CPUUtilization": rules.cpu,
    "DatabaseConnections": rules.connections,
    "FreeStorageSpace": rules.storage,
    "FreeableMemory": rules.memory,
    "SwapUsage": rules.memory,
    "ReadIOPS": rules.iops,
    "WriteIOPS": rules.iops,
    "DiskQueueDepth": rules.iops,
    "BurstBalance": rules.iops,
    "Deadlocks": rules.locks,
    "DBLoad": rules.locks,
}


def monitor_target(alert: Alert, ctx: InvestigationContext) -> RdsTarget | None:
    """A Datadog alert whose webhook left out the metric and query (a payload template without
    ``$ALERT_QUERY``): read the monitor itself (``datadog.monitors``, governed) and route by its
    query. Only for alerts from the ``datadog`` source that carry a ``monitor_id`` and name an RDS
    instance in their tags or scope."""
    monitor_id = alert.labels.get("monitor_id")
    if alert.source != "datadog" or not monitor_id or not monitor_id.isdigit():
        return None
    if not any(alert.labels.get(k) for k in INSTANCE_LABELS):
        return None
    result, _ = ctx.call("datadog.monitors", {"monitor_id": int(monitor_id)}, f"Datadog monitor {monitor_id}")
    if not result.ok or not result.data.get("monitors"):
        return None
    query = str(result.data["monitors"][0].get("query") or "")
    return rds_target(replace(alert, annotations={**alert.annotations, "query": query}))


class RdsGenerator:
    name = "rds"

    def handles(self, alert: Alert) -> bool:
        return rds_target(alert) is not None

    def investigate(self, alert: Alert, ctx: InvestigationContext) -> list[Hypothesis]:
        target = rds_target(alert) or monitor_target(alert, ctx)
        if target is None:
            return []
        ev = gather(target, ctx)
        findings = rules.Findings(ev, offset=len(ctx.evidence))
        if ev.incident(target.metric).missing:
            rules.no_evidence(findings, ev)
        elif target.metric == "ReplicaLag":
            source = (ev.facts or {}).get("ReadReplicaSourceDBInstanceIdentifier")
            rules.replica_lag(findings, ev, source_write_iops(ctx, ev, source) if source else None)
        else:
            RULES[target.metric](findings, ev)
        return findings.items

    def generate(self, ctx: InvestigationContext) -> list[Hypothesis]:
        out: list[Hypothesis] = []
        for alert in ctx.alerts:
            out.extend(self.investigate(alert, ctx))
        return sorted(out, key=lambda h: -h.score)

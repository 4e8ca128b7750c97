"""The RDS investigator, as a hypothesis generator for the engine (``name = "rds"``).

For every alert of the investigation that names an RDS instance (:func:`rds_target`: CloudWatch
alarms, Datadog ``aws.rds.*`` monitors, yet-another-cloudwatch-exporter series, whatever the
alert's name), it gathers the evidence (:mod:`autoheal.cloud.gather`, governed calls only) and
applies the rule of the alarmed metric (:mod:`autoheal.cloud.rules`). A metric with no datapoints
in the incident window gives one ``no_evidence`` hypothesis and nothing else.
"""

from __future__ import annotations

from collections.abc import Callable

from autoheal.cloud import rules
from autoheal.cloud.gather import RdsEvidence, gather, source_write_iops
from autoheal.cloud.targets import rds_target
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


class RdsGenerator:
    name = "rds"

    def handles(self, alert: Alert) -> bool:
        return rds_target(alert) is not None

    def investigate(self, alert: Alert, ctx: InvestigationContext) -> list[Hypothesis]:
        target = rds_target(alert)
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

"""What the RDS investigator reads before it judges, all through governed calls (``ctx.call``).

1. ``aws.rds_instances``: the instance's class, engine, storage, IOPS, windows, replication and
   its Performance Insights resource id;
2. ``aws.cloudwatch_metrics``: the alarmed metric and its usual companions over the reference
   window and the incident window, in one call;
3. ``aws.rds_events``: events from an hour before the incident window to its end;
4. ``aws.pi_top_sql``: the statements carrying the load in the incident window (when Performance
   Insights is enabled on the instance).

A call that fails or finds nothing is kept as evidence with its status, and the rules treat what
it would have said as unknown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from autoheal.cloud.series import Series
from autoheal.cloud.targets import RdsTarget
from autoheal.domain.investigation import Evidence
from autoheal.domain.tools import ToolStatus
from autoheal.reasoning.base import InvestigationContext

COMPANIONS = (
    "CPUUtilization",
    "DatabaseConnections",
    "FreeStorageSpace",
    "FreeableMemory",
    "SwapUsage",
    "ReadIOPS",
    "WriteIOPS",
    "DiskQueueDepth",
    "BurstBalance",
    "ReplicaLag",
    "Deadlocks",
    "DBLoad",
)
MAINTENANCE_CATEGORIES = frozenset({"backup", "maintenance", "notification"})


@dataclass(slots=True)
class RdsEvidence:
    target: RdsTarget
    start: datetime  # incident window
    end: datetime
    reference_start: datetime
    facts: dict[str, Any] | None = None
    facts_ev: Evidence | None = None
    series: dict[str, Series] = field(default_factory=dict)
    metrics_ev: Evidence | None = None
    metrics_status: ToolStatus | None = None
    events: list[dict[str, Any]] = field(default_factory=list)
    events_ev: Evidence | None = None
    top_sql: list[dict[str, Any]] = field(default_factory=list)
    top_sql_ev: Evidence | None = None

    def incident(self, metric: str) -> Series:
        return self.series.get(metric, Series(metric, ())).between(self.start, self.end)

    def reference(self, metric: str) -> Series:
        return self.series.get(metric, Series(metric, ())).between(self.reference_start, self.start)

    @property
    def instance(self) -> str:
        return self.target.db_instance

    def maintenance_events(self) -> list[dict[str, Any]]:
        return [e for e in self.events if MAINTENANCE_CATEGORIES & {c.lower() for c in e["categories"]}]


def _window(args: dict[str, Any], start: datetime, end: datetime) -> dict[str, Any]:
    return {**args, "start": start.isoformat(), "end": end.isoformat()}


def gather(target: RdsTarget, ctx: InvestigationContext) -> RdsEvidence:
    start, end = ctx.incident.start, ctx.incident.end
    ev = RdsEvidence(target, start, end, reference_start=max(ctx.reference.start, start - timedelta(hours=1)))
    db = target.db_instance
    result, ev.facts_ev = ctx.call("aws.rds_instances", {"db_instance": db}, f"RDS instance facts of {db}")
    if result.ok and result.data.get("instances"):
        ev.facts = result.data["instances"][0]
    metrics = [target.metric, *(m for m in COMPANIONS if m != target.metric)]
    result, ev.metrics_ev = ctx.call(
        "aws.cloudwatch_metrics",
        _window({"db_instance": db, "metrics": metrics, "period": 60}, ev.reference_start, end),
        f"CloudWatch AWS/RDS metrics of {db}",
    )
    ev.metrics_status = result.status
    if result.data:
        ev.series = Series.from_result(result.data)
    result, ev.events_ev = ctx.call(
        "aws.rds_events", _window({"db_instance": db}, start - timedelta(hours=1), end), f"RDS events of {db}"
    )
    if result.ok:
        ev.events = list(result.data.get("events", []))
    resource = (ev.facts or {}).get("DbiResourceId")
    if resource and (ev.facts or {}).get("PerformanceInsightsEnabled"):
        result, ev.top_sql_ev = ctx.call(
            "aws.pi_top_sql",
            _window({"resource_id": resource, "limit": 10}, start, end),
            f"Performance Insights top SQL of {db}",
        )
        if result.ok:
            ev.top_sql = list(result.data.get("statements", []))
    return ev


def source_write_iops(
    ctx: InvestigationContext, ev: RdsEvidence, source: str
) -> tuple[Series, Series, Evidence]:
    """The replication source's WriteIOPS (reference, incident) for a lagging replica."""
    result, evidence = ctx.call(
        "aws.cloudwatch_metrics",
        _window(
            {"db_instance": source, "metrics": ["WriteIOPS", "CPUUtilization"], "period": 60},
            ev.reference_start,
            ev.end,
        ),
        f"CloudWatch WriteIOPS of the replication source {source}",
    )
    series = (
        Series.from_result(result.data).get("WriteIOPS", Series("WriteIOPS", ()))
        if result.data
        else Series("WriteIOPS", ())
    )
    return series.between(ev.reference_start, ev.start), series.between(ev.start, ev.end), evidence

"""``aws.rds_instances`` (DescribeDBInstances) and ``aws.rds_events`` (DescribeEvents).

Instance facts are a fixed subset of what the API returns (class, engine, storage, IOPS, windows,
replication, Performance Insights): enough to judge a metric against its limit, nothing that
identifies a person. Events are filtered to the window on our side as well as the server's, so
an emulator that ignores ``StartTime`` / ``EndTime`` gives the same answer as AWS.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, Field

from autoheal.clock import utc
from autoheal.domain.tools import ToolResult, ToolStatus
from autoheal.tools.aws.base import Args, AwsTool, WindowArgs, db_instance_field, guarded, iso

MAX_PAGES = 10
FACTS = (
    "DBInstanceIdentifier",
    "DBInstanceClass",
    "Engine",
    "EngineVersion",
    "DBInstanceStatus",
    "AllocatedStorage",
    "MaxAllocatedStorage",
    "StorageType",
    "Iops",
    "StorageThroughput",
    "MultiAZ",
    "AvailabilityZone",
    "ReadReplicaSourceDBInstanceIdentifier",
    "ReadReplicaDBInstanceIdentifiers",
    "PreferredBackupWindow",
    "PreferredMaintenanceWindow",
    "BackupRetentionPeriod",
    "PerformanceInsightsEnabled",
    "DbiResourceId",
    "DBParameterGroups",
    "PendingModifiedValues",
    "InstanceCreateTime",
)


class InstancesArgs(Args):
    db_instance: str | None = db_instance_field(None, "one instance; None lists them")
    limit: int = Field(100, ge=1, le=500)


class EventsArgs(WindowArgs):
    db_instance: str = db_instance_field()
    categories: list[str] = Field(
        default_factory=list, max_length=20, description="e.g. backup, maintenance, failover (empty: all)"
    )
    limit: int = Field(200, ge=1, le=1000)


class RdsInstances(AwsTool):
    name: ClassVar[str] = "aws.rds_instances"
    description: ClassVar[str] = (
        "RDS DescribeDBInstances: class, engine, storage, IOPS, backup and maintenance windows, replicas."
    )
    args_model: ClassVar[type[BaseModel]] = InstancesArgs
    service: ClassVar[str] = "rds"

    def invoke(self, args: BaseModel) -> ToolResult:
        assert isinstance(args, InstancesArgs)
        what = f"RDS instance {args.db_instance}" if args.db_instance else "RDS instances"
        return guarded(what, lambda: self._fetch(args, what))

    def _fetch(self, args: InstancesArgs, what: str) -> ToolResult:
        kwargs: dict[str, Any] = {}
        if args.db_instance:
            kwargs["DBInstanceIdentifier"] = args.db_instance
        items: list[dict[str, Any]] = []
        for _ in range(MAX_PAGES):
            page = self.client.describe_db_instances(**kwargs)
            items += [{k: iso(db[k]) for k in FACTS if k in db} for db in page.get("DBInstances", [])]
            marker = page.get("Marker")
            if not marker or len(items) >= args.limit:
                break
            kwargs["Marker"] = marker
        if not items:
            return ToolResult(ToolStatus.NO_DATA, data={"instances": []}, message=f"{what}: none")
        return ToolResult.success({"instances": items[: args.limit], "truncated": len(items) > args.limit})


class RdsEvents(AwsTool):
    name: ClassVar[str] = "aws.rds_events"
    description: ClassVar[str] = (
        "RDS DescribeEvents of one DB instance in a window (backups, maintenance, failovers, reboots, "
        "configuration changes, low storage), oldest first."
    )
    args_model: ClassVar[type[BaseModel]] = EventsArgs
    service: ClassVar[str] = "rds"

    def invoke(self, args: BaseModel) -> ToolResult:
        assert isinstance(args, EventsArgs)
        return guarded(f"RDS events of {args.db_instance}", lambda: self._fetch(args))

    def _fetch(self, args: EventsArgs) -> ToolResult:
        start, end = utc(args.start), utc(args.end)
        kwargs: dict[str, Any] = {
            "SourceType": "db-instance",
            "SourceIdentifier": args.db_instance,
            "StartTime": start,
            "EndTime": end,
            "MaxRecords": 100,
        }
        if args.categories:
            kwargs["EventCategories"] = list(args.categories)
        raw: list[dict[str, Any]] = []
        for _ in range(MAX_PAGES):
            page = self.client.describe_events(**kwargs)
            raw += page.get("Events", [])
            marker = page.get("Marker")
            if not marker:
                break
            kwargs["Marker"] = marker
        wanted = {c.lower() for c in args.categories}
        events = []
        for ev in raw:
            at = ev.get("Date")
            categories = [str(c) for c in ev.get("EventCategories", [])]
            if at is None or not (start <= utc(at) <= end):
                continue
            if wanted and not wanted & {c.lower() for c in categories}:
                continue
            events.append(
                {
                    "at": iso(at),
                    "message": str(ev.get("Message", "")),
                    "categories": categories,
                    "source": ev.get("SourceIdentifier"),
                }
            )
        events.sort(key=lambda e: e["at"])
        data = {
            "db_instance": args.db_instance,
            "events": events[: args.limit],
            "truncated": len(events) > args.limit,
        }
        if not events:
            return ToolResult(
                ToolStatus.NO_DATA, data=data, message=f"no RDS events for {args.db_instance} in the window"
            )
        return ToolResult.success(data)

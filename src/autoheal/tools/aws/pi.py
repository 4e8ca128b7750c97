"""Performance Insights (the ``pi`` API): ``aws.pi_metrics`` and ``aws.pi_top_sql``.

* ``aws.pi_metrics`` - ``GetResourceMetrics``: database load (``db.load.avg``) and OS counters
  over the window, optionally grouped (``db.wait_event``, ``db.sql_tokenized``, ``db.user``...).
* ``aws.pi_top_sql`` - ``DescribeDimensionKeys``: the statements that carried the most database
  load (``db.load.avg`` grouped by ``db.sql_tokenized``), each split by wait event
  (``PartitionBy db.wait_event``), so a lock wait (``Lock:transactionid``, ``LWLock:lock_manager``,
  ``synch/cond/innodb/row_lock_wait``) is visible next to the statement that waited.

Both take the instance's ``DbiResourceId`` (``db-...``: ``aws.rds_instances`` returns it). SQL text
is whatever Performance Insights recorded (tokenized: literals are usually ``?``); the gateway's
redaction runs over it like over every other result.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import BaseModel, Field

from autoheal.clock import utc
from autoheal.domain.tools import ToolResult, ToolStatus
from autoheal.tools.aws.base import AwsTool, WindowArgs, guarded, iso

RESOURCE_ID = r"^db-[A-Z0-9]{6,64}$"
Group = Literal[
    "db.sql_tokenized",
    "db.sql",
    "db.wait_event",
    "db.wait_event_type",
    "db.user",
    "db.host",
    "db.application",
]


class PiMetricsArgs(WindowArgs):
    resource_id: str = Field(pattern=RESOURCE_ID, description="DbiResourceId of the instance")
    metrics: list[str] = Field(
        default_factory=lambda: ["db.load.avg"],
        min_length=1,
        max_length=15,
        description="e.g. db.load.avg, os.cpuUtilization.total.avg",
    )
    group_by: Group | None = None
    group_limit: int = Field(10, ge=1, le=25)
    period: Literal[1, 60, 300, 3600, 86400] = 60


class TopSqlArgs(WindowArgs):
    resource_id: str = Field(pattern=RESOURCE_ID, description="DbiResourceId of the instance")
    limit: int = Field(10, ge=1, le=25)


class PiMetrics(AwsTool):
    name: ClassVar[str] = "aws.pi_metrics"
    description: ClassVar[str] = (
        "Performance Insights GetResourceMetrics: database load and OS metrics over a window, "
        "optionally grouped by wait event, SQL, user or host."
    )
    args_model: ClassVar[type[BaseModel]] = PiMetricsArgs
    service: ClassVar[str] = "pi"

    def invoke(self, args: BaseModel) -> ToolResult:
        assert isinstance(args, PiMetricsArgs)
        return guarded(f"Performance Insights metrics of {args.resource_id}", lambda: self._fetch(args))

    def _fetch(self, args: PiMetricsArgs) -> ToolResult:
        queries: list[dict[str, Any]] = []
        for metric in args.metrics:
            q: dict[str, Any] = {"Metric": metric}
            if args.group_by:
                q["GroupBy"] = {"Group": args.group_by, "Limit": args.group_limit}
            queries.append(q)
        page = self.client.get_resource_metrics(
            ServiceType="RDS",
            Identifier=args.resource_id,
            MetricQueries=queries,
            StartTime=utc(args.start),
            EndTime=utc(args.end),
            PeriodInSeconds=args.period,
        )
        series = []
        for item in page.get("MetricList", []):
            points = [p for p in item.get("DataPoints", []) if p.get("Value") is not None]
            series.append(
                {
                    "metric": item.get("Key", {}).get("Metric"),
                    "dimensions": dict(item.get("Key", {}).get("Dimensions") or {}),
                    "timestamps": [iso(p["Timestamp"]) for p in points],
                    "values": [float(p["Value"]) for p in points],
                    "datapoints": len(points),
                }
            )
        data = {"resource_id": args.resource_id, "period": args.period, "series": series}
        if not any(s["datapoints"] for s in series):
            return ToolResult(
                ToolStatus.NO_DATA, data=data, message="Performance Insights returned no datapoints"
            )
        return ToolResult.success(data)


class PiTopSql(AwsTool):
    name: ClassVar[str] = "aws.pi_top_sql"
    description: ClassVar[str] = (
        "Performance Insights DescribeDimensionKeys: the SQL statements carrying the most database "
        "load (db.load.avg) in a window, each split by wait event."
    )
    args_model: ClassVar[type[BaseModel]] = TopSqlArgs
    service: ClassVar[str] = "pi"

    def invoke(self, args: BaseModel) -> ToolResult:
        assert isinstance(args, TopSqlArgs)
        return guarded(f"Performance Insights top SQL of {args.resource_id}", lambda: self._fetch(args))

    def _fetch(self, args: TopSqlArgs) -> ToolResult:
        page = self.client.describe_dimension_keys(
            ServiceType="RDS",
            Identifier=args.resource_id,
            StartTime=utc(args.start),
            EndTime=utc(args.end),
            Metric="db.load.avg",
            GroupBy={"Group": "db.sql_tokenized", "Limit": args.limit},
            PartitionBy={"Group": "db.wait_event", "Limit": 10},
        )
        waits = [
            str((k.get("Dimensions") or {}).get("db.wait_event.name", "?"))
            for k in page.get("PartitionKeys", [])
        ]
        statements: list[dict[str, Any]] = []
        for key in page.get("Keys", []):
            dims = key.get("Dimensions") or {}
            parts = [float(v) for v in key.get("Partitions", [])]
            statements.append(
                {
                    "statement": str(dims.get("db.sql_tokenized.statement", "")),
                    "id": dims.get("db.sql_tokenized.id") or dims.get("db.sql_tokenized.db_id"),
                    "db_load": float(key.get("Total", 0.0)),
                    "waits": {w: v for w, v in zip(waits, parts, strict=False) if v > 0},
                }
            )
        statements.sort(key=lambda s: -s["db_load"])
        data = {
            "resource_id": args.resource_id,
            "aligned_start": iso(page.get("AlignedStartTime")),
            "aligned_end": iso(page.get("AlignedEndTime")),
            "statements": statements,
        }
        if not statements:
            return ToolResult(
                ToolStatus.NO_DATA, data=data, message="Performance Insights recorded no SQL load"
            )
        return ToolResult.success(data)

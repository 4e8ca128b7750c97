"""``aws.cloudwatch_metrics``: CloudWatch ``GetMetricData`` for up to 20 metrics of one resource.

A metric with no datapoints in the window is reported as *missing* (``datapoints: 0`` and listed
in ``missing``), never as zeros: an instance that stopped reporting, a metric the engine does not
publish (``ReplicaLag`` on a primary, ``Deadlocks`` outside Aurora) or a wrong dimension all look
like that, and none of them is evidence that the value was 0. When every metric is missing the
result is ``NO_DATA``.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from pydantic import BaseModel, Field, field_validator, model_validator

from autoheal.clock import utc
from autoheal.domain.tools import ToolResult, ToolStatus
from autoheal.tools.aws.base import AwsTool, WindowArgs, db_instance_field, guarded, iso

MAX_DATAPOINTS = 100_800  # per GetMetricData call (the API's limit)
MAX_PAGES = 10
_STAT = re.compile(r"^(Average|Maximum|Minimum|Sum|SampleCount|IQM|p\d{1,2}(\.\d{1,2})?|tm\d{1,2})$")


class MetricDataArgs(WindowArgs):
    namespace: str = Field("AWS/RDS", pattern=r"^[A-Za-z0-9/_.#:-]{1,255}$")
    metrics: list[str] = Field(min_length=1, max_length=20, description="metric names, e.g. CPUUtilization")
    db_instance: str | None = db_instance_field(None, "sets the DBInstanceIdentifier dimension")
    dimensions: dict[str, str] = Field(default_factory=dict, max_length=30)
    stat: str = Field("Average", description="Average, Maximum, Minimum, Sum, SampleCount, p99, ...")
    period: int = Field(60, ge=1, le=86_400, description="seconds: 1, 5, 10, 30 or a multiple of 60")

    @field_validator("metrics")
    @classmethod
    def _names(cls, value: list[str]) -> list[str]:
        for name in value:
            if not re.fullmatch(r"[A-Za-z0-9_.:/-]{1,255}", name):
                raise ValueError(f"not a CloudWatch metric name: {name[:60]!r}")
        return value

    @field_validator("stat")
    @classmethod
    def _stat(cls, value: str) -> str:
        if not _STAT.match(value):
            raise ValueError(f"unknown statistic {value[:30]!r}; e.g. Average, Maximum, Sum, p99")
        return value

    @model_validator(mode="after")
    def _points(self) -> MetricDataArgs:
        if self.period not in (1, 5, 10, 30) and self.period % 60:
            raise ValueError("period must be 1, 5, 10, 30 or a multiple of 60 seconds")
        points = (utc(self.end) - utc(self.start)).total_seconds() / self.period * len(self.metrics)
        if points > MAX_DATAPOINTS:
            raise ValueError(
                f"{points:.0f} datapoints exceed {MAX_DATAPOINTS}; raise period or narrow the window"
            )
        return self

    def all_dimensions(self) -> dict[str, str]:
        dims = dict(self.dimensions)
        if self.db_instance:
            dims.setdefault("DBInstanceIdentifier", self.db_instance)
        return dims


class CloudWatchMetrics(AwsTool):
    name: ClassVar[str] = "aws.cloudwatch_metrics"
    description: ClassVar[str] = (
        "CloudWatch GetMetricData: up to 20 metrics of one resource over a window; "
        "a metric with no datapoints is reported missing, never zero."
    )
    args_model: ClassVar[type[BaseModel]] = MetricDataArgs
    service: ClassVar[str] = "cloudwatch"

    def invoke(self, args: BaseModel) -> ToolResult:
        assert isinstance(args, MetricDataArgs)
        dims = args.all_dimensions()
        what = f"CloudWatch {args.namespace} {','.join(args.metrics)}" + (f" for {dims}" if dims else "")
        return guarded(what, lambda: self._fetch(args, dims))

    def _fetch(self, args: MetricDataArgs, dims: dict[str, str]) -> ToolResult:
        queries: list[dict[str, Any]] = [
            {
                "Id": f"m{i}",
                "Label": metric,
                "ReturnData": True,
                "MetricStat": {
                    "Metric": {
                        "Namespace": args.namespace,
                        "MetricName": metric,
                        "Dimensions": [{"Name": k, "Value": v} for k, v in sorted(dims.items())],
                    },
                    "Period": args.period,
                    "Stat": args.stat,
                },
            }
            for i, metric in enumerate(args.metrics)
        ]
        found: dict[str, dict[str, Any]] = {
            q["Id"]: {"metric": q["Label"], "timestamps": [], "values": [], "status": "Complete"}
            for q in queries
        }
        token: str | None = None
        messages: list[str] = []
        for _ in range(MAX_PAGES):
            kwargs: dict[str, Any] = {
                "MetricDataQueries": queries,
                "StartTime": utc(args.start),
                "EndTime": utc(args.end),
                "ScanBy": "TimestampAscending",
            }
            if token:
                kwargs["NextToken"] = token
            page = self.client.get_metric_data(**kwargs)
            for res in page.get("MetricDataResults", []):
                series = found.get(res.get("Id", ""))
                if series is None:
                    continue
                series["timestamps"] += [iso(t) for t in res.get("Timestamps", [])]
                series["values"] += [float(v) for v in res.get("Values", [])]
                series["status"] = res.get("StatusCode", "Complete")
            messages += [str(m.get("Value", "")) for m in page.get("Messages", [])]
            token = page.get("NextToken")
            if not token:
                break
        series_list = []
        for s in found.values():
            pairs = sorted(zip(s["timestamps"], s["values"], strict=True))
            s["timestamps"] = [t for t, _ in pairs]
            s["values"] = [v for _, v in pairs]
            s["datapoints"] = len(pairs)
            series_list.append(s)
        missing = [s["metric"] for s in series_list if not s["datapoints"]]
        data = {
            "namespace": args.namespace,
            "dimensions": dims,
            "stat": args.stat,
            "period": args.period,
            "series": series_list,
            "missing": missing,
            "messages": messages,
            "truncated": bool(token),
        }
        if len(missing) == len(series_list):
            return ToolResult(
                ToolStatus.NO_DATA,
                data=data,
                message=f"no datapoints for {', '.join(missing)} {dims} in the window: no evidence (not zero)",
            )
        return ToolResult.success(data, missing=missing)

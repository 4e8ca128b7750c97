"""A small simulated production system served through the tool protocol (CannedTools).

frontend -> checkout -> {payments -> db, inventory}; frontend -> {catalog, search, recs}.
Metrics are per-minute ``error_ratio`` / ``latency_p99_ms`` / ``cpu_usage_ratio`` / ``request_rate``
per service with a
deterministic wobble; a fault makes a service's metric jump from a given time.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from autoheal.domain.tools import ToolResult

from .fakes import T0, CannedTools, matrix

EDGES = [
    ("frontend", "checkout"),
    ("checkout", "payments"),
    ("checkout", "inventory"),
    ("payments", "db"),
    ("frontend", "catalog"),
    ("frontend", "search"),
    ("frontend", "recs"),
]
SERVICES = sorted({s for e in EDGES for s in e})


@dataclass
class World:
    # (service, metric) -> (from, value while faulty)
    faults: dict[tuple[str, str], tuple[datetime, float]] = field(default_factory=dict)
    changes: list[dict[str, Any]] = field(default_factory=list)
    topology: bool = True

    def fault(self, service: str, at: datetime, metric: str = "error_ratio", value: float = 0.3) -> World:
        self.faults[(service, metric)] = (at, value)
        return self

    def deploy(self, service: str, at: datetime, version: str = "v2", kind: str = "deploy") -> World:
        self.changes.append(
            {
                "id": f"{kind}-{service}-{version}",
                "at": at.isoformat(),
                "service": service,
                "kind": kind,
                "version": version,
                "summary": f"{service} {version}",
            }
        )
        return self

    def value(self, service: str, metric: str, i: int, at: datetime) -> float:
        base = {
            "error_ratio": 0.01,
            "latency_p99_ms": 120.0,
            "cpu_usage_ratio": 0.4,
            "request_rate": 50.0,
        }.get(metric, 0.1)
        wobble = base * 0.1 * ((i * 7 + len(service)) % 5)
        fault = self.faults.get((service, metric))
        if fault and at >= fault[0]:
            return fault[1]
        return base + wobble

    def query_range(self, args: Mapping[str, Any]) -> ToolResult:
        query = str(args["query"])
        metric = query.split("{")[0]
        found = re.search(r'service=~"([^"]*)"', query)
        wanted = [s for s in SERVICES if not found or re.fullmatch(found.group(1), s)]
        start, end = _dt(args["start"]), _dt(args["end"])
        series = []
        if metric in ("error_ratio", "latency_p99_ms", "cpu_usage_ratio", "request_rate"):
            for service in wanted:
                points = []
                for i in range(-240, 60):
                    at = T0 + timedelta(minutes=i)
                    if start <= at <= end:
                        points.append((at.timestamp(), self.value(service, metric, i, at)))
                series.append(({"__name__": metric, "service": service}, points))
        return ToolResult.success(matrix(series)) if series else ToolResult.empty()

    def changes_list(self, args: Mapping[str, Any]) -> ToolResult:
        start, end = _dt(args["start"]), _dt(args["end"])
        found = [c for c in self.changes if start <= _dt(c["at"]) <= end]
        if args.get("service"):
            found = [c for c in found if c["service"] == args["service"]]
        return ToolResult.success(found) if found else ToolResult.empty()

    def tools(self) -> CannedTools:
        tools = (
            CannedTools()
            .on("prometheus.query_range", self.query_range)
            .on("changes.list", self.changes_list)
            .on("prometheus.label_values", ToolResult.success(SERVICES))
            .on("traces.service_graph", ToolResult.empty())
        )
        if self.topology:
            tools.on(
                "topology.graph",
                ToolResult.success({"edges": [{"source": a, "target": b} for a, b in EDGES]}),
            )
        return tools


def _dt(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))

"""Trace tools: ``traces.spans`` and ``traces.service_graph``.

Backends return :class:`~autoheal.telemetry.model.Span` lists: :class:`EmbeddedTraces` (the embedded
SQLite store) here, Tempo and Jaeger in :mod:`autoheal.tools.traces_remote`. The service graph is
computed the same way whatever the backend: a span whose parent belongs to another service is one
call ``parent.service -> span.service``; the call's latency is the callee span's duration and it is
an error when the callee span is. Self time of a span is its duration minus its children's (never
below zero), summed per service.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any, ClassVar, Protocol

import numpy as np
from pydantic import BaseModel, Field, model_validator

from autoheal.clock import utc
from autoheal.domain.tools import Access, ToolResult, ToolStatus
from autoheal.telemetry.model import Span
from autoheal.telemetry.stores import TraceStore

MAX_SPANS = 10_000
MAX_GRAPH_SPANS = 200_000


class _Window(BaseModel):
    start: datetime
    end: datetime
    service: str | None = None

    @model_validator(mode="after")
    def _check(self) -> _Window:
        if utc(self.end) < utc(self.start):
            raise ValueError("end must not be before start")
        return self


class SpansArgs(_Window):
    limit: int = Field(500, ge=1, le=MAX_SPANS)
    errors_only: bool = False


class ServiceGraphArgs(_Window):
    max_spans: int = Field(100_000, ge=1, le=MAX_GRAPH_SPANS, description="spans read to build the graph")


class TraceBackend(Protocol):
    kind: str

    def spans(
        self, start: datetime, end: datetime, service: str | None, limit: int
    ) -> tuple[list[Span], ToolResult | None]: ...


class EmbeddedTraces:
    kind = "embedded"

    def __init__(self, store: TraceStore) -> None:
        self.store = store

    def spans(
        self, start: datetime, end: datetime, service: str | None, limit: int
    ) -> tuple[list[Span], ToolResult | None]:
        return self.store.spans(start=utc(start), end=utc(end), service=service, limit=limit), None


def span_dict(span: Span) -> dict[str, Any]:
    return {
        "trace_id": span.trace_id,
        "span_id": span.span_id,
        "parent_id": span.parent_id,
        "service": span.service,
        "operation": span.operation,
        "start": utc(span.start).isoformat().replace("+00:00", "Z"),
        "duration_ms": span.duration_ms,
        "error": span.error,
    }


def _pct(values: list[float], q: float) -> float:
    return round(float(np.percentile(np.asarray(values, dtype=float), q)), 3)


def service_graph(spans: Sequence[Span]) -> dict[str, Any]:
    """Caller -> callee edges with calls, errors, error ratio and latency p50/p99 (ms), plus per-service
    span counts, error counts and self time. Parents outside ``spans`` are unknown: such spans count
    for their service but make no edge."""
    by_id = {(s.trace_id, s.span_id): s for s in spans}
    child_time: dict[tuple[str, str], float] = defaultdict(float)
    edges: dict[tuple[str, str], list[Span]] = defaultdict(list)
    for s in spans:
        if not s.parent_id:
            continue
        parent = by_id.get((s.trace_id, s.parent_id))
        if parent is None:
            continue
        child_time[(s.trace_id, s.parent_id)] += s.duration_ms
        if parent.service != s.service:
            edges[(parent.service, s.service)].append(s)
    services: dict[str, dict[str, float]] = defaultdict(
        lambda: {"spans": 0, "errors": 0, "self_time_ms": 0.0}
    )
    for s in spans:
        entry = services[s.service]
        entry["spans"] += 1
        entry["errors"] += 1 if s.error else 0
        entry["self_time_ms"] += max(0.0, s.duration_ms - child_time.get((s.trace_id, s.span_id), 0.0))
    edge_list = []
    for (caller, callee), calls in sorted(edges.items()):
        durations = [c.duration_ms for c in calls]
        errors = sum(1 for c in calls if c.error)
        edge_list.append(
            {
                "caller": caller,
                "callee": callee,
                "calls": len(calls),
                "errors": errors,
                "error_ratio": round(errors / len(calls), 6),
                "p50_ms": _pct(durations, 50),
                "p99_ms": _pct(durations, 99),
            }
        )
    return {
        "edges": edge_list,
        "services": {
            name: {
                "spans": int(v["spans"]),
                "errors": int(v["errors"]),
                "self_time_ms": round(v["self_time_ms"], 3),
            }
            for name, v in sorted(services.items())
        },
    }


class TracesSpans:
    name: ClassVar[str] = "traces.spans"
    description: ClassVar[str] = "List spans in a time window (optionally of one service, or only errors)."
    access: ClassVar[Access] = Access.READ
    args_model: ClassVar[type[BaseModel]] = SpansArgs

    def __init__(self, backend: TraceBackend) -> None:
        self.backend = backend

    def invoke(self, args: BaseModel) -> ToolResult:
        assert isinstance(args, SpansArgs)
        fetch = MAX_SPANS if args.errors_only else args.limit + 1
        spans, failure = self.backend.spans(args.start, args.end, args.service, fetch)
        if failure:
            return failure
        if args.errors_only:
            spans = [s for s in spans if s.error]
        truncated = len(spans) > args.limit
        kept = [span_dict(s) for s in spans[: args.limit]]
        data = {"spans": kept, "truncated": truncated}
        meta = {"backend": self.backend.kind, "count": len(kept), "truncated": truncated}
        if not kept:
            return ToolResult(ToolStatus.NO_DATA, data=data, message="no spans in the window", meta=meta)
        return ToolResult(ToolStatus.OK, data=data, meta=meta)


class TracesServiceGraph:
    name: ClassVar[str] = "traces.service_graph"
    description: ClassVar[str] = (
        "Service call graph for a window: caller->callee edges with calls, errors, error ratio, "
        "latency p50/p99, and per-service self time. With a service, only edges touching it."
    )
    access: ClassVar[Access] = Access.READ
    args_model: ClassVar[type[BaseModel]] = ServiceGraphArgs

    def __init__(self, backend: TraceBackend) -> None:
        self.backend = backend

    def graph(
        self, start: datetime, end: datetime, max_spans: int
    ) -> tuple[dict[str, Any], ToolResult | None]:
        spans, failure = self.backend.spans(start, end, None, max_spans)
        if failure:
            return {}, failure
        graph = service_graph(spans)
        graph["spans_read"] = len(spans)
        graph["truncated"] = len(spans) >= max_spans
        return graph, None

    def invoke(self, args: BaseModel) -> ToolResult:
        assert isinstance(args, ServiceGraphArgs)
        graph, failure = self.graph(args.start, args.end, args.max_spans)
        if failure:
            return failure
        if args.service:
            graph["edges"] = [e for e in graph["edges"] if args.service in (e["caller"], e["callee"])]
        meta = {
            "backend": self.backend.kind,
            "spans_read": graph["spans_read"],
            "truncated": graph["truncated"],
        }
        if not graph["edges"] and not graph["services"]:
            return ToolResult(ToolStatus.NO_DATA, data=graph, message="no spans in the window", meta=meta)
        return ToolResult(ToolStatus.OK, data=graph, meta=meta)

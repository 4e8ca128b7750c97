"""A plain span record for the trace analysis tests (the fields :class:`SpanLike` reads)."""

from dataclasses import dataclass


@dataclass(frozen=True)
class S:
    trace_id: str
    span_id: str
    parent_id: str | None
    service: str
    operation: str
    duration_ms: float
    error: bool = False

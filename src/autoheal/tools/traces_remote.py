"""Tempo and Jaeger query APIs as trace backends (see :mod:`autoheal.tools.traces`).

* Tempo: ``GET /api/search`` (``tags=service.name=<svc>``, ``start``/``end`` in epoch seconds,
  ``limit``) for trace ids, then ``GET /api/traces/<id>`` for each (OTLP JSON: ``batches`` or
  ``resourceSpans`` -> ``scopeSpans`` / ``instrumentationLibrarySpans`` -> ``spans``; ids in hex or
  base64). At most ``max_traces`` traces are fetched per call.
* Jaeger: ``GET /api/traces?service=&start=&end=&limit=`` (microseconds); without a service, the
  services from ``GET /api/services`` (at most ``max_services``) are queried one by one.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from autoheal.clock import utc
from autoheal.domain.tools import ToolResult
from autoheal.telemetry.model import Span
from autoheal.tools.http import HttpApi


def _hex_id(value: str | None) -> str | None:
    """OTLP JSON ids are hex (Tempo) or base64 (protobuf JSON mapping); return lower-case hex."""
    if not value:
        return None
    if all(c in "0123456789abcdefABCDEF" for c in value) and len(value) in (16, 32):
        return value.lower()
    try:
        return base64.b64decode(value, validate=True).hex()
    except (binascii.Error, ValueError):
        return value


def _otlp_value(value: dict[str, Any]) -> Any:
    for key in ("stringValue", "boolValue", "doubleValue"):
        if key in value:
            return value[key]
    if "intValue" in value:
        return int(value["intValue"])
    return None


def _attrs(items: Iterable[dict[str, Any]] | None) -> dict[str, Any]:
    return {a.get("key", ""): _otlp_value(a.get("value") or {}) for a in items or []}


def parse_otlp_trace(body: dict[str, Any]) -> list[Span]:
    """Spans of one trace in OTLP JSON (Tempo's ``/api/traces/<id>`` and ``/api/v2/traces/<id>``)."""
    trace = body.get("trace", body)
    spans: list[Span] = []
    for batch in trace.get("batches") or trace.get("resourceSpans") or []:
        resource = _attrs((batch.get("resource") or {}).get("attributes"))
        service = str(resource.get("service.name") or "unknown")
        for scope in batch.get("scopeSpans") or batch.get("instrumentationLibrarySpans") or []:
            for raw in scope.get("spans") or []:
                start_ns = int(raw.get("startTimeUnixNano", 0))
                end_ns = int(raw.get("endTimeUnixNano", start_ns))
                code = (raw.get("status") or {}).get("code")
                spans.append(
                    Span(
                        trace_id=_hex_id(raw.get("traceId")) or "",
                        span_id=_hex_id(raw.get("spanId")) or "",
                        parent_id=_hex_id(raw.get("parentSpanId")),
                        service=service,
                        operation=raw.get("name", ""),
                        start=datetime.fromtimestamp(start_ns / 1e9, UTC),
                        duration_ms=(end_ns - start_ns) / 1e6,
                        error=code in (2, "STATUS_CODE_ERROR", "ERROR"),
                        attributes=_attrs(raw.get("attributes")),
                    )
                )
    return spans


def parse_jaeger_traces(body: dict[str, Any]) -> list[Span]:
    """Spans of every trace in a Jaeger query API answer (``{"data": [trace, ...]}``)."""
    spans: list[Span] = []
    for trace in body.get("data") or []:
        processes = trace.get("processes") or {}
        for raw in trace.get("spans") or []:
            tags = {t.get("key"): t.get("value") for t in raw.get("tags") or []}
            parent = next(
                (r.get("spanID") for r in raw.get("references") or [] if r.get("refType") == "CHILD_OF"), None
            )
            error = (
                tags.get("error") in (True, "true")
                or str(tags.get("otel.status_code", "")).upper() == "ERROR"
            )
            spans.append(
                Span(
                    trace_id=raw.get("traceID", ""),
                    span_id=raw.get("spanID", ""),
                    parent_id=parent,
                    service=(processes.get(raw.get("processID")) or {}).get("serviceName", "unknown"),
                    operation=raw.get("operationName", ""),
                    start=datetime.fromtimestamp(int(raw.get("startTime", 0)) / 1e6, UTC),
                    duration_ms=int(raw.get("duration", 0)) / 1e3,
                    error=error,
                    attributes={k: v for k, v in tags.items() if k},
                )
            )
    return spans


def _window(spans: list[Span], start: datetime, end: datetime, service: str | None, limit: int) -> list[Span]:
    lo, hi = utc(start), utc(end)
    seen: dict[tuple[str, str], Span] = {}
    for s in spans:
        if lo <= s.start <= hi and (service is None or s.service == service):
            seen.setdefault((s.trace_id, s.span_id), s)
    return sorted(seen.values(), key=lambda s: s.start)[:limit]


class TempoTraces:
    kind = "tempo"

    def __init__(self, api: HttpApi, *, max_traces: int = 50) -> None:
        self.api = api
        self.max_traces = max_traces

    def spans(
        self, start: datetime, end: datetime, service: str | None, limit: int
    ) -> tuple[list[Span], ToolResult | None]:
        params: dict[str, Any] = {
            "start": int(utc(start).timestamp()),
            "end": int(utc(end).timestamp()) + 1,
            "limit": self.max_traces,
        }
        if service:
            params["tags"] = f"service.name={service}"
        body, failure = self.api.get_json("/api/search", params)
        if failure:
            return [], failure
        spans: list[Span] = []
        for found in ((body or {}).get("traces") or [])[: self.max_traces]:
            trace, failure = self.api.get_json(f"/api/traces/{found.get('traceID')}")
            if failure:
                return [], failure
            spans.extend(parse_otlp_trace(trace or {}))
            if len(spans) >= limit * 4:
                break
        return _window(spans, start, end, service, limit), None


class JaegerTraces:
    kind = "jaeger"

    def __init__(self, api: HttpApi, *, max_traces: int = 50, max_services: int = 20) -> None:
        self.api = api
        self.max_traces = max_traces
        self.max_services = max_services

    def spans(
        self, start: datetime, end: datetime, service: str | None, limit: int
    ) -> tuple[list[Span], ToolResult | None]:
        services = [service] if service else None
        if services is None:
            body, failure = self.api.get_json("/api/services")
            if failure:
                return [], failure
            services = sorted((body or {}).get("data") or [])[: self.max_services]
        spans: list[Span] = []
        for name in services:
            params = {
                "service": name,
                "start": int(utc(start).timestamp() * 1e6),
                "end": int(utc(end).timestamp() * 1e6),
                "limit": self.max_traces,
            }
            body, failure = self.api.get_json("/api/traces", params)
            if failure:
                return [], failure
            spans.extend(parse_jaeger_traces(body or {}))
        return _window(spans, start, end, service, limit), None

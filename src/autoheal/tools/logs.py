"""``logs.query``: log lines of a service in a time window, by level and text, with line and byte limits.

Backends: :class:`LokiLogs` (``GET /loki/api/v1/query_range`` with LogQL built from the arguments)
and :class:`EmbeddedLogs` (the embedded SQLite log store). Both return lines oldest first as
``{"at", "service", "level", "line", "labels", "trace_id"}``; the tool then applies the byte limit.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, ClassVar, Protocol

from pydantic import BaseModel, Field, model_validator

from autoheal.clock import utc, zulu
from autoheal.domain.tools import Access, ToolResult, ToolStatus
from autoheal.telemetry.embedded import normalise_level
from autoheal.telemetry.stores import LogStore
from autoheal.tools.http import HttpApi

MAX_LINES = 5000
MAX_BYTES = 1_048_576
LEVELS = ("debug", "info", "warning", "error", "critical")


class LogQueryArgs(BaseModel):
    service: str | None = Field(None, description="the service whose logs to read (all services when empty)")
    start: datetime
    end: datetime
    level: str | None = Field(None, description="debug|info|warning|error|critical")
    contains: str | None = Field(
        None, max_length=500, description="case-sensitive text every line must contain"
    )
    limit: int = Field(200, ge=1, le=MAX_LINES, description="at most this many lines")
    max_bytes: int = Field(65_536, ge=1, le=MAX_BYTES, description="at most this many bytes of line text")

    @model_validator(mode="after")
    def _check(self) -> LogQueryArgs:
        if utc(self.end) < utc(self.start):
            raise ValueError("end must not be before start")
        if self.level is not None:
            self.level = normalise_level(self.level)
            if self.level not in LEVELS:
                raise ValueError(f"level must be one of {', '.join(LEVELS)}")
        return self


class LogBackend(Protocol):
    kind: str

    def fetch(self, args: LogQueryArgs) -> tuple[list[dict[str, Any]], ToolResult | None]: ...


class EmbeddedLogs:
    kind = "embedded"

    def __init__(self, store: LogStore) -> None:
        self.store = store

    def fetch(self, args: LogQueryArgs) -> tuple[list[dict[str, Any]], ToolResult | None]:
        records = self.store.query(
            start=utc(args.start),
            end=utc(args.end),
            service=args.service,
            level=args.level,
            contains=args.contains,
            limit=args.limit + 1,
        )
        return [
            {
                "at": zulu(r.at),
                "service": r.service,
                "level": r.level,
                "line": r.line,
                "labels": dict(r.labels),
                "trace_id": r.trace_id,
            }
            for r in records
        ], None


def _logql_string(value: str) -> str:
    return json.dumps(value)  # a double-quoted string with \" and \\ escapes, as LogQL expects


class LokiLogs:
    """Loki's query_range API. ``service_label`` names the stream label holding the service
    (``service_name`` for Loki 3 OTLP ingestion, often ``app`` or ``service``); the level is matched
    with a label filter on ``level_label`` (a stream label, structured metadata or detected level)."""

    kind = "loki"

    def __init__(self, api: HttpApi, *, service_label: str = "service", level_label: str = "level") -> None:
        self.api = api
        self.service_label = service_label
        self.level_label = level_label

    def logql(self, args: LogQueryArgs) -> str:
        if args.service:
            selector = f"{{{self.service_label}={_logql_string(args.service)}}}"
        else:
            selector = f'{{{self.service_label}=~".+"}}'
        parts = [selector]
        if args.contains:
            parts.append(f"|= {_logql_string(args.contains)}")
        if args.level:
            spellings = {"warning": "warn|warning", "critical": "critical|fatal"}.get(args.level, args.level)
            parts.append(f'| {self.level_label}=~"(?i){spellings}"')
        return " ".join(parts)

    def fetch(self, args: LogQueryArgs) -> tuple[list[dict[str, Any]], ToolResult | None]:
        params = {
            "query": self.logql(args),
            "start": str(int(utc(args.start).timestamp() * 1e9)),
            "end": str(int(utc(args.end).timestamp() * 1e9)),
            "limit": str(args.limit + 1),
            "direction": "forward",
        }
        body, failure = self.api.get_json("/loki/api/v1/query_range", params)
        if failure:
            return [], failure
        data = (body or {}).get("data") or {}
        if (body or {}).get("status") != "success" or data.get("resultType") != "streams":
            return [], ToolResult.failure(f"Loki returned an unexpected answer: {str(body)[:300]}")
        lines: list[tuple[int, dict[str, Any]]] = []
        for stream in data.get("result", []):
            labels = dict(stream.get("stream", {}))
            service = labels.get(self.service_label, args.service or "")
            level = normalise_level(labels.get(self.level_label) or labels.get("detected_level") or "info")
            for entry in stream.get("values", []):
                ns, line = int(entry[0]), entry[1]
                meta = entry[2] if len(entry) > 2 and isinstance(entry[2], dict) else {}
                trace_id = labels.get("trace_id") or (meta.get("structuredMetadata") or {}).get("trace_id")
                lines.append(
                    (
                        ns,
                        {
                            "at": zulu(datetime.fromtimestamp(ns / 1e9, UTC)),
                            "service": service,
                            "level": level,
                            "line": line,
                            "labels": labels,
                            "trace_id": trace_id,
                        },
                    )
                )
        lines.sort(key=lambda item: item[0])
        return [entry for _, entry in lines], None


class LogsQuery:
    name: ClassVar[str] = "logs.query"
    description: ClassVar[str] = (
        "Read log lines of a service in a time window, filtered by level and text, oldest first, "
        "bounded by a line limit and a byte limit."
    )
    access: ClassVar[Access] = Access.READ
    args_model: ClassVar[type[BaseModel]] = LogQueryArgs

    def __init__(self, backend: LogBackend) -> None:
        self.backend = backend

    def invoke(self, args: BaseModel) -> ToolResult:
        assert isinstance(args, LogQueryArgs)
        lines, failure = self.backend.fetch(args)
        if failure is not None:
            return failure
        truncated = len(lines) > args.limit
        kept: list[dict[str, Any]] = []
        size = 0
        for entry in lines[: args.limit]:
            n = len(entry["line"].encode())
            if size + n > args.max_bytes:
                truncated = True
                break
            kept.append(entry)
            size += n
        meta = {"backend": self.backend.kind, "lines": len(kept), "bytes": size, "truncated": truncated}
        data = {"lines": kept, "truncated": truncated}
        if not kept:
            return ToolResult(ToolStatus.NO_DATA, data=data, message="no log lines matched", meta=meta)
        return ToolResult(ToolStatus.OK, data=data, meta=meta)

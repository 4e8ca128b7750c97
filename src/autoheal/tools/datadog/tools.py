"""``datadog.logs_search`` (Logs Search API v2) and ``datadog.monitors`` (Monitors API v1).

Both go through the official ``datadog-api-client`` (``LogsApi.list_logs``,
``MonitorsApi.list_monitors`` / ``get_monitor``). API failures are data: 404 -> ``no_data``,
401/403/429/5xx -> ``error`` with Datadog's own ``errors`` text; an unreachable host -> ``error``.
Log searches are time-bounded and limited (the ``guards.logs`` guard covers ``datadog.logs_*``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, ClassVar

import urllib3.exceptions
from datadog_api_client.exceptions import ApiException
from pydantic import BaseModel, ConfigDict, Field, model_validator

from autoheal.clock import utc, zulu
from autoheal.domain.tools import Access, ToolResult, ToolStatus

MAX_LINES = 5000
PAGE = 1000  # the Logs Search API's page limit


class _Args(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LogsSearchArgs(_Args):
    query: str = Field(
        "*", max_length=4000, description="Datadog log search syntax, e.g. service:api status:error"
    )
    start: datetime
    end: datetime
    limit: int = Field(200, ge=1, le=MAX_LINES)
    indexes: list[str] = Field(default_factory=list, max_length=20)

    @model_validator(mode="after")
    def _window(self) -> LogsSearchArgs:
        if utc(self.end) <= utc(self.start):
            raise ValueError("end must be after start")
        return self


class MonitorsArgs(_Args):
    monitor_id: int | None = Field(None, ge=1, description="one monitor (with its groups' states)")
    name: str | None = Field(None, max_length=200, description="substring of the monitor name")
    monitor_tags: list[str] = Field(default_factory=list, max_length=20, description="e.g. service:api")
    limit: int = Field(100, ge=1, le=1000)


def _api_failure(exc: ApiException, what: str) -> ToolResult:
    status = int(exc.status or 0)
    detail = ""
    try:
        body = json.loads(exc.body) if exc.body else {}
        errors = body.get("errors") if isinstance(body, dict) else None
        detail = "; ".join(str(e) for e in errors)[:300] if errors else ""
    except (ValueError, TypeError):
        detail = ""
    if status == 404:
        return ToolResult(ToolStatus.NO_DATA, message=f"{what}: not found", meta={"http_status": 404})
    text = f"{what}: HTTP {status} {exc.reason or ''}".strip() + (f": {detail}" if detail else "")
    return ToolResult.failure(text, http_status=status)


def _guarded(what: str, call: Callable[[], ToolResult]) -> ToolResult:
    try:
        return call()
    except ApiException as exc:
        return _api_failure(exc, what)
    except (OSError, urllib3.exceptions.HTTPError) as exc:
        return ToolResult.failure(f"{what}: cannot reach the Datadog API ({type(exc).__name__}: {exc})")


def _iso(value: Any) -> str | None:
    """A time as ISO 8601 UTC text (``...Z``); the client's ``to_dict`` gives datetimes or text."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = datetime.fromtimestamp(value, UTC) if value > 0 else None
    if isinstance(value, datetime):
        return zulu(value)
    return None if value is None else str(value)


class _DatadogTool:
    access: ClassVar[Access] = Access.READ

    def __init__(self, api_client: Any) -> None:
        self.api_client = api_client


class DatadogLogsSearch(_DatadogTool):
    name: ClassVar[str] = "datadog.logs_search"
    description: ClassVar[str] = (
        "Datadog Logs Search (API v2): log events matching a query in a window, oldest first."
    )
    args_model: ClassVar[type[BaseModel]] = LogsSearchArgs

    def invoke(self, args: BaseModel) -> ToolResult:
        assert isinstance(args, LogsSearchArgs)
        return _guarded(f"Datadog logs {args.query!r}", lambda: self._search(args))

    def _search(self, args: LogsSearchArgs) -> ToolResult:
        from datadog_api_client.v2.api.logs_api import LogsApi
        from datadog_api_client.v2.model.logs_list_request import LogsListRequest
        from datadog_api_client.v2.model.logs_list_request_page import LogsListRequestPage
        from datadog_api_client.v2.model.logs_query_filter import LogsQueryFilter
        from datadog_api_client.v2.model.logs_sort import LogsSort

        api = LogsApi(self.api_client)
        lines: list[dict[str, Any]] = []
        cursor: str | None = None
        while len(lines) < args.limit:
            page = LogsListRequestPage(limit=min(PAGE, args.limit - len(lines)))
            if cursor:
                page.cursor = cursor
            flt = LogsQueryFilter(query=args.query, _from=zulu(args.start), to=zulu(args.end))
            if args.indexes:
                flt.indexes = list(args.indexes)
            body = LogsListRequest(filter=flt, page=page, sort=LogsSort.TIMESTAMP_ASCENDING)
            response = api.list_logs(body=body).to_dict()
            for item in response.get("data") or []:
                attrs = item.get("attributes") or {}
                lines.append(
                    {
                        "id": item.get("id"),
                        "at": _iso(attrs.get("timestamp")),
                        "service": attrs.get("service"),
                        "status": attrs.get("status"),
                        "host": attrs.get("host"),
                        "message": attrs.get("message", ""),
                        "tags": list(attrs.get("tags") or []),
                    }
                )
            cursor = ((response.get("meta") or {}).get("page") or {}).get("after")
            if not cursor or not response.get("data"):
                break
        kept = lines[: args.limit]
        data = {"query": args.query, "lines": kept, "truncated": bool(cursor)}
        if not kept:
            return ToolResult(ToolStatus.NO_DATA, data=data, message=f"no Datadog logs match {args.query!r}")
        return ToolResult.success(data, lines=len(kept))


def _monitor(m: dict[str, Any]) -> dict[str, Any]:
    state = m.get("state") or {}
    groups = {
        name: {"status": g.get("status"), "last_triggered": _iso(g.get("last_triggered_ts"))}
        for name, g in (state.get("groups") or {}).items()
    }
    return {
        "id": m.get("id"),
        "name": m.get("name"),
        "type": m.get("type"),
        "query": m.get("query"),
        "overall_state": m.get("overall_state"),
        "priority": m.get("priority"),
        "tags": list(m.get("tags") or []),
        "message": m.get("message", ""),
        "modified": _iso(m.get("modified")),
        "groups": groups,
    }


class DatadogMonitors(_DatadogTool):
    name: ClassVar[str] = "datadog.monitors"
    description: ClassVar[str] = (
        "Datadog monitors (API v1): one by id with its groups' states, or a list by name and tags."
    )
    args_model: ClassVar[type[BaseModel]] = MonitorsArgs

    def invoke(self, args: BaseModel) -> ToolResult:
        assert isinstance(args, MonitorsArgs)
        what = f"Datadog monitor {args.monitor_id}" if args.monitor_id else "Datadog monitors"
        return _guarded(what, lambda: self._fetch(args, what))

    def _fetch(self, args: MonitorsArgs, what: str) -> ToolResult:
        from datadog_api_client.v1.api.monitors_api import MonitorsApi

        api = MonitorsApi(self.api_client)
        if args.monitor_id is not None:
            one = api.get_monitor(args.monitor_id, group_states="all").to_dict()
            return ToolResult.success({"monitors": [_monitor(one)]})
        kwargs: dict[str, Any] = {"page_size": min(args.limit, 1000), "page": 0}
        if args.name:
            kwargs["name"] = args.name
        if args.monitor_tags:
            kwargs["monitor_tags"] = ",".join(args.monitor_tags)
        items = [m.to_dict() for m in api.list_monitors(**kwargs)]
        monitors = [_monitor(m) for m in items[: args.limit]]
        if not monitors:
            return ToolResult(ToolStatus.NO_DATA, data={"monitors": []}, message=f"{what}: none match")
        return ToolResult.success({"monitors": monitors})


def datadog_tools(api_client: Any) -> list[_DatadogTool]:
    """The read-only Datadog tools over one official ``ApiClient`` (``DatadogConfig.api_client()``)."""
    return [DatadogLogsSearch(api_client), DatadogMonitors(api_client)]

"""Prometheus tools: instant and range queries, series, label values, rules, alerts.

Two backends answer them with the same result shapes (Prometheus's HTTP API ``data`` objects):

* :class:`PrometheusHttp` — a real Prometheus or any PromQL-compatible server (VictoriaMetrics);
* :class:`EmbeddedPrometheus` — the embedded metric store, through the PromQL subset of
  :mod:`autoheal.tools.promql_embedded`.

An empty answer is ``NO_DATA`` (with the empty ``data`` still attached); a server or query error
is ``ERROR`` with the server's own message.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar, Literal, Protocol

import promql_parser as pp
from pydantic import BaseModel, Field, model_validator

from autoheal.clock import Clock, SystemClock, utc
from autoheal.domain.tools import Access, ToolResult, ToolStatus
from autoheal.telemetry.stores import MetricStore
from autoheal.tools.http import HttpApi
from autoheal.tools.promql_embedded import EmbeddedPromQL, UnsupportedQuery, matchers_of

MAX_POINTS = 11_000  # Prometheus refuses more points per series than this


# ------------------------------------------------------------------------------------ arguments
class QueryArgs(BaseModel):
    query: str = Field(min_length=1, description="PromQL expression")
    time: datetime | None = Field(None, description="evaluation time (default: now)")


class QueryRangeArgs(BaseModel):
    query: str = Field(min_length=1, description="PromQL expression")
    start: datetime
    end: datetime
    step: float = Field(60.0, gt=0, description="resolution in seconds")

    @model_validator(mode="after")
    def _check_window(self) -> QueryRangeArgs:
        if utc(self.end) < utc(self.start):
            raise ValueError("end must not be before start")
        points = (utc(self.end) - utc(self.start)).total_seconds() / self.step + 1
        if points > MAX_POINTS:
            raise ValueError(
                f"{points:.0f} points per series exceeds {MAX_POINTS}; raise step or narrow the window"
            )
        return self


class SeriesArgs(BaseModel):
    match: list[str] = Field(min_length=1, description="series selectors, e.g. 'up{service=\"api\"}'")
    start: datetime | None = None
    end: datetime | None = None


class LabelValuesArgs(BaseModel):
    label: str = Field(min_length=1, pattern=r"^[a-zA-Z_][a-zA-Z0-9_]*$")
    match: list[str] = Field(default_factory=list)


class RulesArgs(BaseModel):
    type: Literal["alert", "record"] | None = None


class NoArgs(BaseModel):
    pass


def _answer(data: dict[str, Any], **meta: Any) -> ToolResult:
    result = data.get("result") if isinstance(data, dict) else None
    if not result:
        return ToolResult(ToolStatus.NO_DATA, data=data, message="the query returned no series", meta=meta)
    return ToolResult.success(data, **meta)


def _list_answer(items: list[Any], what: str, **meta: Any) -> ToolResult:
    if not items:
        return ToolResult(ToolStatus.NO_DATA, data=[], message=f"no {what}", meta=meta)
    return ToolResult.success(items, **meta)


def _ts(dt: datetime) -> str:
    return f"{utc(dt).timestamp():.3f}"


# ------------------------------------------------------------------------------------ backends
class PrometheusBackend(Protocol):
    kind: str

    def query(self, query: str, at: datetime) -> ToolResult: ...
    def query_range(self, query: str, start: datetime, end: datetime, step: float) -> ToolResult: ...
    def series(self, match: list[str], start: datetime | None, end: datetime | None) -> ToolResult: ...
    def label_values(self, label: str, match: list[str]) -> ToolResult: ...
    def rules(self, type: str | None) -> ToolResult: ...
    def alerts(self) -> ToolResult: ...


class PrometheusHttp:
    """Prometheus HTTP API v1 (also VictoriaMetrics and other PromQL-compatible servers)."""

    kind = "http"

    def __init__(self, api: HttpApi) -> None:
        self.api = api

    def _get(self, path: str, params: Any = None) -> tuple[Any, ToolResult | None]:
        body, failure = self.api.get_json(path, params)
        if failure is not None:
            return None, failure
        if not isinstance(body, dict) or body.get("status") != "success":
            err = body.get("error") if isinstance(body, dict) else body
            return None, ToolResult.failure(f"{self.api.name} refused {path}: {err}")
        return body.get("data"), None

    def _meta(self) -> dict[str, Any]:
        return {"backend": self.api.name, "url": self.api.base_url}

    def query(self, query: str, at: datetime) -> ToolResult:
        data, failure = self._get("/api/v1/query", {"query": query, "time": _ts(at)})
        return failure or _answer(data, **self._meta())

    def query_range(self, query: str, start: datetime, end: datetime, step: float) -> ToolResult:
        params = {"query": query, "start": _ts(start), "end": _ts(end), "step": f"{step:g}"}
        data, failure = self._get("/api/v1/query_range", params)
        return failure or _answer(data, **self._meta())

    def series(self, match: list[str], start: datetime | None, end: datetime | None) -> ToolResult:
        params: list[tuple[str, Any]] = [("match[]", m) for m in match]
        if start is not None:
            params.append(("start", _ts(start)))
        if end is not None:
            params.append(("end", _ts(end)))
        data, failure = self._get("/api/v1/series", params)
        return failure or _list_answer(list(data or []), "series", **self._meta())

    def label_values(self, label: str, match: list[str]) -> ToolResult:
        data, failure = self._get(f"/api/v1/label/{label}/values", [("match[]", m) for m in match])
        return failure or _list_answer(list(data or []), f"values for label {label}", **self._meta())

    def rules(self, type: str | None) -> ToolResult:
        data, failure = self._get("/api/v1/rules", {"type": type} if type else None)
        if failure:
            return failure
        groups = (data or {}).get("groups", [])
        return _list_answer(groups, "rule groups", **self._meta())

    def alerts(self) -> ToolResult:
        data, failure = self._get("/api/v1/alerts")
        if failure:
            return failure
        return _list_answer((data or {}).get("alerts", []), "active alerts", **self._meta())


class EmbeddedPrometheus:
    """The embedded metric store behind the same interface (PromQL subset, no rules or alerts)."""

    kind = "embedded"

    def __init__(self, store: MetricStore) -> None:
        self.store = store
        self.engine = EmbeddedPromQL(store)

    def query(self, query: str, at: datetime) -> ToolResult:
        try:
            return _answer(self.engine.instant(query, at), backend="embedded")
        except UnsupportedQuery as exc:
            return ToolResult.failure(str(exc), backend="embedded", kind="unsupported")

    def query_range(self, query: str, start: datetime, end: datetime, step: float) -> ToolResult:
        try:
            return _answer(self.engine.range(query, start, end, step), backend="embedded")
        except UnsupportedQuery as exc:
            return ToolResult.failure(str(exc), backend="embedded", kind="unsupported")

    def _matching(self, selector: str, start: datetime | None, end: datetime | None) -> list[dict[str, str]]:
        try:
            node = pp.parse(selector)
        except Exception as exc:
            raise UnsupportedQuery(f"cannot parse series selector {selector!r}: {exc}") from None
        if not isinstance(node, pp.VectorSelector):
            raise UnsupportedQuery(f"{selector!r} is not a series selector")
        matchers = matchers_of(node)
        lo = start or datetime(1970, 1, 1, tzinfo=UTC)
        hi = end or datetime(9999, 1, 1, tzinfo=UTC)
        found = getattr(self.store, "matching_series", None)
        if found is not None and start is None and end is None:
            return [{"__name__": name, **labels} for _, name, labels in found(node.name, matchers)]
        return [{"__name__": s.name, **s.labels} for s in self.store.select(node.name, matchers, lo, hi)]

    def series(self, match: list[str], start: datetime | None, end: datetime | None) -> ToolResult:
        seen: dict[tuple[tuple[str, str], ...], dict[str, str]] = {}
        try:
            for selector in match:
                for labels in self._matching(selector, start, end):
                    seen.setdefault(tuple(sorted(labels.items())), labels)
        except UnsupportedQuery as exc:
            return ToolResult.failure(str(exc), backend="embedded")
        return _list_answer([seen[k] for k in sorted(seen)], "series", backend="embedded")

    def label_values(self, label: str, match: list[str]) -> ToolResult:
        if not match:
            return _list_answer(
                self.store.label_values(label), f"values for label {label}", backend="embedded"
            )
        result = self.series(match, None, None)
        if not result.ok:
            return result
        values = sorted({s[label] for s in result.data if label in s})
        return _list_answer(values, f"values for label {label}", backend="embedded")

    def rules(self, type: str | None) -> ToolResult:
        return ToolResult.empty("the embedded metric store has no rules", backend="embedded")

    def alerts(self) -> ToolResult:
        return ToolResult.empty("the embedded metric store evaluates no alerts", backend="embedded")


# ------------------------------------------------------------------------------------ tools
class _PrometheusTool:
    access: ClassVar[Access] = Access.READ

    def __init__(self, backend: PrometheusBackend, clock: Clock | None = None) -> None:
        self.backend = backend
        self.clock = clock or SystemClock()


class PrometheusQuery(_PrometheusTool):
    name: ClassVar[str] = "prometheus.query"
    description: ClassVar[str] = (
        "Evaluate a PromQL expression at one instant (default now); returns a vector."
    )
    args_model: ClassVar[type[BaseModel]] = QueryArgs

    def invoke(self, args: BaseModel) -> ToolResult:
        assert isinstance(args, QueryArgs)
        return self.backend.query(args.query, utc(args.time) if args.time else self.clock.now())


class PrometheusQueryRange(_PrometheusTool):
    name: ClassVar[str] = "prometheus.query_range"
    description: ClassVar[str] = (
        "Evaluate a PromQL expression over [start, end] every step seconds; returns a matrix."
    )
    args_model: ClassVar[type[BaseModel]] = QueryRangeArgs

    def invoke(self, args: BaseModel) -> ToolResult:
        assert isinstance(args, QueryRangeArgs)
        return self.backend.query_range(args.query, utc(args.start), utc(args.end), args.step)


class PrometheusSeries(_PrometheusTool):
    name: ClassVar[str] = "prometheus.series"
    description: ClassVar[str] = "List the label sets of series matching selectors."
    args_model: ClassVar[type[BaseModel]] = SeriesArgs

    def invoke(self, args: BaseModel) -> ToolResult:
        assert isinstance(args, SeriesArgs)
        start = utc(args.start) if args.start else None
        end = utc(args.end) if args.end else None
        return self.backend.series(args.match, start, end)


class PrometheusLabelValues(_PrometheusTool):
    name: ClassVar[str] = "prometheus.label_values"
    description: ClassVar[str] = "List the values a label takes (optionally among series matching selectors)."
    args_model: ClassVar[type[BaseModel]] = LabelValuesArgs

    def invoke(self, args: BaseModel) -> ToolResult:
        assert isinstance(args, LabelValuesArgs)
        return self.backend.label_values(args.label, args.match)


class PrometheusRules(_PrometheusTool):
    name: ClassVar[str] = "prometheus.rules"
    description: ClassVar[str] = "List alerting and recording rule groups with their state."
    args_model: ClassVar[type[BaseModel]] = RulesArgs

    def invoke(self, args: BaseModel) -> ToolResult:
        assert isinstance(args, RulesArgs)
        return self.backend.rules(args.type)


class PrometheusAlerts(_PrometheusTool):
    name: ClassVar[str] = "prometheus.alerts"
    description: ClassVar[str] = "List the alerts Prometheus currently has pending or firing."
    args_model: ClassVar[type[BaseModel]] = NoArgs

    def invoke(self, args: BaseModel) -> ToolResult:
        return self.backend.alerts()


PROMETHEUS_TOOLS: tuple[type[_PrometheusTool], ...] = (
    PrometheusQuery,
    PrometheusQueryRange,
    PrometheusSeries,
    PrometheusLabelValues,
    PrometheusRules,
    PrometheusAlerts,
)

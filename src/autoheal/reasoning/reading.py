"""Arguments for the governed tools, and tolerant readers of what they return.

Every tool name and argument shape the reasoning uses is written here once, so that a change in a
tool's contract is one edit. The readers accept the shapes the tools return (telemetry record
types, plain dicts, or the Prometheus / Alertmanager HTTP API JSON) and give plain values back;
they never raise on unexpected data, they return nothing.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlparse

from autoheal.reasoning.base import Window

# --- tool names -------------------------------------------------------------------------------
QUERY_RANGE = "prometheus.query_range"
QUERY = "prometheus.query"
LABEL_VALUES = "prometheus.label_values"
CHANGES = "changes.list"
TOPOLOGY = "topology.graph"
SERVICE_GRAPH = "traces.service_graph"
SILENCES = "alertmanager.silences"
LOGS = "logs.query"


def iso(when: datetime) -> str:
    return when.astimezone(UTC).isoformat()


def range_args(query: str, window: Window, step_seconds: float) -> dict[str, Any]:
    return {
        "query": query,
        "start": iso(window.start),
        "end": iso(window.end),
        "step": float(max(1, int(step_seconds))),
    }


def window_args(window: Window, service: str | None = None) -> dict[str, Any]:
    args: dict[str, Any] = {"start": iso(window.start), "end": iso(window.end)}
    if service:
        args["service"] = service
    return args


def step_for(window: Window, points: int = 120) -> float:
    """A query step giving about ``points`` samples over the window (never below 1 s)."""
    return max(1.0, window.seconds / points)


# --- time -------------------------------------------------------------------------------------
def to_datetime(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, int | float):
        return datetime.fromtimestamp(float(value), UTC)
    if isinstance(value, str) and value:
        text = value.replace("Z", "+00:00")
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            try:
                return datetime.fromtimestamp(float(value), UTC)
            except ValueError:
                return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


def _get(obj: Any, *names: str, default: Any = None) -> Any:
    for name in names:
        if isinstance(obj, Mapping):
            if name in obj and obj[name] is not None:
                return obj[name]
        elif getattr(obj, name, None) is not None:
            return getattr(obj, name)
    return default


def _items(data: Any, *keys: str) -> list[Any]:
    if isinstance(data, Mapping):
        for key in keys:
            if isinstance(data.get(key), list):
                return list(data[key])
        if isinstance(data.get("data"), Mapping | list):
            return _items(data["data"], *keys)
        return []
    if isinstance(data, list | tuple):
        return list(data)
    return []


# --- metrics ----------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Points:
    """One series as plain lists: labels, epoch seconds, values."""

    labels: Mapping[str, str]
    times: tuple[float, ...]
    values: tuple[float, ...]

    @property
    def service(self) -> str | None:
        return self.labels.get("service")

    def between(self, window: Window) -> list[float]:
        lo, hi = window.start.timestamp(), window.end.timestamp()
        return [v for t, v in zip(self.times, self.values, strict=False) if lo <= t <= hi]

    def first_time_above(self, threshold: float, after: float) -> float | None:
        for t, v in zip(self.times, self.values, strict=False):
            if t >= after and v > threshold:
                return t
        return None


def read_series(data: Any) -> list[Points]:
    """Series from a ``prometheus.query_range`` / ``query`` result (matrix, vector or Series list)."""
    out: list[Points] = []
    for item in _items(data, "result", "series"):
        labels = _get(item, "metric", "labels", default={}) or {}
        labels = {str(k): str(v) for k, v in dict(labels).items()}
        name = _get(item, "name")
        if name and "__name__" not in labels:
            labels["__name__"] = str(name)
        times: list[float] = []
        values: list[float] = []
        if _get(item, "timestamps") is not None:
            for t, v in zip(_get(item, "timestamps"), _get(item, "values", default=()), strict=False):
                times.append(float(t))
                values.append(_num(v))
        else:
            pairs = _get(item, "values", default=None)
            if pairs is None and _get(item, "value") is not None:
                pairs = [_get(item, "value")]
            for pair in pairs or ():
                if isinstance(pair, list | tuple) and len(pair) == 2:
                    times.append(float(pair[0]))
                    values.append(_num(pair[1]))
        ok = [(t, v) for t, v in zip(times, values, strict=False) if v == v]  # drop NaN
        out.append(Points(labels, tuple(t for t, _ in ok), tuple(v for _, v in ok)))
    return out


def _num(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("nan")


def robust_z(reference: Sequence[float], incident: Sequence[float]) -> float:
    """How far the incident's median moved from the reference, in robust units (median / IQR)."""
    if not reference or not incident:
        return 0.0
    ref_median = statistics.median(reference)
    if len(reference) >= 4:
        q = statistics.quantiles(reference, n=4)
        spread = q[2] - q[0]
    else:
        spread = 0.0
    spread = max(spread, abs(ref_median) * 0.05, 1e-6)
    return (statistics.median(incident) - ref_median) / spread


# --- changes ----------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Change:
    id: str
    at: datetime
    service: str
    kind: str
    summary: str
    version: str | None = None


def read_changes(data: Any) -> list[Change]:
    out: list[Change] = []
    for item in _items(data, "changes", "items", "result"):
        at = to_datetime(_get(item, "at", "time", "timestamp"))
        service = _get(item, "service")
        if at is None or not service:
            continue
        kind = _get(item, "kind", "type", default="change")
        out.append(
            Change(
                id=str(_get(item, "id", default=f"{service}@{at.isoformat()}")),
                at=at,
                service=str(service),
                kind=str(getattr(kind, "value", kind)),
                summary=str(_get(item, "summary", "description", default="")),
                version=_get(item, "version"),
            )
        )
    return sorted(out, key=lambda c: c.at)


# --- topology ---------------------------------------------------------------------------------
@dataclass(slots=True)
class Graph:
    """Caller -> callee edges ("depends on"). Upstream of a symptom = its (transitive) callees."""

    edges: set[tuple[str, str]] = field(default_factory=set)
    errors: dict[tuple[str, str], float] = field(default_factory=dict)

    @property
    def nodes(self) -> set[str]:
        return {n for edge in self.edges for n in edge}

    def callees(self, service: str) -> set[str]:
        return {b for a, b in self.edges if a == service}

    def callers(self, service: str) -> set[str]:
        return {a for a, b in self.edges if b == service}

    def dependencies(self, service: str, depth: int = 10) -> set[str]:
        """Every service ``service`` depends on, directly or through others."""
        return _walk(service, self.callees, depth)

    def dependents(self, service: str, depth: int = 10) -> set[str]:
        """Every service that depends on ``service`` (where its failure can show up)."""
        return _walk(service, self.callers, depth)

    def merge(self, other: Graph) -> Graph:
        return Graph(self.edges | other.edges, {**self.errors, **other.errors})


def _walk(start: str, step: Any, depth: int) -> set[str]:
    seen: set[str] = set()
    frontier = {start}
    for _ in range(depth):
        frontier = {n for f in frontier for n in step(f)} - seen - {start}
        if not frontier:
            break
        seen |= frontier
    return seen


def read_graph(data: Any) -> Graph:
    graph = Graph()
    for item in _items(data, "edges", "links", "result"):
        if isinstance(item, list | tuple) and len(item) >= 2:
            a, b = item[0], item[1]
            extra: Any = {}
        else:
            a = _get(item, "caller", "parent", "from", "client", "source")
            b = _get(item, "callee", "child", "to", "server", "target")
            extra = item
        if not a or not b or a == b:
            continue
        edge = (str(a), str(b))
        graph.edges.add(edge)
        errors = _get(extra, "error_rate", "errors", default=None)
        if isinstance(errors, int | float):
            graph.errors[edge] = float(errors)
    if isinstance(data, Mapping):  # {"dependencies": {"svc": ["dep", ...]}}
        deps = data.get("dependencies")
        if isinstance(deps, Mapping):
            for a, bs in deps.items():
                for b in bs or ():
                    if a != b:
                        graph.edges.add((str(a), str(b)))
    return graph


# --- silences ---------------------------------------------------------------------------------
def silence_matches(silence: Any, labels: Mapping[str, str], now: datetime) -> bool:
    """Alertmanager semantics: active now, and every matcher matches the alert's labels."""
    import re

    state = _get(_get(silence, "status", default={}), "state", default="active")
    if state != "active":
        return False
    starts, ends = to_datetime(_get(silence, "startsAt")), to_datetime(_get(silence, "endsAt"))
    if (starts and now < starts) or (ends and now > ends):
        return False
    matchers = _get(silence, "matchers", default=[]) or []
    if not matchers:
        return False
    for m in matchers:
        name, value = str(_get(m, "name", default="")), str(_get(m, "value", default=""))
        is_regex, is_equal = bool(_get(m, "isRegex", default=False)), _get(m, "isEqual", default=True)
        actual = labels.get(name, "")
        hit = re.fullmatch(value, actual) is not None if is_regex else actual == value
        if hit != bool(is_equal):
            return False
    return True


def read_silences(data: Any) -> list[Any]:
    return _items(data, "silences", "result")


# --- alert expressions -----------------------------------------------------------------------
def expression_from_url(url: str | None) -> str | None:
    """The PromQL expression of a Prometheus ``generatorURL`` (``/graph?g0.expr=...``)."""
    if not url:
        return None
    query = parse_qs(urlparse(url).query)
    for key in ("g0.expr", "expr", "query"):
        if query.get(key):
            return query[key][0]
    return None


def services_in(values: Iterable[str | None]) -> list[str]:
    seen: dict[str, None] = {}
    for value in values:
        if value:
            seen.setdefault(value, None)
    return list(seen)

"""Query guards: no query may hurt the system it reads from.

PromQL is parsed with ``promql-parser`` (a real PromQL grammar). The guard checks the range and
step of a range query (points per series), that every vector selector names a metric or has a
label matcher that cannot match the empty string, how many selectors are regex-only, how deep
subqueries nest, and how far back matrix selectors and subqueries reach. Log queries must carry a
time bound and a line limit within the policy's maxima.

The guard also estimates a query's *cost* (samples it may touch), which the per-investigation
budget sums.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from fnmatch import fnmatchcase
from typing import Any

import promql_parser

from autoheal.governance.policy import Guards, LogGuard, PromQLGuard


@dataclass(frozen=True, slots=True)
class GuardResult:
    kind: str | None = None  # "promql", "logs" or None (not a guarded tool)
    violation: str | None = None
    metrics: frozenset[str] = frozenset()
    cost: float = 1.0


@dataclass(slots=True)
class _Walk:
    selectors: int = 0
    regex_only: int = 0
    max_depth: int = 0
    sample_factor: float = 0.0  # sum over selectors of samples per evaluation step
    metrics: set[str] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)


def _first(args: Mapping[str, Any], names: tuple[str, ...]) -> tuple[str | None, Any]:
    for name in names:
        if args.get(name) is not None:
            return name, args[name]
    return None, None


def _seconds(value: Any) -> float:
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return promql_parser.parse_duration(value).total_seconds()
    raise ValueError(f"not a duration: {value!r}")


def _timestamp(value: Any) -> float:
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    raise ValueError(f"not a time: {value!r}")


def _matches_empty(op: Any, value: str) -> bool:
    name = str(op).rsplit(".", 1)[-1]
    if name == "Equal":
        return value == ""
    if name == "NotEqual":
        return value != ""
    try:
        hit = re.fullmatch(value, "") is not None
    except re.error:
        return True
    return hit if name == "Re" else not hit


class QueryGuards:
    def __init__(self, guards: Guards) -> None:
        self._promql = guards.promql
        self._logs = guards.logs

    def check(self, tool: str, args: Mapping[str, Any]) -> GuardResult:
        if any(fnmatchcase(tool, p) for p in self._promql.tools):
            name, query = _first(args, self._promql.query_args)
            if name is not None:
                return check_promql(str(query), args, self._promql)
            _, match = _first(args, self._promql.match_args)
            selectors = [match] if isinstance(match, str) else list(match or [])
            results = [check_promql(str(sel), {}, self._promql) for sel in selectors]
            bad = next((r for r in results if r.violation), None)
            if bad is not None:
                return bad
            if results:
                metrics = frozenset().union(*(r.metrics for r in results))
                return GuardResult("promql", None, metrics, cost=float(sum(r.cost for r in results)))
        if any(fnmatchcase(tool, p) for p in self._logs.tools):
            return check_logs(args, self._logs)
        return GuardResult()


def check_promql(query: str, args: Mapping[str, Any], cfg: PromQLGuard) -> GuardResult:
    def deny(why: str, metrics: frozenset[str] = frozenset()) -> GuardResult:
        return GuardResult("promql", why, metrics)

    if len(query) > cfg.max_query_length:
        return deny(f"query is {len(query)} characters long; the limit is {cfg.max_query_length}")
    try:
        expr = promql_parser.parse(query)
    except (ValueError, RuntimeError) as exc:
        return deny(f"query does not parse as PromQL: {exc}")

    walk = _Walk()
    _visit(expr, 0, walk, cfg)
    metrics = frozenset(walk.metrics)
    if walk.problems:
        return deny(walk.problems[0], metrics)
    if walk.selectors > cfg.max_selectors:
        return deny(f"query has {walk.selectors} selectors; the limit is {cfg.max_selectors}", metrics)
    if walk.regex_only > cfg.max_regex_only_selectors:
        return deny(
            f"query has {walk.regex_only} selectors matched only by regular expressions; "
            f"the limit is {cfg.max_regex_only_selectors}",
            metrics,
        )
    if walk.max_depth > cfg.max_subquery_depth:
        return deny(f"subqueries nest {walk.max_depth} deep; the limit is {cfg.max_subquery_depth}", metrics)

    points = 1.0
    _, start = _first(args, cfg.start_args)
    _, end = _first(args, cfg.end_args)
    step_name, step = _first(args, cfg.step_args)
    if start is not None and end is not None:
        try:
            span = _timestamp(end) - _timestamp(start)
        except ValueError as exc:
            return deny(f"cannot read the query range: {exc}", metrics)
        if span < 0:
            return deny("query range ends before it starts", metrics)
        if span > cfg.max_range_seconds:
            return deny(f"query range is {span:.0f}s; the limit is {cfg.max_range_seconds:.0f}s", metrics)
        if step is not None:
            try:
                step_s = _seconds(step)
            except ValueError as exc:
                return deny(f"cannot read {step_name}: {exc}", metrics)
            if step_s < cfg.min_step_seconds:
                return deny(f"step {step_s:g}s is below the minimum of {cfg.min_step_seconds:g}s", metrics)
            points = span / step_s + 1
            if points > cfg.max_points_per_series:
                return deny(
                    f"range/step gives {points:.0f} points per series; the limit is {cfg.max_points_per_series} "
                    f"(use a step of at least {span / (cfg.max_points_per_series - 1):.0f}s)",
                    metrics,
                )
    return GuardResult("promql", None, metrics, cost=max(1.0, points * max(walk.sample_factor, 1.0)))


def _visit(node: Any, depth: int, walk: _Walk, cfg: PromQLGuard) -> None:
    if isinstance(node, promql_parser.VectorSelector):
        _selector(node, 1.0, walk)
    elif isinstance(node, promql_parser.MatrixSelector):
        seconds = node.range.total_seconds()
        if seconds > cfg.max_lookback_seconds:
            walk.problems.append(
                f"range selector [{promql_parser.display_duration(node.range)}] looks back further than "
                f"{cfg.max_lookback_seconds:.0f}s"
            )
        _selector(node.vector_selector, max(1.0, seconds / cfg.scrape_interval_seconds), walk)
    elif isinstance(node, promql_parser.SubqueryExpr):
        depth += 1
        walk.max_depth = max(walk.max_depth, depth)
        rng = node.range.total_seconds() if node.range else 0.0
        if rng > cfg.max_lookback_seconds:
            walk.problems.append(
                f"subquery range {rng:.0f}s looks back further than {cfg.max_lookback_seconds:.0f}s"
            )
        step = node.step.total_seconds() if node.step else 60.0
        if step > 0 and rng / step > cfg.max_points_per_series:
            walk.problems.append(
                f"subquery gives {rng / step:.0f} points per series; the limit is {cfg.max_points_per_series}"
            )
        before = walk.sample_factor
        _visit(node.expr, depth, walk, cfg)
        walk.sample_factor = before + (walk.sample_factor - before) * max(1.0, rng / step if step else 1.0)
    elif isinstance(node, promql_parser.BinaryExpr):
        _visit(node.lhs, depth, walk, cfg)
        _visit(node.rhs, depth, walk, cfg)
    elif isinstance(node, promql_parser.AggregateExpr):
        _visit(node.expr, depth, walk, cfg)
        if node.param is not None:
            _visit(node.param, depth, walk, cfg)
    elif isinstance(node, promql_parser.UnaryExpr | promql_parser.ParenExpr):
        _visit(node.expr, depth, walk, cfg)
    elif isinstance(node, promql_parser.Call):
        for arg in node.args:
            _visit(arg, depth, walk, cfg)


def _selector(vs: Any, samples: float, walk: _Walk) -> None:
    walk.selectors += 1
    walk.sample_factor += samples
    matchers = list(vs.matchers.matchers) + [m for group in vs.matchers.or_matchers for m in group]
    name = vs.name
    for m in matchers:
        if m.name == "__name__" and str(m.op).endswith("Equal") and not str(m.op).endswith("NotEqual"):
            name = m.value
    if name:
        walk.metrics.add(name)
        return
    selective = [m for m in matchers if not _matches_empty(m.op, m.value)]
    if not selective:
        walk.problems.append(
            f"selector {vs} has no metric name and no label matcher that excludes the empty value; "
            "it would select every series"
        )
        return
    if all(str(m.op).rsplit(".", 1)[-1] in ("Re", "NotRe") for m in selective):
        walk.regex_only += 1


def check_logs(args: Mapping[str, Any], cfg: LogGuard) -> GuardResult:
    def deny(why: str) -> GuardResult:
        return GuardResult("logs", why)

    start_name, start = _first(args, cfg.start_args)
    end_name, end = _first(args, cfg.end_args)
    if cfg.require_time_bound and (start is None or end is None):
        return deny(f"log queries need a time bound: set {cfg.start_args[0]} and {cfg.end_args[0]}")
    if start is not None and end is not None:
        try:
            span = _timestamp(end) - _timestamp(start)
        except ValueError as exc:
            return deny(f"cannot read the log query window: {exc}")
        if span < 0:
            return deny(f"{end_name} is before {start_name}")
        if span > cfg.max_range_seconds:
            return deny(f"log query window is {span:.0f}s; the limit is {cfg.max_range_seconds:.0f}s")
    limit_name, limit = _first(args, cfg.limit_args)
    if limit is None:
        if cfg.require_limit:
            return deny(f"log queries need a line limit: set {cfg.limit_args[0]} (at most {cfg.max_lines})")
        limit = cfg.max_lines
    elif not isinstance(limit, int) or isinstance(limit, bool) or limit < 1 or limit > cfg.max_lines:
        return deny(f"{limit_name}={limit!r}: must be between 1 and {cfg.max_lines}")
    bytes_name, max_bytes = _first(args, cfg.bytes_args)
    if max_bytes is not None and (
        not isinstance(max_bytes, int) or max_bytes < 1 or max_bytes > cfg.max_bytes
    ):
        return deny(f"{bytes_name}={max_bytes!r}: must be between 1 and {cfg.max_bytes}")
    return GuardResult("logs", None, cost=float(limit))

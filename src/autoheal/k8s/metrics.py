"""Recorded Prometheus answers for the case catalogue and the simulator.

:class:`RecordedPrometheus` is a tool named ``prometheus.query_range`` that answers plain vector
selectors (``metric{label="v",other=~"re"}``) from recorded series, in the Prometheus HTTP API's
matrix shape (``{"resultType": "matrix", "result": [{"metric": ..., "values": [[t, "v"], ...]}]}``),
with the same argument model as the real tool (``autoheal.tools.prometheus.QueryRangeArgs``).
:class:`RecordedRules` answers ``prometheus.rules`` with recorded rule groups (``rules.json``, the
``data.groups`` of ``/api/v1/rules``).
Functions (rate, sum, predict_linear) are computed by the investigators from the raw series, so a
recorded case never has to anticipate a query string. In production the tools engineer's
Prometheus tool serves the same name against a real Prometheus.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from pydantic import BaseModel

from autoheal.domain.tools import Access, ToolResult
from autoheal.tools.prometheus import QueryRangeArgs, RulesArgs

_SELECTOR = re.compile(r"^\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(?:\{(.*)\})?\s*$")
_MATCHER = re.compile(r'\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"\s*,?')


def parse_selector(query: str) -> tuple[str, list[tuple[str, str, str]]] | None:
    match = _SELECTOR.match(query)
    if not match:
        return None
    matchers = [(m.group(1), m.group(2), m.group(3)) for m in _MATCHER.finditer(match.group(2) or "")]
    return match.group(1), matchers


def _matches(labels: Mapping[str, str], matchers: Sequence[tuple[str, str, str]]) -> bool:
    for name, op, value in matchers:
        actual = labels.get(name, "")
        if op == "=" and actual != value:
            return False
        if op == "!=" and actual == value:
            return False
        if op == "=~" and not re.fullmatch(value, actual):
            return False
        if op == "!~" and re.fullmatch(value, actual):
            return False
    return True


class RecordedPrometheus:
    name: ClassVar[str] = "prometheus.query_range"
    description: ClassVar[str] = "PromQL range query (recorded series; plain selectors only)."
    access: ClassVar[Access] = Access.READ
    args_model: ClassVar[type[BaseModel]] = QueryRangeArgs

    def __init__(self, series: Sequence[Mapping[str, Any]]) -> None:
        self._series = list(series)

    def invoke(self, args: BaseModel) -> ToolResult:
        assert isinstance(args, QueryRangeArgs)
        parsed = parse_selector(args.query)
        if parsed is None:
            return ToolResult.failure(f"recorded Prometheus answers plain selectors only: {args.query}")
        name, matchers = parsed
        start, end = args.start.timestamp(), args.end.timestamp()
        result = []
        for s in self._series:
            labels = s["metric"]
            if labels.get("__name__") != name or not _matches(labels, matchers):
                continue
            values = [[t, v] for t, v in s["values"] if start <= float(t) <= end]
            if values:
                result.append({"metric": dict(labels), "values": values})
        if not result:
            return ToolResult.empty(f"no series for {args.query}")
        return ToolResult.success({"resultType": "matrix", "result": result})


class RecordedRules:
    name: ClassVar[str] = "prometheus.rules"
    description: ClassVar[str] = "Alerting and recording rule groups with their health (recorded)."
    access: ClassVar[Access] = Access.READ
    args_model: ClassVar[type[BaseModel]] = RulesArgs

    def __init__(self, groups: Sequence[Mapping[str, Any]]) -> None:
        self._groups = list(groups)

    def invoke(self, args: BaseModel) -> ToolResult:
        assert isinstance(args, RulesArgs)
        groups = []
        for g in self._groups:
            rules = [r for r in g.get("rules", []) if args.type is None or r.get("type") == _TYPE[args.type]]
            if rules:
                groups.append({**g, "rules": rules})
        if not groups:
            return ToolResult.empty("no rule groups")
        return ToolResult.success(groups)


_TYPE = {"alert": "alerting", "record": "recording"}

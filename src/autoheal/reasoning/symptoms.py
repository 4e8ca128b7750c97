"""The symptom an alert names: the metrics of its rule's PromQL expression.

A Prometheus alert carries its rule's expression in ``generatorURL`` (``/graph?g0.expr=...``,
read by :func:`autoheal.reasoning.reading.expression_from_url`). The expression is parsed with
``promql-parser`` and walked; every vector selector that contributes to the alert's *value* gives
one :class:`Symptom`:

* the metric name (the selector's name, or its ``__name__="..."`` matcher; a selector matched by a
  regular expression on ``__name__`` names no metric and is skipped);
* the selector's equality matchers (``service="checkout"``), for the statement only;
* the statistic where the expression states one: ``p99`` for ``histogram_quantile(0.99, ...)``,
  ``quantile_over_time(0.99, ...)`` or ``quantile(0.99, ...)`` (a quantile anywhere above the
  selector wins, since it is what the alert compares); otherwise the nearest enclosing
  ``<stat>_over_time`` (``avg``, ``max``...), ``rate`` / ``irate`` (``rate``), ``increase``, or the
  aggregation ``avg`` / ``max`` / ``min`` / ``sum``.

Which side of a binary expression is the symptom follows PromQL's own semantics: a comparison
(``a > b``) and the set operators ``and`` / ``unless`` return the left side's samples, so only the
left side is the symptom (the right is a threshold or a condition); ``or`` and arithmetic
(``errors / requests``) take both sides.

A missing, unparsable or metric-less expression (``vector(1)``) gives no symptom: the
investigation then looks at every metric alike. Nothing here raises on bad input.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import promql_parser

from autoheal.domain.alerts import Alert
from autoheal.reasoning.reading import expression_from_url

MAX_EXPRESSION_LENGTH = 4096  # longer "expressions" in a URL are not a rule's expression

# Prometheus exposition suffixes of one metric family (a histogram's / summary's series, a counter).
FAMILY_SUFFIXES = ("_bucket", "_count", "_sum", "_total", "_created")
_LEFT_ONLY = {"and", "unless", "==", "!=", ">", "<", ">=", "<="}
_QUANTILE_CALLS = {"histogram_quantile", "quantile_over_time"}
_RATE_CALLS = {"rate": "rate", "irate": "rate", "increase": "increase"}
_AGGREGATIONS = {"avg", "max", "min", "sum"}


@dataclass(frozen=True, slots=True)
class Symptom:
    """One metric an alert's expression is about."""

    metric: str
    statistic: str | None = None
    labels: Mapping[str, str] = field(default_factory=dict)

    @property
    def family(self) -> str:
        return family(self.metric)

    def describe(self) -> str:
        where = ",".join(f'{k}="{v}"' for k, v in sorted(self.labels.items()))
        stat = f"{self.statistic} of " if self.statistic else ""
        return f"{stat}{self.metric}{{{where}}}" if where else f"{stat}{self.metric}"


def family(metric: str) -> str:
    """The metric family: the name without one Prometheus exposition suffix (``_bucket``...)."""
    for suffix in FAMILY_SUFFIXES:
        if metric.endswith(suffix) and len(metric) > len(suffix):
            return metric[: -len(suffix)]
    return metric


def symptoms_of(expression: str | None) -> tuple[Symptom, ...]:
    """The symptoms of one PromQL expression (none when it is missing or does not parse)."""
    if not expression or len(expression) > MAX_EXPRESSION_LENGTH:
        return ()
    try:
        tree = promql_parser.parse(expression)
    except (ValueError, RuntimeError, TypeError):
        return ()
    found: list[Symptom] = []
    _visit(tree, None, False, found)
    return _unique(found)


def alert_symptoms(alerts: Iterable[Alert]) -> tuple[Symptom, ...]:
    """The symptoms of every alert's ``generatorURL`` expression, each metric once. Each distinct
    URL is parsed once: a storm group's thousand alerts share one rule's URL, and parsing it per
    alert made every triage of a growing group slower."""
    found: list[Symptom] = []
    for url in dict.fromkeys(alert.generator_url for alert in alerts):
        found += symptoms_of(expression_from_url(url))
    return _unique(found)


def is_symptom(metric: str, symptoms: Iterable[Symptom]) -> bool:
    """Whether ``metric`` belongs to the family of one of ``symptoms``."""
    mine = family(metric)
    return any(s.family == mine for s in symptoms)


def _unique(found: Iterable[Symptom]) -> tuple[Symptom, ...]:
    seen: dict[str, Symptom] = {}
    for s in found:
        seen.setdefault(s.metric, s)
    return tuple(seen.values())


def _visit(node: Any, stat: str | None, locked: bool, out: list[Symptom]) -> None:
    """Depth-first over the tree; ``stat`` is the statistic of the nearest enclosing node that
    states one, ``locked`` once a quantile is above (inner statistics do not override it)."""
    if isinstance(node, promql_parser.VectorSelector):
        _selector(node, stat, out)
    elif isinstance(node, promql_parser.MatrixSelector):
        _selector(node.vector_selector, stat, out)
    elif isinstance(node, promql_parser.BinaryExpr):
        _visit(node.lhs, stat, locked, out)
        if str(node.op) not in _LEFT_ONLY:
            _visit(node.rhs, stat, locked, out)
    elif isinstance(node, promql_parser.AggregateExpr):
        op = str(node.op)
        if op == "quantile" and not locked:
            q = _quantile(node.param)
            stat, locked = (q, True) if q else (stat, locked)
        elif op in _AGGREGATIONS and not locked:
            stat = op
        _visit(node.expr, stat, locked, out)
    elif isinstance(node, promql_parser.Call):
        name = node.func.name
        args = list(node.args)
        if name in _QUANTILE_CALLS and args:
            q = _quantile(args[0])
            if q and not locked:
                stat, locked = q, True
            args = args[1:]
        elif not locked and name.endswith("_over_time"):
            stat = name.removesuffix("_over_time")
        elif not locked and name in _RATE_CALLS:
            stat = _RATE_CALLS[name]
        for arg in args:
            _visit(arg, stat, locked, out)
    elif isinstance(node, promql_parser.SubqueryExpr | promql_parser.UnaryExpr | promql_parser.ParenExpr):
        _visit(node.expr, stat, locked, out)


def _selector(vs: Any, stat: str | None, out: list[Symptom]) -> None:
    name = vs.name
    labels: dict[str, str] = {}
    for m in vs.matchers.matchers:
        if m.op != promql_parser.MatchOp.Equal:
            continue
        if m.name == "__name__":
            name = name or m.value
        else:
            labels[m.name] = m.value
    if name:
        out.append(Symptom(metric=str(name), statistic=stat, labels=labels))


def _quantile(param: Any) -> str | None:
    if isinstance(param, promql_parser.NumberLiteral) and 0.0 <= param.val <= 1.0:
        return f"p{param.val * 100:g}"
    return None

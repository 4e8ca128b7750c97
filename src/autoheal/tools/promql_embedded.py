"""A small PromQL evaluator over the embedded metric store.

It answers the queries Autoheal itself asks, with Prometheus 2.x semantics and Prometheus's result
shapes (``{"resultType": "matrix"|"vector", "result": [...]}``), so callers cannot tell it from a
real Prometheus. Expressions are parsed with ``promql-parser`` (the Rust PromQL parser); anything
outside the subset below raises :class:`UnsupportedQuery`, whose message lists what is supported.

Supported subset
* vector selectors with matchers ``= != =~ !~`` and ``offset`` (5 minute lookback, as Prometheus);
* range functions over a matrix selector: ``rate increase delta irate`` (Prometheus's
  extrapolation and counter-reset handling) and ``avg_over_time min_over_time max_over_time
  sum_over_time count_over_time last_over_time``;
* aggregations ``sum avg min max count`` with ``by (...)`` / ``without (...)``;
* parentheses, and binary operators between an expression and a number literal
  (``+ - * / > < >= <= == !=``; comparisons filter, as without ``bool``).
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import promql_parser as pp

from autoheal.telemetry.stores import MetricStore

LOOKBACK_MS = 300_000

SUPPORTED = (
    "vector selectors with = != =~ !~ matchers and offset; rate, increase, delta, irate, "
    "avg/min/max/sum/count/last_over_time over a range selector; sum, avg, min, max, count "
    "with by/without; parentheses; binary + - * / > < >= <= == != with a number literal"
)

Labels = tuple[tuple[str, str], ...]


class UnsupportedQuery(ValueError):
    """The expression parses but is outside the embedded subset (or does not parse at all)."""


@dataclass(slots=True)
class _Series:
    labels: dict[str, str]
    values: list[float | None]  # one per evaluation step


_MATCH_OPS = {"MatchOp.Equal": "=", "MatchOp.NotEqual": "!=", "MatchOp.Re": "=~", "MatchOp.NotRe": "!~"}


def matchers_of(selector: Any) -> list[tuple[str, str, str]]:
    """A parsed vector selector's matchers as ``(label, op, value)`` with op in ``= != =~ !~``."""
    return [(m.name, _MATCH_OPS[str(m.op)], m.value) for m in selector.matchers.matchers]


def format_value(v: float) -> str:
    """Format a sample value as Prometheus does (Go's FormatFloat(v, 'f', -1, 64))."""
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "+Inf" if v > 0 else "-Inf"
    text = repr(float(v))
    if "e" in text or "E" in text:
        text = format(Decimal(text), "f")
    if text.endswith(".0"):
        text = text[:-2]
    return text


def format_ts(ms: int) -> float | int:
    return ms // 1000 if ms % 1000 == 0 else ms / 1000


def _ms(dt: datetime) -> int:
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return round(dt.timestamp() * 1000)


def _key(labels: dict[str, str]) -> Labels:
    return tuple(sorted(labels.items()))


# ---------------------------------------------------------------- range functions (Prometheus 2.x)


def _extrapolated(
    ts: Sequence[int], vs: Sequence[float], lo: int, hi: int, counter: bool, rate: bool
) -> float | None:
    if len(ts) < 2:
        return None
    result = vs[-1] - vs[0]
    if counter:
        last = 0.0
        for v in vs:
            if v < last:
                result += last
            last = v
    to_start = (ts[0] - lo) / 1000
    to_end = (hi - ts[-1]) / 1000
    sampled = (ts[-1] - ts[0]) / 1000
    avg_step = sampled / (len(ts) - 1)
    if counter and result > 0 and vs[0] >= 0:
        to_zero = sampled * (vs[0] / result)
        to_start = min(to_start, to_zero)
    threshold = avg_step * 1.1
    interval = sampled
    interval += to_start if to_start < threshold else avg_step / 2
    interval += to_end if to_end < threshold else avg_step / 2
    result *= interval / sampled
    if rate:
        result /= (hi - lo) / 1000
    return result


def _irate(ts: Sequence[int], vs: Sequence[float], lo: int, hi: int) -> float | None:
    if len(ts) < 2:
        return None
    diff = vs[-1] - vs[-2]
    if diff < 0:
        diff = vs[-1]
    dt = (ts[-1] - ts[-2]) / 1000
    return diff / dt if dt else None


def _over(fn: Callable[[Sequence[float]], float]) -> Callable[..., float | None]:
    def apply(ts: Sequence[int], vs: Sequence[float], lo: int, hi: int) -> float | None:
        return fn(vs) if vs else None

    return apply


_RANGE_FUNCS: dict[str, Callable[..., float | None]] = {
    "rate": lambda ts, vs, lo, hi: _extrapolated(ts, vs, lo, hi, True, True),
    "increase": lambda ts, vs, lo, hi: _extrapolated(ts, vs, lo, hi, True, False),
    "delta": lambda ts, vs, lo, hi: _extrapolated(ts, vs, lo, hi, False, False),
    "irate": _irate,
    "avg_over_time": _over(lambda vs: math.fsum(vs) / len(vs)),
    "min_over_time": _over(min),
    "max_over_time": _over(max),
    "sum_over_time": _over(math.fsum),
    "count_over_time": _over(lambda vs: float(len(vs))),
    "last_over_time": _over(lambda vs: vs[-1]),
}
_KEEPS_NAME = {"last_over_time"}

_AGGS: dict[str, Callable[[list[float]], float]] = {
    "sum": math.fsum,
    "avg": lambda vs: math.fsum(vs) / len(vs),
    "min": min,
    "max": max,
    "count": lambda vs: float(len(vs)),
}

_ARITH: dict[str, Callable[[float, float], float]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b if b else (math.nan if a == 0 else math.copysign(math.inf, a)),
}
_CMP: dict[str, Callable[[float, float], bool]] = {
    ">": lambda a, b: a > b,
    "<": lambda a, b: a < b,
    ">=": lambda a, b: a >= b,
    "<=": lambda a, b: a <= b,
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
}
_FLIP = {">": "<", "<": ">", ">=": "<=", "<=": ">=", "==": "==", "!=": "!="}


class EmbeddedPromQL:
    """Evaluate the supported PromQL subset against a :class:`MetricStore`."""

    def __init__(self, store: MetricStore) -> None:
        self._store = store

    # ------------------------------------------------------------------ public API
    def instant(self, query: str, at: datetime) -> dict[str, Any]:
        t = _ms(at)
        series = self._eval(self._parse(query), [t])
        result = [
            {"metric": s.labels, "value": [format_ts(t), format_value(s.values[0])]}
            for s in series
            if s.values[0] is not None
        ]
        return {"resultType": "vector", "result": result}

    def range(self, query: str, start: datetime, end: datetime, step_seconds: float) -> dict[str, Any]:
        # Prometheus turns a float step into nanoseconds by truncation, then into whole
        # milliseconds (8.2 s is 8199 ms there): the same steps, the same timestamps
        lo, hi, step = _ms(start), _ms(end), int(step_seconds * 1e9) // 1_000_000
        if step <= 0:
            raise UnsupportedQuery("step must be positive")
        steps = list(range(lo, hi + 1, step))
        result = []
        for s in self._eval(self._parse(query), steps):
            values = [
                [format_ts(t), format_value(v)] for t, v in zip(steps, s.values, strict=True) if v is not None
            ]
            if values:
                result.append({"metric": s.labels, "values": values})
        return {"resultType": "matrix", "result": result}

    # ------------------------------------------------------------------ evaluation
    @staticmethod
    def _parse(query: str) -> Any:
        try:
            return pp.parse(query)
        except Exception as exc:  # the parser raises a plain ValueError/RuntimeError with the position
            raise UnsupportedQuery(f"cannot parse PromQL: {exc}") from None

    def _eval(self, node: Any, steps: list[int]) -> list[_Series]:
        out = self._node(node, steps)
        return sorted(out, key=lambda s: _key(s.labels))

    def _node(self, node: Any, steps: list[int]) -> list[_Series]:
        if isinstance(node, pp.ParenExpr):
            return self._node(node.expr, steps)
        if isinstance(node, pp.VectorSelector):
            return self._vector(node, steps)
        if isinstance(node, pp.Call):
            return self._call(node, steps)
        if isinstance(node, pp.AggregateExpr):
            return self._aggregate(node, steps)
        if isinstance(node, pp.BinaryExpr):
            return self._binary(node, steps)
        raise UnsupportedQuery(
            f"{type(node).__name__} is not supported by the embedded backend; supported: {SUPPORTED}"
        )

    def _select(self, vs: Any, lo: int, hi: int) -> list[tuple[dict[str, str], list[int], list[float]]]:
        if vs.at is not None:
            raise UnsupportedQuery(f"the @ modifier is not supported; supported: {SUPPORTED}")
        matchers = matchers_of(vs)
        if vs.matchers.or_matchers:
            raise UnsupportedQuery(f"'or' matchers are not supported; supported: {SUPPORTED}")
        offset = round(vs.offset.total_seconds() * 1000) if vs.offset else 0
        start = datetime.fromtimestamp((lo - offset) / 1000, UTC)
        end = datetime.fromtimestamp((hi - offset) / 1000, UTC)
        found = []
        for s in self._store.select(vs.name, matchers, start, end):
            ts = [round(t * 1000) + offset for t in s.timestamps]
            found.append(({"__name__": s.name, **s.labels}, ts, list(s.values)))
        return found

    def _vector(self, vs: Any, steps: list[int]) -> list[_Series]:
        out = []
        for labels, ts, vals in self._select(vs, steps[0] - LOOKBACK_MS, steps[-1]):
            values: list[float | None] = []
            for t in steps:
                i = bisect_right(ts, t) - 1
                values.append(vals[i] if i >= 0 and ts[i] >= t - LOOKBACK_MS else None)
            out.append(_Series(labels, values))
        return out

    def _call(self, call: Any, steps: list[int]) -> list[_Series]:
        name = call.func.name
        fn = _RANGE_FUNCS.get(name)
        if fn is None or len(call.args) != 1 or not isinstance(call.args[0], pp.MatrixSelector):
            raise UnsupportedQuery(f"function {name}() is not supported here; supported: {SUPPORTED}")
        ms = call.args[0]
        rng = round(ms.range.total_seconds() * 1000)
        out = []
        for labels, ts, vals in self._select(ms.vector_selector, steps[0] - rng, steps[-1]):
            values: list[float | None] = []
            for t in steps:
                i, j = bisect_left(ts, t - rng), bisect_right(ts, t)
                values.append(fn(ts[i:j], vals[i:j], t - rng, t))
            if name not in _KEEPS_NAME:
                labels = {k: v for k, v in labels.items() if k != "__name__"}
            out.append(_Series(labels, values))
        return out

    def _aggregate(self, agg: Any, steps: list[int]) -> list[_Series]:
        op = str(agg.op)
        fn = _AGGS.get(op)
        if fn is None or agg.param is not None:
            raise UnsupportedQuery(f"aggregation {op} is not supported here; supported: {SUPPORTED}")
        inner = self._node(agg.expr, steps)
        mod = agg.modifier
        groups: dict[Labels, list[_Series]] = {}
        for s in inner:
            if mod is None:
                labels: dict[str, str] = {}
            elif mod.type == pp.AggModifierType.By:
                labels = {k: s.labels[k] for k in mod.labels if k in s.labels}
            else:
                drop = {*mod.labels, "__name__"}
                labels = {k: v for k, v in s.labels.items() if k not in drop}
            groups.setdefault(_key(labels), []).append(s)
        out = []
        for key, members in groups.items():
            values: list[float | None] = []
            for i in range(len(steps)):
                present = [v for m in members if (v := m.values[i]) is not None]
                values.append(fn(present) if present else None)
            out.append(_Series(dict(key), values))
        return out

    def _binary(self, expr: Any, steps: list[int]) -> list[_Series]:
        op = str(expr.op)
        lhs, rhs = expr.lhs, expr.rhs
        while isinstance(lhs, pp.ParenExpr) and isinstance(lhs.expr, pp.NumberLiteral):
            lhs = lhs.expr
        while isinstance(rhs, pp.ParenExpr) and isinstance(rhs.expr, pp.NumberLiteral):
            rhs = rhs.expr
        if expr.modifier is not None and expr.modifier.return_bool:
            raise UnsupportedQuery(f"'bool' comparisons are not supported; supported: {SUPPORTED}")
        if isinstance(rhs, pp.NumberLiteral) and not isinstance(lhs, pp.NumberLiteral):
            vector, scalar, scalar_left = lhs, float(rhs.val), False
        elif isinstance(lhs, pp.NumberLiteral) and not isinstance(rhs, pp.NumberLiteral):
            vector, scalar, scalar_left = rhs, float(lhs.val), True
        else:
            raise UnsupportedQuery(
                f"binary operations need exactly one number literal side; supported: {SUPPORTED}"
            )
        series = self._node(vector, steps)
        out = []
        if op in _ARITH:
            arith = _ARITH[op]
            for s in series:
                labels = {k: v for k, v in s.labels.items() if k != "__name__"}
                values = [
                    None if v is None else (arith(scalar, v) if scalar_left else arith(v, scalar))
                    for v in s.values
                ]
                out.append(_Series(labels, values))
            return out
        if op in _CMP:
            cmp = _CMP[_FLIP[op]] if scalar_left else _CMP[op]
            for s in series:
                out.append(
                    _Series(s.labels, [v if v is not None and cmp(v, scalar) else None for v in s.values])
                )
            return out
        raise UnsupportedQuery(f"operator {op} is not supported; supported: {SUPPORTED}")

"""Prometheus rule files and ``promtool test rules`` unit tests, rendered from plain data, and the
Prometheus alerting semantics the generators use to backtest a rule on an incident's samples.

A rule's condition must hold at consecutive evaluations for ``for`` before it fires (Prometheus:
pending at the first true evaluation, firing once it has been active for ``for``); the first
evaluation where it is false resolves it. Series handed to promtool are resampled onto the
test's evaluation interval, starting at 0.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from autoheal import clock
from autoheal.clock import format_duration
from autoheal.errors import ConfigError

Samples = Sequence[tuple[float, float]]  # (unix seconds, value), oldest first


def duration(seconds: float) -> str:
    """Seconds as a Prometheus duration (``90`` -> ``1m30s``, ``0`` -> ``0s``)."""
    return format_duration(seconds)


def parse_duration(text: str | int | float | None) -> float:
    """A Prometheus duration (``5m``, ``1h30m``) in seconds; ``None`` or empty is 0."""
    if text is None or text == "":
        return 0.0
    if isinstance(text, int | float):
        return float(text)
    try:
        return clock.parse_duration(str(text)).total_seconds()
    except ValueError as exc:
        raise ConfigError(f"{text!r} is not a Prometheus duration (e.g. 30s, 5m, 1h30m)") from exc


def number(value: float) -> str:
    """A threshold as written in a rule: short, and exact enough to round-trip."""
    return f"{value:.6g}"


@dataclass(frozen=True, slots=True)
class AlertingRule:
    name: str
    expr: str
    for_seconds: float
    labels: Mapping[str, str]
    annotations: Mapping[str, str]

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"alert": self.name, "expr": self.expr}
        if self.for_seconds > 0:
            out["for"] = duration(self.for_seconds)
        out["labels"] = dict(self.labels)
        out["annotations"] = dict(self.annotations)
        return out


@dataclass(frozen=True, slots=True)
class RecordingRule:
    record: str
    expr: str
    labels: Mapping[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"record": self.record, "expr": self.expr}
        if self.labels:
            out["labels"] = dict(self.labels)
        return out


def rule_file(group: str, rules: Sequence[AlertingRule | RecordingRule], *, header: str = "") -> str:
    body = yaml.safe_dump(
        {"groups": [{"name": group, "rules": [r.to_dict() for r in rules]}]},
        sort_keys=False,
        width=120,
    )
    comments = "".join(f"# {line}\n" if line else "#\n" for line in header.splitlines())
    return comments + body


# --- promtool unit tests ----------------------------------------------------------------------
@dataclass(slots=True)
class AlertExpectation:
    """At ``eval_time`` (seconds from the test's start) ``alertname`` fires exactly as ``alerts``
    (label sets, annotations); an empty ``alerts`` asserts it does not fire."""

    eval_time: float
    alertname: str
    alerts: list[tuple[Mapping[str, str], Mapping[str, str]]]

    def to_dict(self) -> dict[str, Any]:
        return {
            "eval_time": duration(self.eval_time),
            "alertname": self.alertname,
            "exp_alerts": [
                {"exp_labels": dict(labels), "exp_annotations": dict(annotations)}
                for labels, annotations in self.alerts
            ],
        }


@dataclass(slots=True)
class UnitTest:
    """One ``tests:`` entry: series (selector, values on the interval grid; ``None`` is a missing
    sample) and the expectations."""

    name: str
    interval: float
    series: list[tuple[str, list[float | None]]]
    expectations: list[AlertExpectation]

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "interval": duration(self.interval),
            "input_series": [{"series": s, "values": _values(v)} for s, v in self.series],
            "alert_rule_test": [e.to_dict() for e in self.expectations],
        }


def unit_test_file(
    rule_files: Sequence[str], interval: float, tests: Sequence[UnitTest], *, header: str = ""
) -> str:
    body = yaml.safe_dump(
        {
            "rule_files": list(rule_files),
            "evaluation_interval": duration(interval),
            "tests": [t.to_dict() for t in tests],
        },
        sort_keys=False,
        width=100000,  # the values line stays one line
    )
    comments = "".join(f"# {line}\n" if line else "#\n" for line in header.splitlines())
    return comments + body


def _values(values: Sequence[float | None]) -> str:
    return " ".join("_" if v is None or not math.isfinite(v) else number(v) for v in values)


def selector(metric: str, labels: Mapping[str, str]) -> str:
    inner = ",".join(f'{k}="{_escape(v)}"' for k, v in sorted(labels.items()))
    return f"{metric}{{{inner}}}"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')


def resample(samples: Samples, start: float, end: float, interval: float) -> list[float | None]:
    """The last sample at or before each grid point ``start, start + interval, ... <= end`` (as
    Prometheus' instant lookback would see it, within 5 minutes); ``None`` where there is none."""
    out: list[float | None] = []
    points = sorted(samples)
    i = 0
    last: tuple[float, float] | None = None
    t = start
    while t <= end + 1e-9:
        while i < len(points) and points[i][0] <= t + 1e-9:
            last = points[i]
            i += 1
        out.append(last[1] if last is not None and t - last[0] <= 300.0 else None)
        t += interval
    return out


# --- backtesting ------------------------------------------------------------------------------
def holds(value: float | None, op: str, threshold: float) -> bool:
    if value is None:
        return False
    return value > threshold if op == ">" else value < threshold


def firings(
    values: Sequence[float | None], op: str, threshold: float, for_seconds: float, interval: float
) -> list[int]:
    """Grid indices at which a ``value op threshold`` rule with ``for`` starts firing (one per episode)."""
    need = math.ceil(for_seconds / interval - 1e-9)
    out: list[int] = []
    active = -1
    for i, v in enumerate(values):
        if holds(v, op, threshold):
            if active < 0:
                active = i
            if i - active == need:
                out.append(i)
        else:
            active = -1
    return out


# --- an existing rules repository --------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ExistingRule:
    """An alerting or recording rule found in the configured rules repository."""

    file: str
    group: str
    name: str
    expr: str
    for_seconds: float
    labels: Mapping[str, str]
    annotations: Mapping[str, str]
    recording: bool = False


def load_rules(directory: Path) -> list[ExistingRule]:
    """Every rule of every ``*.yml`` / ``*.yaml`` file under ``directory`` (unit test files, which
    have no ``groups``, are skipped). A file that is not a rule file is a clear error."""
    directory = Path(directory)
    if not directory.is_dir():
        raise ConfigError(f"rules repository {directory} is not a directory (fixes.rules_dir)")
    out: list[ExistingRule] = []
    for path in sorted([*directory.rglob("*.yml"), *directory.rglob("*.yaml")]):
        try:
            doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            raise ConfigError(f"{path} is not valid YAML: {exc}") from exc
        if not isinstance(doc, dict) or "groups" not in doc:
            continue
        rel = str(path.relative_to(directory))
        for group in doc.get("groups") or []:
            for rule in group.get("rules") or []:
                name = rule.get("alert") or rule.get("record")
                if not name or "expr" not in rule:
                    raise ConfigError(
                        f"{path}: a rule in group {group.get('name')!r} has no alert/record or expr"
                    )
                out.append(
                    ExistingRule(
                        rel,
                        str(group.get("name", "")),
                        str(name),
                        str(rule["expr"]),
                        parse_duration(rule.get("for")),
                        {str(k): str(v) for k, v in (rule.get("labels") or {}).items()},
                        {str(k): str(v) for k, v in (rule.get("annotations") or {}).items()},
                        recording="record" in rule,
                    )
                )
    return out

"""Alert rules evaluated over the simulated metrics, as Prometheus would, and their ground truth.

Semantics follow Prometheus: a rule's condition must hold for ``for`` before the alert fires
(``startsAt`` is the firing time); it resolves at the first evaluation where the condition is false.
Each (rule, service) pair is one alert with a stable fingerprint; flapping makes it fire again with
the same fingerprint and a new ``startsAt``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from autoheal.sim.topology import ServiceSpec


def latency_threshold(svc: ServiceSpec) -> float:
    """Per-service p99 threshold (ms), as teams set them: well above the healthy p99."""
    return float(max(250.0, round(svc.latency_p99_ms * 4 / 50) * 50))


@dataclass(frozen=True)
class AlertRule:
    name: str
    metric: str
    op: str  # ">" or "<" or "increase>"
    threshold: Callable[[ServiceSpec], float]
    for_seconds: float
    severity: str
    summary: str  # formatted with service and value
    description: str
    window_seconds: float = 300.0  # for increase>

    def expr(self, svc: ServiceSpec) -> str:
        t = _fmt(self.threshold(svc))
        selector = f'{self.metric}{{service="{svc.name}"}}'
        if self.op == "increase>":
            return f"increase({selector}[{int(self.window_seconds // 60)}m]) > {t}"
        return f"{selector} {self.op} {t}"


def _fmt(value: float) -> str:
    return f"{value:g}"


DEFAULT_RULES: tuple[AlertRule, ...] = (
    AlertRule(
        "HighErrorRate",
        "error_ratio",
        ">",
        lambda s: 0.05,
        60,
        "critical",
        "High 5xx error rate on {service}",
        "Error ratio is {value:.2%}",
    ),
    AlertRule(
        "HighLatencyP99",
        "latency_p99_ms",
        ">",
        latency_threshold,
        120,
        "warning",
        "p99 latency high on {service}",
        "p99 latency is {value:.0f}ms",
    ),
    AlertRule(
        "ServiceDown",
        "up",
        "<",
        lambda s: 1,
        60,
        "critical",
        "{service} is down",
        "{service} has not answered its health check",
    ),
    AlertRule(
        "HighMemoryUsage",
        "memory_usage_ratio",
        ">",
        lambda s: 0.9,
        60,
        "warning",
        "Memory usage high on {service}",
        "Memory usage is {value:.0%}",
    ),
    AlertRule(
        "PodRestarting",
        "restarts_total",
        "increase>",
        lambda s: 0,
        0,
        "warning",
        "{service} is restarting",
        "{value:.0f} restarts in the last 5 minutes",
    ),
    AlertRule(
        "HighCPUUsage",
        "cpu_usage_ratio",
        ">",
        lambda s: 0.9,
        180,
        "warning",
        "CPU usage high on {service}",
        "CPU usage is {value:.0%}",
    ),
    AlertRule(
        "ConnectionPoolSaturated",
        "pool_usage_ratio",
        ">",
        lambda s: 0.9,
        60,
        "warning",
        "Connection pool nearly exhausted on {service}",
        "Pool usage is {value:.0%}",
    ),
    AlertRule(
        "DiskAlmostFull",
        "disk_usage_ratio",
        ">",
        lambda s: 0.9,
        60,
        "warning",
        "Disk almost full on {service}",
        "Disk usage is {value:.0%}",
    ),
    AlertRule(
        "CPUThrottlingHigh",
        "cpu_throttling_ratio",
        ">",
        lambda s: 0.25,
        0,
        "info",
        "Processes experience elevated CPU throttling on {service}",
        "{value:.0%} throttling",
    ),
)


@dataclass
class SimAlert:
    """One firing episode of one alert."""

    rule: AlertRule
    service: str
    labels: dict[str, str]
    annotations: dict[str, str]
    starts_at: datetime
    ends_at: datetime | None  # None: still firing at the end of the scenario
    start_step: int
    end_step: int
    expr: str
    expected: str = "unexplained"  # signal | noise | unexplained
    cause: int | None = None  # index of the fault it belongs to
    why: str = ""
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.rule.name


def episodes(
    rule: AlertRule, values: np.ndarray, threshold: float, step: float
) -> list[tuple[int, int, float]]:
    """(first firing step, resolving step or len, value at firing) for each firing episode."""
    n = len(values)
    if rule.op == "increase>":
        w = max(1, int(rule.window_seconds // step))
        lagged = np.concatenate([np.full(min(w, n), values[0] if n else 0.0), values[: max(n - w, 0)]])
        signal = values - lagged
        cond = signal > threshold
    else:
        signal = values
        cond = values > threshold if rule.op == ">" else values < threshold
    need = max(1, math.ceil(rule.for_seconds / step) + 1)
    out: list[tuple[int, int, float]] = []
    i = 0
    while i < n:  # one pass over the steps
        if not cond[i]:
            i += 1
            continue
        j = i
        while j < n and cond[j]:
            j += 1
        if j - i >= need:
            fire = i + need - 1
            out.append((fire, j, float(signal[fire])))
        i = j
    return out

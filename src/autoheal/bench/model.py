"""What a benchmark case is: a window of real telemetry, a ground-truth root cause, and a split."""

from __future__ import annotations

from dataclasses import dataclass, field

from autoheal.telemetry.model import LogRecord, Series, Span

Interval = tuple[float, float]  # epoch seconds, [start, end)


@dataclass(frozen=True, slots=True)
class BenchCase:
    dataset: str
    id: str
    root_cause: str  # the ground-truth service / node
    kind: str  # fault type (nezha, rcd-sockshop) or target metric (petshop)
    group: str  # key of the Bundle holding this case's telemetry
    incident: Interval
    reference: Interval  # fault-free metrics
    log_reference: Interval | None = None  # fault-free logs and traces, when they differ
    more_log_references: tuple[Interval, ...] = ()  # further fault-free log / trace windows
    target: str | None = None  # the service the alert fired on, when the data set says
    split: str | None = None  # petshop: scenario
    alert_at: float | None = None  # when the data set's alert fired (default: the incident start)
    symptom: str | None = None  # the alerted metric as stored (petshop: target.json metric and agg)
    inner: str | None = None  # nezha: the inner-service root cause label (bench/inner.py)


@dataclass(slots=True)
class Bundle:
    """All telemetry of one group (a Nezha day, one sock-shop run, one PetShop issue)."""

    series: list[Series] = field(default_factory=list)
    logs: list[LogRecord] = field(default_factory=list)
    spans: list[Span] = field(default_factory=list)
    edges: list[tuple[str, str]] = field(default_factory=list)  # declared caller -> callee

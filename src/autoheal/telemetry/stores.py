"""Contracts of the embedded telemetry stores (write side for simulators and loaders, read side for tools).

Implementations: ``autoheal.telemetry.embedded`` (SQLite, one file or ``:memory:``).
Readers outside ``autoheal.tools`` must not use these directly: the investigation reaches
telemetry only through governed tools.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Protocol

from autoheal.telemetry.model import ChangeEvent, LogRecord, Series, Span


class MetricStore(Protocol):
    def write_samples(
        self, name: str, labels: Mapping[str, str], samples: Iterable[tuple[float, float]]
    ) -> None:
        """Append (epoch_seconds, value) samples to the series ``name{labels}``."""
        ...

    def select(
        self,
        name: str | None,
        matchers: Sequence[tuple[str, str, str]],
        start: datetime,
        end: datetime,
    ) -> list[Series]:
        """Series whose name equals ``name`` (any name when None) and whose labels satisfy every
        matcher ``(label, op, value)`` with op in ``= != =~ !~``, restricted to [start, end]."""
        ...

    def series_names(self) -> list[str]: ...

    def label_values(self, label: str) -> list[str]: ...


class LogStore(Protocol):
    def write_logs(self, records: Iterable[LogRecord]) -> None: ...

    def query(
        self,
        *,
        start: datetime,
        end: datetime,
        service: str | None = None,
        level: str | None = None,
        contains: str | None = None,
        limit: int = 1000,
    ) -> list[LogRecord]: ...


class TraceStore(Protocol):
    def write_spans(self, spans: Iterable[Span]) -> None: ...

    def spans(
        self, *, start: datetime, end: datetime, service: str | None = None, limit: int = 100_000
    ) -> list[Span]: ...


class ChangeStore(Protocol):
    def record_change(self, change: ChangeEvent) -> None: ...

    def changes(self, *, start: datetime, end: datetime, service: str | None = None) -> list[ChangeEvent]: ...

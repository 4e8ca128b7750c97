"""Plain telemetry record types shared by the simulator, the benchmark loaders and the tools."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


@dataclass(frozen=True, slots=True)
class Series:
    """One metric series over a window: parallel arrays of epoch seconds and values."""

    name: str
    labels: Mapping[str, str]
    timestamps: tuple[float, ...]
    values: tuple[float, ...]

    @property
    def service(self) -> str | None:
        return self.labels.get("service")


@dataclass(frozen=True, slots=True)
class LogRecord:
    at: datetime
    service: str
    level: str
    line: str
    labels: Mapping[str, str] = field(default_factory=dict)
    trace_id: str | None = None


@dataclass(frozen=True, slots=True)
class Span:
    trace_id: str
    span_id: str
    parent_id: str | None
    service: str
    operation: str
    start: datetime
    duration_ms: float
    error: bool = False
    attributes: Mapping[str, Any] = field(default_factory=dict)


class ChangeKind(StrEnum):
    DEPLOY = "deploy"
    CONFIG = "config"
    FEATURE_FLAG = "feature_flag"
    INFRA = "infra"
    ROLLBACK = "rollback"


@dataclass(frozen=True, slots=True)
class ChangeEvent:
    """A deploy, config change or feature-flag flip on a service."""

    id: str
    at: datetime
    service: str
    kind: ChangeKind
    summary: str
    version: str | None = None
    previous_version: str | None = None
    author: str | None = None
    source: str = "api"
    attributes: Mapping[str, Any] = field(default_factory=dict)

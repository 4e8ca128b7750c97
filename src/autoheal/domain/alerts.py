"""Alerts as Autoheal sees them, whatever system sent them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType
from typing import Any


class AlertStatus(StrEnum):
    FIRING = "firing"
    RESOLVED = "resolved"


class Severity(StrEnum):
    """Normalised severity; ``rank`` orders them (higher is more urgent)."""

    CRITICAL = "critical"
    HIGH = "high"
    WARNING = "warning"
    INFO = "info"
    NONE = "none"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {
    Severity.NONE: 0,
    Severity.INFO: 1,
    Severity.WARNING: 2,
    Severity.HIGH: 3,
    Severity.CRITICAL: 4,
}


def _frozen(mapping: Mapping[str, str] | None) -> Mapping[str, str]:
    return MappingProxyType(dict(mapping or {}))


@dataclass(frozen=True, slots=True)
class Alert:
    """One alert instance, normalised from a source payload by a pure function.

    ``fingerprint`` identifies the alert across re-deliveries and status changes (Alertmanager's
    own fingerprint where the source has one, else a stable hash of the identifying labels).
    ``ends_at`` is None while firing with no known end.
    """

    source: str
    fingerprint: str
    status: AlertStatus
    name: str
    starts_at: datetime
    labels: Mapping[str, str] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)
    service: str | None = None
    severity: Severity = Severity.WARNING
    ends_at: datetime | None = None
    generator_url: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "labels", _frozen(self.labels))
        object.__setattr__(self, "annotations", _frozen(self.annotations))
        if self.starts_at.tzinfo is None:
            raise ValueError("Alert.starts_at must be timezone-aware")
        if self.ends_at is not None and self.ends_at.tzinfo is None:
            raise ValueError("Alert.ends_at must be timezone-aware")

    @property
    def summary(self) -> str:
        for key in ("summary", "title", "message", "description"):
            if self.annotations.get(key):
                return self.annotations[key]
        return self.name

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "fingerprint": self.fingerprint,
            "status": self.status.value,
            "name": self.name,
            "labels": dict(self.labels),
            "annotations": dict(self.annotations),
            "service": self.service,
            "severity": self.severity.value,
            "starts_at": self.starts_at.isoformat(),
            "ends_at": self.ends_at.isoformat() if self.ends_at else None,
            "generator_url": self.generator_url,
        }


@dataclass(frozen=True, slots=True)
class AlertGroup:
    """Alerts that share the values of the configured ``group_by`` labels (Alertmanager semantics)."""

    key: str
    labels: Mapping[str, str]
    fingerprints: tuple[str, ...] = ()
    status: AlertStatus = AlertStatus.FIRING
    service: str | None = None
    severity: Severity = Severity.WARNING

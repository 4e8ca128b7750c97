"""Triage settings (``triage:`` in the config file). Every threshold is documented in
docs/investigation.md; defaults lean towards calling things signal (a missed incident is the
worst error triage can make)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator


class MaintenanceWindow(BaseModel):
    """A declared maintenance: alerts matching it inside [start, end] are noise."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    start: datetime
    end: datetime
    services: list[str] = Field(default_factory=list)  # empty: any service
    matchers: dict[str, str] = Field(default_factory=dict)  # label -> full-match regex

    @field_validator("start", "end")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("maintenance window times need a timezone (e.g. 2026-01-01T02:00:00Z)")
        return value

    def covers(self, when: datetime, service: str | None, labels: Mapping[str, str]) -> bool:
        if not (self.start <= when <= self.end):
            return False
        if self.services and service not in self.services:
            return False
        return all(re.fullmatch(rx, labels.get(k, "")) for k, rx in self.matchers.items())

    def describe(self) -> str:
        """The reason a triage verdict gives when this window covers an alert."""
        return f"inside maintenance window {self.name!r} until {self.end.isoformat()}"


class SilenceWindow(MaintenanceWindow):
    """An Autoheal silence (stored in the database, ``autoheal silences``): the same matching as a
    maintenance window, named as a silence in verdicts."""

    def describe(self) -> str:
        return f"silenced by Autoheal {self.name} until {self.end.isoformat()}"


class TriageConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    transient_seconds: float = 300.0  # resolved within this on its own: a transient
    flapping_window_seconds: float = 3600.0
    flapping_transitions: int = 4  # at least this many changes in the window: flapping
    history_days: float = 30.0
    never_actionable_min: int = 3  # past verdicts with known outcomes needed to call it "never actionable"
    duplicate_window_seconds: float = 1800.0
    blast_radius_depth: int = 3  # an open signal on a dependency this close makes it a duplicate
    changes_lookback_seconds: float = 3600.0
    trend_lookback_seconds: float = 900.0
    trend_rise_ratio: float = 0.10  # a move of 10% in the alerting direction is "worsening"
    restart_metrics: list[str] = Field(
        default_factory=lambda: ["restarts_total", "kube_pod_container_status_restarts_total"]
    )  # counters per service; a restart in the last hour vetoes noise
    critical_blocks_noise: bool = True  # a critical alert still firing is never noise (unless silenced)
    maintenance: list[MaintenanceWindow] = Field(default_factory=list)

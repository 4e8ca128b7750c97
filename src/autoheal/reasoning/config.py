"""Settings of the deep investigation (``investigation:`` in the config file), documented in
docs/investigation.md. Parameters are chosen once and are the same for every data set."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class SymptomMetric(BaseModel):
    """A metric whose shift marks a service as symptomatic (``up``: higher is worse)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    direction: Literal["up", "down", "both"] = "up"


class ResourceLimit(BaseModel):
    """A saturation metric (a ratio of a limit) and the level at which it counts as saturated."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    limit: float = 0.9


class EngineConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    incident_before_onset_seconds: float = 600.0  # causes start before the alert fires
    incident_after_onset_seconds: float = 1800.0
    reference_seconds: float = 3600.0  # the fault-free window ...
    reference_gap_seconds: float = 600.0  # ... ends this long before the incident window starts
    max_services: int = 60
    topology_depth: int = 4
    change_lookback_seconds: float = 7200.0
    max_change_hypotheses: int = 10
    anomaly_z: float = 3.0  # robust z (median / IQR) at which a metric counts as shifted
    onset_tolerance_seconds: float = 120.0  # clock skew and scrape granularity
    supported_min_passed: int = 2  # checks that must pass (with none failing) for "supported"
    global_shift_fraction: float = 0.6  # unrelated services shifted at least this much: global
    symptom_metrics: list[SymptomMetric] = Field(
        default_factory=lambda: [
            SymptomMetric(name="error_ratio"),
            SymptomMetric(name="latency_p99_ms"),
            SymptomMetric(name="up", direction="down"),
        ]
    )
    resources: list[ResourceLimit] = Field(
        default_factory=lambda: [
            ResourceLimit(name="cpu_usage_ratio"),
            ResourceLimit(name="memory_usage_ratio"),
            ResourceLimit(name="pool_usage_ratio"),
            ResourceLimit(name="disk_usage_ratio"),
        ]
    )

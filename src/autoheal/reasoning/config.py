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
    # The smallest change, in the metric's own units, that counts as a shift whatever its robust
    # z: a metric that barely moves in the reference (an error ratio of 0.2 %) gives a huge z to a
    # change no one would page for (0.2 % -> 0.4 %). 0 keeps the robust z alone.
    min_change: float = 0.0


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
    # A dependency whose inbound traffic (``traffic_metric``) fell to at most this fraction of its
    # reference level while one of its direct callers degraded at the same time counts as
    # anomalous: its callers cannot reach it (an expired certificate, a firewall) though its own
    # errors and latency, measured on the requests that do arrive, stay flat.
    traffic_metric: str = "request_rate"
    traffic_collapse_fraction: float = 0.2
    # report each cause's confidence through the committed calibration map (reasoning/calibration.py;
    # the raw confidence stays in ``raw_confidence``); false: the engine's own confidence
    calibrated_confidence: bool = True
    # Telling look-alike causes apart (docs/investigation.md, "Causes that look alike"):
    # a CPU saturated by the service's own process is throttled at its limit (a runaway process) ...
    throttling_metric: str = "cpu_throttling_ratio"
    throttling_limit: float = 0.25
    # ... while a CPU taken by a noisy neighbour shows as time spent waiting for a CPU (steal or
    # CPU pressure) with the service's own usage below its limit, and the node busy
    steal_metric: str = "cpu_steal_ratio"
    steal_limit: float = 0.2
    node_cpu_metric: str = "node_cpu_usage_ratio"
    # a saturation during which the service's traffic rose this many times its reference median,
    # the resource tracking the traffic (Pearson correlation at least this) is a load surge
    surge_factor: float = 1.5
    surge_correlation: float = 0.8
    # at least this many name-resolution errors in a service's incident logs (none in the
    # reference) name a DNS failure
    dns_min_lines: int = 3
    symptom_metrics: list[SymptomMetric] = Field(
        default_factory=lambda: [
            # one request in a hundred more failing: the smallest error-ratio rise an SRE would
            # call a degradation rather than background jitter
            SymptomMetric(name="error_ratio", min_change=0.01),
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

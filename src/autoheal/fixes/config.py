"""Settings of the preventive fixes (``fixes:`` in the config file)."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from autoheal.fixes.github import GitHubConfig


class FixesConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: bool = Field(True, description="generate fixes at all")
    on_resolution: bool = Field(True, description="generate a resolved incident's fixes when it is resolved")
    rules_dir: Path | None = Field(
        None, description="the rules repository (Prometheus rule files) patches are made against"
    )
    runbook_url: str = Field(
        "https://runbooks.example.com/{service}/{alert}",
        description="runbook_url annotation of generated rules ({service}, {alert} are filled in)",
    )
    evaluation_interval_seconds: float = Field(
        30, gt=0, description="rule evaluation interval of the unit tests"
    )
    leading_for_seconds: float = Field(
        30, ge=0, description="for: of a leading-indicator rule (at least one evaluation interval is advised)"
    )
    reference_seconds: float = Field(3600, gt=0, description="fault-free window before the first alert")
    slo_objectives: list[float] = Field(
        default_factory=lambda: [0.9999, 0.999, 0.995, 0.99, 0.98, 0.95],
        description="availability objectives tried, tightest first; the tightest the healthy service meets is proposed",
    )
    slo_period_days: int = Field(30, gt=0, description="SLO period the burn rates refer to")
    tuning_for_ladder_seconds: list[float] = Field(
        default_factory=lambda: [120.0, 300.0, 600.0, 900.0, 1800.0],
        description="for: values tried for a noisy alert, shortest first",
    )
    tuning_min_silenced: float = Field(
        0.5, gt=0, le=1, description="share of past noise firings a tuning must silence to be proposed"
    )
    github: GitHubConfig = Field(
        default_factory=GitHubConfig, description="pull requests through the GitHub REST API (fixes.github)"
    )
    reject_kind_after: int = Field(
        2,
        ge=1,
        description="rejections of one kind of fix for a service (none accepted) after which that kind is not proposed for it",
    )
    promtool: Path | None = Field(None, description="promtool binary (default: PATH or /usr/bin/promtool)")

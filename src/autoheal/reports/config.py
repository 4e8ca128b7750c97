"""Settings of the reports (``reports:`` in the config file)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class ReportsConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    teams: dict[str, list[str]] = Field(
        default_factory=dict,
        description="team name -> the services it owns (a report for --team covers them, and every "
        "alert labelled team=<name>)",
    )

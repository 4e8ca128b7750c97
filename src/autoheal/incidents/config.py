"""The ``incidents:`` section of the config file (docs/incidents.md): when an incident opens, the
Slack app, paging, and the built-in on-call. Secrets are ``SecretStr`` and never logged."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from autoheal.domain.alerts import Severity


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AlertCountRule(_Model):
    count: int = Field(ge=2, description="this many alerts of one group ...")
    window_seconds: float = Field(gt=0, description="... first seen within this window open an incident")


class OpeningRules(_Model):
    signal_min_severity: Severity | None = Field(
        Severity.HIGH,
        description="a triage verdict of signal on a group at or above this alert severity opens an "
        "incident (null: never by verdict)",
    )
    alerts_in_window: AlertCountRule | None = Field(
        None, description="N alerts of one group within a window open an incident (unless triage said noise)"
    )
    unassessed: bool = Field(
        True, description="a group triage could not assess opens an incident (errs on the side of paging)"
    )


class SlackConfig(_Model):
    enabled: bool = False
    bot_token: SecretStr | None = Field(None, description="xoxb-... (AUTOHEAL_SLACK_BOT_TOKEN)")
    signing_secret: SecretStr | None = Field(
        None, description="the app's signing secret (AUTOHEAL_SLACK_SIGNING_SECRET)"
    )
    api_url: str = Field("https://slack.com/api/", description="Slack Web API base URL (a fake in tests)")
    channel_prefix: str = Field("inc", pattern=r"^[a-z0-9][a-z0-9_-]{0,20}$")
    invite: list[str] = Field(default_factory=list, description="Slack user ids invited to every channel")
    owners: dict[str, list[str]] = Field(
        default_factory=dict, description="service -> Slack user ids of its owners (invited)"
    )
    users: dict[str, Literal["viewer", "responder", "admin"]] = Field(
        default_factory=dict,
        description="Slack user id -> role; anyone else is a viewer (may read, may not act)",
    )

    @model_validator(mode="after")
    def _credentials(self) -> SlackConfig:
        if self.enabled and (self.bot_token is None or self.signing_secret is None):
            raise ValueError("slack.enabled needs bot_token and signing_secret")
        return self


class PagerDutyConfig(_Model):
    routing_key: SecretStr = Field(
        description="Events API v2 integration key (AUTOHEAL_PAGERDUTY_ROUTING_KEY)"
    )
    url: str = "https://events.pagerduty.com/v2/enqueue"


class OpsgenieConfig(_Model):
    api_key: SecretStr = Field(description="GenieKey (AUTOHEAL_OPSGENIE_API_KEY)")
    url: str = Field("https://api.opsgenie.com", description="https://api.eu.opsgenie.com for the EU")


class RetryConfig(_Model):
    base_seconds: float = Field(30, gt=0, description="first retry after this; doubled each attempt")
    max_seconds: float = Field(900, gt=0)


class Rotation(_Model):
    type: Literal["daily", "weekly", "custom"] = "weekly"
    handoff: time = Field(time(9, 0), description="local time of the handoff (HH:MM)")
    length_hours: float | None = Field(None, gt=0, description="custom rotations: each shift's length")


class Override(_Model):
    person: str
    start: datetime
    end: datetime

    @model_validator(mode="after")
    def _order(self) -> Override:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("override start and end need a time zone (e.g. 2026-03-01T09:00:00+01:00)")
        if self.end <= self.start:
            raise ValueError("override end must be after its start")
        return self


class Schedule(_Model):
    name: str
    time_zone: str = "UTC"
    start: date = Field(description="the first shift begins at the handoff time on this date")
    people: list[str] = Field(min_length=1, description="the rotation order")
    rotation: Rotation = Field(default_factory=Rotation)
    overrides: list[Override] = Field(default_factory=list)

    @field_validator("time_zone")
    @classmethod
    def _zone(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {v!r} (an IANA name such as Europe/London)") from None
        return v

    @model_validator(mode="after")
    def _custom_length(self) -> Schedule:
        if self.rotation.type == "custom" and self.rotation.length_hours is None:
            raise ValueError(f"schedule {self.name}: a custom rotation needs length_hours")
        return self


class EscalationLevel(_Model):
    targets: list[str] = Field(
        min_length=1, description="'schedule:NAME' (whoever is on call) or 'person:NAME'"
    )
    delay_minutes: float = Field(
        15, gt=0, description="unacknowledged this long after this level was paged: page the next level"
    )


class EscalationPolicy(_Model):
    name: str
    levels: list[EscalationLevel] = Field(min_length=1)
    repeat: int = Field(0, ge=0, le=10, description="times to start again from the first level")


class Person(_Model):
    slack: str | None = Field(None, description="Slack user id, for a direct message")
    webhook: str | None = Field(None, description="URL that receives a JSON notification")


class OnCallConfig(_Model):
    schedules: list[Schedule] = Field(default_factory=list)
    policies: list[EscalationPolicy] = Field(default_factory=list)
    services: dict[str, str] = Field(
        default_factory=dict, description="service -> escalation policy name ('*': every other service)"
    )
    people: dict[str, Person] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _references(self) -> OnCallConfig:
        schedules = {s.name for s in self.schedules}
        policies = {p.name for p in self.policies}
        for service, policy in self.services.items():
            if policy not in policies:
                raise ValueError(f"oncall.services.{service}: no escalation policy named {policy!r}")
        for p in self.policies:
            for level in p.levels:
                for target in level.targets:
                    kind, _, name = target.partition(":")
                    if kind == "schedule" and name not in schedules:
                        raise ValueError(f"policy {p.name}: no schedule named {name!r}")
                    if kind not in ("schedule", "person") or not name:
                        raise ValueError(
                            f"policy {p.name}: target {target!r} is not schedule:NAME or person:NAME"
                        )
        return self


class PagingConfig(_Model):
    provider: Literal["none", "pagerduty", "opsgenie", "builtin"] = "none"
    pagerduty: PagerDutyConfig | None = None
    opsgenie: OpsgenieConfig | None = None
    retry: RetryConfig = Field(default_factory=RetryConfig)
    min_severity: Literal["SEV1", "SEV2", "SEV3", "SEV4"] = Field(
        "SEV3", description="incidents at or above this severity page"
    )
    claim_seconds: float = Field(
        60,
        gt=0,
        le=3600,
        description="a page being delivered is claimed this long: one whose sender died (killed "
        "mid-delivery) is sent again, with the same dedup key, once the claim lapses",
    )

    @model_validator(mode="after")
    def _provider_config(self) -> PagingConfig:
        if self.provider == "pagerduty" and self.pagerduty is None:
            raise ValueError("paging.provider pagerduty needs paging.pagerduty.routing_key")
        if self.provider == "opsgenie" and self.opsgenie is None:
            raise ValueError("paging.provider opsgenie needs paging.opsgenie.api_key")
        return self


class IncidentsConfig(_Model):
    enabled: bool = Field(True, description="open incidents by the rules below (by hand always works)")
    open: OpeningRules = Field(default_factory=OpeningRules)
    public_url: str | None = Field(None, description="Autoheal's URL, for report links in pages and Slack")
    slack: SlackConfig = Field(default_factory=SlackConfig)
    paging: PagingConfig = Field(default_factory=PagingConfig)
    oncall: OnCallConfig = Field(default_factory=OnCallConfig)

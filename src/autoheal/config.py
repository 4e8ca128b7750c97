"""Configuration: one YAML file plus environment variables, parsed once at the edge.

Secrets are ``SecretStr`` everywhere: they never appear in ``repr``, logs or error messages.
Environment variables override the file (see ``ENVIRONMENT``); the environment is passed in
explicitly so that tests never depend on the process environment.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, model_validator

from autoheal.errors import ConfigError
from autoheal.fixes.config import FixesConfig
from autoheal.incidents.config import IncidentsConfig
from autoheal.reasoning.config import EngineConfig
from autoheal.reasoning.models.config import ModelSettings
from autoheal.reasoning.triage.config import TriageConfig
from autoheal.reports.config import ReportsConfig
from autoheal.sources.rules import LabelRules
from autoheal.tools.registry import ToolsConfig


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SourceAuth(_Model):
    """How a sender proves who it is. ``none`` must be chosen explicitly: webhooks are closed by default."""

    type: Literal["bearer", "hmac", "none"]
    token: SecretStr | None = None
    secret: SecretStr | None = None
    header: str = "X-Autoheal-Signature"

    @model_validator(mode="after")
    def _needs_credential(self) -> SourceAuth:
        if self.type == "bearer" and not self.token:
            raise ValueError("bearer auth needs 'token'")
        if self.type == "hmac" and not self.secret:
            raise ValueError("hmac auth needs 'secret'")
        return self


class SourceConfig(_Model):
    enabled: bool = True
    auth: SourceAuth | None = None


class SourcesConfig(_Model):
    rules: LabelRules = Field(default_factory=LabelRules)
    receivers: dict[str, SourceConfig] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _split(cls, data: Any) -> Any:
        # In the file, sources are keys beside `rules`: {rules: {...}, alertmanager: {auth: ...}}
        if isinstance(data, Mapping) and "receivers" not in data:
            data = dict(data)
            rules = data.pop("rules", None)
            out: dict[str, Any] = {"receivers": data}
            if rules is not None:
                out["rules"] = rules
            return out
        return data


class PipelineConfig(_Model):
    mode: Literal["live", "shadow"] = Field(
        "live",
        description="shadow: everything runs (triage, investigations, incidents) but nothing is paged "
        "or posted to Slack; what would have been is recorded (docs/shadow.md)",
    )
    group_by: list[str] = Field(default_factory=lambda: ["alertname", "service"])
    flap_window_seconds: float = Field(600, gt=0)
    flap_threshold: int = Field(4, ge=2, description="transitions within the window that mark flapping")
    stale_after_seconds: float = Field(
        3600, gt=0, description="a firing alert not re-sent for this long is expired"
    )
    reinvestigate_after_seconds: float = Field(
        1800,
        ge=0,
        description="a group's investigation answers its re-fires for this long, unless new alerts "
        "joined the group (0: every signal verdict starts a new investigation)",
    )
    hold_seconds: float = Field(
        120,
        ge=0,
        le=86400,
        description="a group triage calls a signal is investigated once its alerts have been firing "
        "this long (from their startsAt): an episode that resolves within it (a transient spike, one "
        "flap) is never investigated; a page that waits for the root cause waits from the hold's "
        "end (0: investigate at once)",
    )
    investigate: bool = Field(
        True,
        description="false: triage only; signal verdicts are stored but no deep investigation runs "
        "(`autoheal backtest --triage-only` sets it)",
    )
    triage_repeat_share: float = Field(
        0.25,
        gt=0,
        le=1,
        description="in-process jobs (queue: memory): a group re-triaged within 30 s of its last "
        "triage (an alert storm asks for it with every payload) waits so that such repeats take at "
        "most this share of a job worker's time; a group's first triage never waits (1: no limit)",
    )
    max_body_bytes: int = Field(1_048_576, gt=0)
    workers: int = Field(1, ge=0, le=32, description="job worker threads in this process")
    queue: Literal["memory", "database"] = Field(
        "memory",
        description="where follow-up jobs wait: memory (lost on a crash) or database (durable, shared "
        "by every serve and worker process on the database)",
    )
    job_lease_seconds: float = Field(
        900,
        gt=0,
        le=86400,
        description="SQLite jobs table (queue: database): a claimed job whose worker stopped (killed, "
        "crashed) is claimed again after this; keep it longer than the longest investigation",
    )
    stalled_worker_seconds: float = Field(
        60,
        ge=2,
        le=3600,
        description="PostgreSQL (queue: database, procrastinate): a worker without a heartbeat for this "
        "long is dead and its running jobs are put back for another worker",
    )

    @model_validator(mode="after")
    def _someone_runs_the_jobs(self) -> PipelineConfig:
        if self.queue == "memory" and self.workers == 0:
            raise ValueError(
                "pipeline.workers: 0 leaves in-memory jobs unrun; use pipeline.queue: database "
                "and run `autoheal worker` processes"
            )
        return self


class DatabaseConfig(_Model):
    url: str = "sqlite:///autoheal.db"


class ServerConfig(_Model):
    host: str = "127.0.0.1"
    port: int = Field(8080, ge=1, le=65535)
    public_metrics: bool = False


class AuthConfig(_Model):
    admin_token: SecretStr | None = Field(
        None, description="bootstrap admin token (prefer AUTOHEAL_ADMIN_TOKEN in the environment)"
    )


class TelemetryConfig(_Model):
    """The embedded telemetry store (metrics, logs, traces, changes) behind the embedded tools."""

    path: str | None = Field(
        None,
        description='SQLite file, or ":memory:"; default: beside a SQLite database ("<db>-telemetry.db"), '
        "else in memory",
    )

    def resolve(self, database_url: str) -> str:
        if self.path:
            return self.path
        from sqlalchemy.engine import make_url

        from autoheal.store.db import normalise_url

        url = make_url(normalise_url(database_url))
        if url.drivername.startswith("sqlite") and url.database and url.database != ":memory:":
            return str(url.database).removesuffix(".db") + "-telemetry.db"
        return ":memory:"


class AuditConfig(_Model):
    durability: Literal["sync", "async"] = Field(
        "sync",
        description="sync: every record committed before the call returns; async: a background writer "
        "commits in chain order (a kill -9 can lose the last milliseconds); see docs/governance.md",
    )


class Settings(_Model):
    database: DatabaseConfig = Field(default_factory=DatabaseConfig)
    server: ServerConfig = Field(default_factory=ServerConfig)
    auth: AuthConfig = Field(default_factory=AuthConfig)
    sources: SourcesConfig = Field(default_factory=SourcesConfig)
    pipeline: PipelineConfig = Field(default_factory=PipelineConfig)
    telemetry: TelemetryConfig = Field(default_factory=TelemetryConfig)
    tools: ToolsConfig = Field(default_factory=ToolsConfig, description="see docs/tools.md")
    audit: AuditConfig = Field(default_factory=AuditConfig)
    policy_file: Path | None = Field(
        None, description="see docs/governance.md; default: built-in read-only policy"
    )
    triage: TriageConfig = Field(default_factory=TriageConfig, description="see docs/investigation.md")
    investigation: EngineConfig = Field(default_factory=EngineConfig, description="see docs/investigation.md")
    model: ModelSettings = Field(default_factory=ModelSettings, description="see docs/investigation.md")
    fixes: FixesConfig = Field(default_factory=FixesConfig, description="see docs/fixes.md")
    reports: ReportsConfig = Field(default_factory=ReportsConfig, description="see docs/fixes.md")
    incidents: IncidentsConfig = Field(default_factory=IncidentsConfig, description="see docs/incidents.md")
    log_level: str = "INFO"


# Environment variable -> dotted setting. AUTOHEAL_SOURCE_<NAME>_TOKEN / _HMAC_SECRET set a
# source's bearer token or HMAC secret.
ENVIRONMENT: dict[str, str] = {
    "AUTOHEAL_DATABASE_URL": "database.url",
    "AUTOHEAL_HOST": "server.host",
    "AUTOHEAL_PORT": "server.port",
    "AUTOHEAL_ADMIN_TOKEN": "auth.admin_token",
    "AUTOHEAL_POLICY_FILE": "policy_file",
    "AUTOHEAL_LOG_LEVEL": "log_level",
    "AUTOHEAL_MODEL_PROVIDER": "model.provider",
    "AUTOHEAL_MODEL": "model.model",
    "AUTOHEAL_MODEL_BASE_URL": "model.base_url",
    "AUTOHEAL_MODEL_API_KEY": "model.api_key",
    "AUTOHEAL_SLACK_BOT_TOKEN": "incidents.slack.bot_token",
    "AUTOHEAL_SLACK_SIGNING_SECRET": "incidents.slack.signing_secret",
    "AUTOHEAL_PAGERDUTY_ROUTING_KEY": "incidents.paging.pagerduty.routing_key",
    "AUTOHEAL_OPSGENIE_API_KEY": "incidents.paging.opsgenie.api_key",
}


def _set(tree: dict[str, Any], dotted: str, value: Any) -> None:
    *parents, leaf = dotted.split(".")
    node = tree
    for part in parents:
        node = node.setdefault(part, {})
        if not isinstance(node, dict):
            raise ConfigError(f"setting {dotted!r}: {part!r} is not a mapping in the config file")
    node[leaf] = value


def load_settings(path: Path | str | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    environ = environ or {}
    raw: dict[str, Any] = {}
    if path is not None:
        path = Path(path)
        try:
            loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise ConfigError(f"config file {path} does not exist") from exc
        except yaml.YAMLError as exc:
            raise ConfigError(f"config file {path} is not valid YAML: {exc}") from exc
        if loaded is None:
            loaded = {}
        if not isinstance(loaded, dict):
            raise ConfigError(f"config file {path}: the top level must be a mapping")
        raw = loaded
    for var, dotted in ENVIRONMENT.items():
        if environ.get(var):
            _set(raw, dotted, environ[var])
    provider = str(raw.get("model", {}).get("provider", "")).lower()
    vendor_key = {"anthropic": "ANTHROPIC_API_KEY", "openai": "OPENAI_API_KEY"}.get(provider)
    if vendor_key and environ.get(vendor_key) and not raw.get("model", {}).get("api_key"):
        _set(raw, "model.api_key", environ[vendor_key])
    for var, value in environ.items():
        for suffix, field_name, kind in (("_TOKEN", "token", "bearer"), ("_HMAC_SECRET", "secret", "hmac")):
            if var.startswith("AUTOHEAL_SOURCE_") and var.endswith(suffix) and value:
                name = var[len("AUTOHEAL_SOURCE_") : -len(suffix)].lower()
                sources = raw.setdefault("sources", {})
                src = sources.setdefault(name, {})
                src["auth"] = {"type": kind, field_name: value}
    try:
        return Settings.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors())
        where = f"config file {path}" if path else "configuration"
        raise ConfigError(f"{where} is invalid: {problems}") from exc

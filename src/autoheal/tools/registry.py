"""Tool configuration and the one place tools are built: ``build_tools(config, telemetry)``.

Each family has a builder ``(config, wiring) -> list[Tool]`` listed in ``FAMILIES``; adding a tool
family is one module plus one line there. Sections left at their defaults use the embedded
telemetry store; a section with a ``url`` talks to that server. Secrets (bearer tokens) are
``SecretStr`` and never appear in ``repr`` or errors. See docs/tools.md for the YAML.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import httpx
from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator

from autoheal.clock import Clock, SystemClock
from autoheal.errors import ConfigError
from autoheal.telemetry.embedded import EmbeddedTelemetry
from autoheal.tools.alertmanager import ALERTMANAGER_TOOLS
from autoheal.tools.aws.config import AwsConfig
from autoheal.tools.changes import ChangesList, ChangeSource, StoreChanges
from autoheal.tools.changes_git import GitChanges
from autoheal.tools.datadog.config import DatadogConfig
from autoheal.tools.http import HttpApi
from autoheal.tools.logs import EmbeddedLogs, LogBackend, LogsQuery, LokiLogs
from autoheal.tools.prometheus import PROMETHEUS_TOOLS, EmbeddedPrometheus, PrometheusBackend, PrometheusHttp
from autoheal.tools.topology import TopologyGraph, TopologyNeighbours, load_declared
from autoheal.tools.traces import EmbeddedTraces, TraceBackend, TracesServiceGraph, TracesSpans
from autoheal.tools.traces_remote import JaegerTraces, TempoTraces

Tool = Any  # anything implementing autoheal.domain.tools.Tool


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Endpoint(_Model):
    """An HTTP server: ``url`` (None = use the embedded store), timeout in seconds, optional bearer
    token and extra headers (e.g. ``X-Scope-OrgID`` for a multi-tenant Loki/Tempo)."""

    url: str | None = None
    timeout: float = Field(10.0, gt=0, le=300)
    bearer_token: SecretStr | None = None
    headers: dict[str, str] = Field(default_factory=dict)


class PrometheusConfig(Endpoint):
    pass


class AlertmanagerConfig(Endpoint):
    pass


class LogsConfig(Endpoint):
    backend: Literal["embedded", "loki"] = "embedded"
    service_label: str = "service"
    level_label: str = "level"

    @model_validator(mode="after")
    def _url(self) -> LogsConfig:
        if self.backend == "loki" and not self.url:
            raise ValueError("logs.backend loki needs logs.url")
        return self


class TracesConfig(Endpoint):
    backend: Literal["embedded", "tempo", "jaeger"] = "embedded"
    max_traces: int = Field(50, ge=1, le=1000)

    @model_validator(mode="after")
    def _url(self) -> TracesConfig:
        if self.backend != "embedded" and not self.url:
            raise ValueError(f"traces.backend {self.backend} needs traces.url")
        return self


class GitChangesConfig(_Model):
    repo: Path
    path_map: dict[str, str] = Field(min_length=1, description="path pattern -> service ('*' = all)")
    kind_map: dict[str, Literal["deploy", "config", "feature_flag", "infra", "rollback"]] = Field(
        default_factory=dict
    )
    max_commits: int = Field(500, ge=1, le=10_000)


class ChangesConfig(_Model):
    store: bool = True
    git: GitChangesConfig | None = None


class TopologyConfig(_Model):
    file: Path | None = None
    include_traces: bool = True


class KubernetesConfig(_Model):
    """A real cluster through the official client: a kubeconfig (path and context) or in-cluster
    service-account credentials. Read-only verbs only; the policy decides what may be read."""

    kubeconfig: str | None = None
    context: str | None = None
    in_cluster: bool = False


class ToolsConfig(_Model):
    prometheus: PrometheusConfig = Field(default_factory=lambda: PrometheusConfig.model_validate({}))
    alertmanager: AlertmanagerConfig | None = None
    logs: LogsConfig = Field(default_factory=lambda: LogsConfig.model_validate({}))
    traces: TracesConfig = Field(default_factory=lambda: TracesConfig.model_validate({}))
    changes: ChangesConfig = Field(default_factory=ChangesConfig)
    topology: TopologyConfig = Field(default_factory=TopologyConfig)
    kubernetes: KubernetesConfig | None = None
    aws: AwsConfig | None = None  # docs/cloud.md; needs the ``aws`` extra (boto3)
    datadog: DatadogConfig | None = None  # docs/cloud.md; needs the ``datadog`` extra


@dataclass
class Wiring:
    telemetry: EmbeddedTelemetry | None
    clock: Clock
    transport: httpx.BaseTransport | None = None  # tests: httpx.MockTransport

    def api(self, endpoint: Endpoint, name: str) -> HttpApi:
        assert endpoint.url
        return HttpApi(
            endpoint.url,
            name=name,
            timeout=endpoint.timeout,
            bearer_token=endpoint.bearer_token,
            headers=endpoint.headers,
            transport=self.transport,
        )

    def embedded(self, what: str) -> EmbeddedTelemetry:
        if self.telemetry is None:
            raise ConfigError(f"{what} uses the embedded telemetry store, but none was given; set {what}.url")
        return self.telemetry


def _prometheus_backend(config: ToolsConfig, w: Wiring) -> PrometheusBackend:
    if config.prometheus.url:
        return PrometheusHttp(w.api(config.prometheus, "prometheus"))
    return EmbeddedPrometheus(w.embedded("prometheus").metrics)


def _trace_backend(config: ToolsConfig, w: Wiring) -> TraceBackend:
    t = config.traces
    if t.backend == "tempo":
        return TempoTraces(w.api(t, "tempo"), max_traces=t.max_traces)
    if t.backend == "jaeger":
        return JaegerTraces(w.api(t, "jaeger"), max_traces=t.max_traces)
    return EmbeddedTraces(w.embedded("traces").traces)


def prometheus_tools(config: ToolsConfig, w: Wiring) -> list[Tool]:
    backend = _prometheus_backend(config, w)
    return [cls(backend, w.clock) for cls in PROMETHEUS_TOOLS]


def alertmanager_tools(config: ToolsConfig, w: Wiring) -> list[Tool]:
    if config.alertmanager is None or not config.alertmanager.url:
        return []
    api = w.api(config.alertmanager, "alertmanager")
    return [cls(api, w.clock) for cls in ALERTMANAGER_TOOLS]


def logs_tools(config: ToolsConfig, w: Wiring) -> list[Tool]:
    backend: LogBackend
    if config.logs.backend == "loki":
        backend = LokiLogs(
            w.api(config.logs, "loki"),
            service_label=config.logs.service_label,
            level_label=config.logs.level_label,
        )
    else:
        backend = EmbeddedLogs(w.embedded("logs").logs)
    return [LogsQuery(backend)]


def traces_tools(config: ToolsConfig, w: Wiring) -> list[Tool]:
    backend = _trace_backend(config, w)
    return [TracesSpans(backend), TracesServiceGraph(backend)]


def changes_tools(config: ToolsConfig, w: Wiring) -> list[Tool]:
    sources: list[ChangeSource] = []
    if config.changes.store:
        sources.append(StoreChanges(w.embedded("changes").changes))
    if config.changes.git is not None:
        g = config.changes.git
        sources.append(GitChanges(g.repo, g.path_map, kind_map=dict(g.kind_map), max_commits=g.max_commits))
    return [ChangesList(sources)] if sources else []


def topology_tools(config: ToolsConfig, w: Wiring) -> list[Tool]:
    declared = load_declared(config.topology.file)
    traces = TracesServiceGraph(_trace_backend(config, w)) if config.topology.include_traces else None
    return [TopologyGraph(declared, traces, w.clock), TopologyNeighbours(declared, traces, w.clock)]


def kubernetes_family(config: ToolsConfig, w: Wiring) -> list[Tool]:
    if config.kubernetes is None:
        return []
    from autoheal.tools.kubernetes import ApiBackend, kubernetes_tools

    k = config.kubernetes
    try:
        backend = (
            ApiBackend.in_cluster() if k.in_cluster else ApiBackend.from_kubeconfig(k.kubeconfig, k.context)
        )
    except Exception as exc:  # the client raises its own ConfigException / FileNotFoundError
        raise ConfigError(f"tools.kubernetes: cannot load cluster credentials: {exc}") from exc
    return list(kubernetes_tools(backend))


def aws_family(config: ToolsConfig, w: Wiring) -> list[Tool]:
    if config.aws is None:
        return []
    try:
        from autoheal.tools.aws import aws_tools
        from autoheal.tools.aws.config import AwsClients

        clients = AwsClients(config.aws)
    except ImportError as exc:
        raise ConfigError("tools.aws needs boto3: pip install 'autoheal[aws]'") from exc
    except Exception as exc:  # botocore's ProfileNotFound and friends
        raise ConfigError(f"tools.aws: cannot set up the AWS clients: {type(exc).__name__}: {exc}") from exc
    return aws_tools(clients)


def datadog_family(config: ToolsConfig, w: Wiring) -> list[Tool]:
    if config.datadog is None:
        return []
    try:
        from autoheal.tools.datadog.tools import datadog_tools
    except ImportError as exc:
        raise ConfigError("tools.datadog needs datadog-api-client: pip install 'autoheal[datadog]'") from exc
    return list(datadog_tools(config.datadog.api_client()))


FAMILIES: list[Callable[[ToolsConfig, Wiring], list[Tool]]] = [
    prometheus_tools,
    alertmanager_tools,
    logs_tools,
    traces_tools,
    changes_tools,
    topology_tools,
    kubernetes_family,
    aws_family,
    datadog_family,
]


def build_tools(
    config: ToolsConfig,
    telemetry: EmbeddedTelemetry | None,
    *,
    clock: Clock | None = None,
    transport: httpx.BaseTransport | None = None,
) -> dict[str, Tool]:
    """Every configured tool by name. Raises :class:`ConfigError` for an unusable configuration."""
    wiring = Wiring(telemetry=telemetry, clock=clock or SystemClock(), transport=transport)
    tools: dict[str, Tool] = {}
    for family in FAMILIES:
        for tool in family(config, wiring):
            if tool.name in tools:
                raise ConfigError(f"two tools are named {tool.name}")
            tools[tool.name] = tool
    return tools

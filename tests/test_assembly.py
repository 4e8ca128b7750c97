"""The one assembly of tools -> governance gateway -> Investigator (``autoheal.assembly``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import ClassVar

from pydantic import BaseModel
from sqlalchemy import Engine

from autoheal.assembly import assemble, build_investigator
from autoheal.audit.trail import iter_records
from autoheal.clock import ManualClock
from autoheal.domain.tools import Access, ToolResult
from autoheal.governance.policy import default_policy
from autoheal.governance.wiring import build_governance
from autoheal.reasoning.base import Window
from autoheal.reasoning.config import EngineConfig
from autoheal.reasoning.generators.logs import LogTemplateGenerator
from autoheal.reasoning.generators.traces import TraceAttributionGenerator
from autoheal.store.db import create_db_engine, migrate

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


class _NoArgs(BaseModel):
    pass


class _Pods:
    name: ClassVar[str] = "kubernetes.pods"
    description: ClassVar[str] = "pods"
    access: ClassVar[Access] = Access.READ
    args_model: ClassVar[type[BaseModel]] = _NoArgs

    def invoke(self, args: BaseModel) -> ToolResult:
        return ToolResult.success([])


class _Query(_Pods):
    name: ClassVar[str] = "prometheus.query"


def _audit() -> Engine:
    engine = create_db_engine("sqlite://")
    migrate(engine)
    return engine


def _names(tools: list[object]) -> list[str]:
    return [getattr(g, "name", type(g).__name__) for g in tools]


def test_kubernetes_generator_joins_only_when_kubernetes_tools_are_behind_the_gateway() -> None:
    clock = ManualClock(T0)
    plain = build_governance([_Query()], default_policy(), _audit(), clock=clock)
    with_k8s = build_governance([_Query(), _Pods()], default_policy(), _audit(), clock=clock)
    assert "kubernetes" not in _names(build_investigator(plain.gateway, clock).generators)
    assert "kubernetes" in _names(build_investigator(with_k8s.gateway, clock).generators)


def test_reference_windows_go_to_the_log_and_trace_generators_only() -> None:
    clock = ManualClock(T0)
    gateway = build_governance([_Query()], default_policy(), _audit(), clock=clock).gateway
    ref = [Window(T0 - timedelta(hours=3), T0 - timedelta(hours=2))]
    fixed = build_investigator(gateway, clock, EngineConfig(), reference=ref).generators
    default = build_investigator(gateway, clock, EngineConfig()).generators
    logs = [g for g in fixed if isinstance(g, LogTemplateGenerator | TraceAttributionGenerator)]
    assert len(logs) == 2 and all(g.references == ref for g in logs)
    assert all(
        g.references == [] for g in default if isinstance(g, LogTemplateGenerator | TraceAttributionGenerator)
    )
    assert _names(fixed) == _names(default)  # same generators, same order


def test_assembled_investigator_calls_are_audited() -> None:
    clock = ManualClock(T0)
    audit = _audit()
    with assemble([_Query(), _Pods()], default_policy(), audit, clock, durability="async") as assembly:
        assert assembly.investigator.tools is assembly.gateway
        assembly.gateway.call("kubernetes.pods", {}, caller="investigation", investigation_id="inv-1")
    records = [r.payload_obj() for r in iter_records(audit)]  # closing flushed the async writer
    assert [(r["tool"], r["investigation_id"]) for r in records] == [("kubernetes.pods", "inv-1")]

"""Governance fixtures: real tools built on the Tool protocol that record their calls, a manual
clock, and an in-memory database with every table."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any, ClassVar

import pytest
from pydantic import BaseModel
from sqlalchemy import Engine

from autoheal.audit.trail import AuditTrail
from autoheal.clock import ManualClock
from autoheal.domain.tools import Access, ToolResult
from autoheal.governance.approvals import ApprovalService
from autoheal.governance.gateway import Gateway
from autoheal.governance.policy import Policy, parse_policy
from autoheal.store import models  # noqa: F401  (registers every table)
from autoheal.store.db import create_db_engine
from autoheal.store.schema import metadata


class QueryArgs(BaseModel):
    query: str
    start: datetime | None = None
    end: datetime | None = None
    step: float | None = None


class EchoArgs(BaseModel):
    text: str = ""
    namespace: str | None = None
    verb: str | None = None


class LogArgs(BaseModel):
    service: str
    start: datetime | None = None
    end: datetime | None = None
    limit: int | None = None


class RecordingTool:
    """Counts invocations; returns what it is told to return."""

    name: ClassVar[str] = "test.echo"
    description: ClassVar[str] = "echo the arguments back"
    access: ClassVar[Access] = Access.READ
    args_model: ClassVar[type[BaseModel]] = EchoArgs

    def __init__(self, respond: Callable[[BaseModel], ToolResult] | None = None) -> None:
        self.calls: list[BaseModel] = []
        self._respond = respond
        self._lock = threading.Lock()

    def invoke(self, args: BaseModel) -> ToolResult:
        with self._lock:
            self.calls.append(args)
        if self._respond is not None:
            return self._respond(args)
        return ToolResult.success(args.model_dump())


class PromTool(RecordingTool):
    name: ClassVar[str] = "prometheus.query_range"
    description: ClassVar[str] = "PromQL range query"
    args_model: ClassVar[type[BaseModel]] = QueryArgs


class LogTool(RecordingTool):
    name: ClassVar[str] = "logs.query"
    description: ClassVar[str] = "log lines of a service"
    args_model: ClassVar[type[BaseModel]] = LogArgs


class DeleteTool(RecordingTool):
    name: ClassVar[str] = "kubernetes.delete"
    description: ClassVar[str] = "delete an object"
    access: ClassVar[Access] = Access.WRITE


class SecretTool(RecordingTool):
    name: ClassVar[str] = "kubernetes.get"
    description: ClassVar[str] = "read an object"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def engine() -> Iterator[Engine]:
    eng = create_db_engine("sqlite://")
    metadata.create_all(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def trail(engine: Engine, clock: ManualClock) -> AuditTrail:
    return AuditTrail(engine, clock=clock)


@pytest.fixture
def approvals(engine: Engine, clock: ManualClock, trail: AuditTrail) -> ApprovalService:
    return ApprovalService(engine, clock=clock, audit=trail)


GatewayFactory = Callable[..., Gateway]


@pytest.fixture
def make_gateway(clock: ManualClock, trail: AuditTrail, approvals: ApprovalService) -> GatewayFactory:
    def factory(tools: list[Any], policy: Policy | str | None = None, **kwargs: Any) -> Gateway:
        if policy is None:
            policy = "default: allow\n"
        if isinstance(policy, str):
            policy = parse_policy(policy)
        kwargs.setdefault("audit", trail)
        kwargs.setdefault("approvals", approvals)
        kwargs.setdefault("sleep", clock.advance)
        return Gateway(tools, policy, clock=clock, **kwargs)

    return factory

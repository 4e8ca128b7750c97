"""What every tool call returns, and the contract every tool implements.

Failures caused by the outside world are data: a tool never raises for a server error, a timeout
or empty data; it returns a :class:`ToolResult` with the matching status, so that the reasoning sees
the failure as evidence ("Prometheus did not answer") instead of crashing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, ClassVar, Protocol, runtime_checkable

from pydantic import BaseModel


class ToolStatus(StrEnum):
    OK = "ok"
    ERROR = "error"
    NO_DATA = "no_data"
    DENIED = "denied"
    NEEDS_APPROVAL = "needs_approval"
    RATE_LIMITED = "rate_limited"
    BUDGET_EXHAUSTED = "budget_exhausted"


class Access(StrEnum):
    READ = "read"
    WRITE = "write"


@dataclass(frozen=True, slots=True)
class ToolResult:
    status: ToolStatus
    data: Any = None
    message: str = ""
    meta: Mapping[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status is ToolStatus.OK

    @classmethod
    def success(cls, data: Any, **meta: Any) -> ToolResult:
        return cls(ToolStatus.OK, data=data, meta=meta)

    @classmethod
    def empty(cls, message: str = "no data", **meta: Any) -> ToolResult:
        return cls(ToolStatus.NO_DATA, message=message, meta=meta)

    @classmethod
    def failure(cls, message: str, **meta: Any) -> ToolResult:
        return cls(ToolStatus.ERROR, message=message, meta=meta)


@runtime_checkable
class Tool(Protocol):
    """One action against the outside world, e.g. ``prometheus.query_range``.

    Names are ``family.action``; the policy matches them with glob patterns (``prometheus.*``).
    ``args_model`` validates the arguments before anything reaches the tool. Tools know nothing
    about policy, rate limits, redaction or audit: the governance layer wraps them.
    """

    name: ClassVar[str]
    description: ClassVar[str]
    access: ClassVar[Access]
    args_model: ClassVar[type[BaseModel]]

    def invoke(self, args: BaseModel) -> ToolResult: ...


class ToolCaller(Protocol):
    """The only way anything reaches a tool: the governance gateway implements this.

    ``caller`` names who asks (``triage``, ``investigation``, ``model``, ``mcp``, ``human:<name>``);
    ``investigation_id`` ties the call to a per-investigation budget and audit context.
    """

    def call(
        self,
        tool: str,
        args: Mapping[str, Any],
        *,
        caller: str,
        investigation_id: str | None = None,
    ) -> ToolResult: ...

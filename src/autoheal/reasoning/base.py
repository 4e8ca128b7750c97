"""The seams of the investigation engine.

* A :class:`HypothesisGenerator` looks at the evidence it can gather through the context's governed
  tools and returns hypotheses, each carrying the evidence that raised it.
* A :class:`FalsificationCheck` attacks one hypothesis and returns a
  :class:`~autoheal.domain.investigation.VerificationCheck` (passed / failed / unknown, with evidence).
* The engine (``autoheal.reasoning.engine``) runs generators, then checks, ranks, and streams
  :class:`~autoheal.domain.investigation.InvestigationEvent` objects.

Generators and checks never touch a tool directly: they call ``ctx.call(...)``, which goes through
the governance gateway and turns the result into cited :class:`Evidence`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from autoheal.clock import Clock
from autoheal.domain.alerts import Alert
from autoheal.domain.investigation import (
    Evidence,
    Hypothesis,
    InvestigationEvent,
    VerificationCheck,
)
from autoheal.domain.tools import ToolCaller, ToolResult, ToolStatus


@dataclass(frozen=True, slots=True)
class Window:
    start: datetime
    end: datetime

    @property
    def seconds(self) -> float:
        return (self.end - self.start).total_seconds()


@dataclass(slots=True)
class InvestigationContext:
    """Everything a generator or check may use. ``incident`` is the window around the alert's
    onset; ``reference`` a fault-free window before it."""

    investigation_id: str
    subject: str
    alerts: Sequence[Alert]
    incident: Window
    reference: Window
    tools: ToolCaller
    clock: Clock
    services: Sequence[str] = ()
    emit: Callable[[InvestigationEvent], None] = lambda event: None
    caller: str = "investigation"
    prior: Sequence[Mapping[str, Any]] = ()  # similar past incidents (context graph), when any
    evidence: list[Evidence] = field(default_factory=list)
    # status of every evidence item by id: the report builder cites only evidence whose call succeeded
    statuses: dict[str, ToolStatus] = field(default_factory=dict)
    # identical calls within one investigation are answered once (generators and checks share them)
    _cache: dict[str, tuple[ToolResult, Evidence]] = field(default_factory=dict, repr=False)

    def call(
        self,
        tool: str,
        args: Mapping[str, Any],
        summary: str,
        *,
        caller: str | None = None,
    ) -> tuple[ToolResult, Evidence]:
        """Run a governed tool call and record it as evidence (whatever its status).

        ``caller`` overrides the context's caller (the language model's queries use ``model``).
        A call with the same tool, arguments and caller as an earlier one returns the earlier
        result and evidence without reaching the tool again.
        """
        who = caller or self.caller
        key = json.dumps([tool, who, args], sort_keys=True, default=str)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        result = self.tools.call(tool, args, caller=who, investigation_id=self.investigation_id)
        ev = Evidence(
            id=f"ev{len(self.evidence) + 1}",
            tool=tool,
            args=dict(args),
            summary=summary if result.ok else f"{summary}: {result.status.value} {result.message}".strip(),
            data=None,
            observed_at=self.clock.now(),
        )
        self.evidence.append(ev)
        self.statuses[ev.id] = result.status
        self._cache[key] = (result, ev)
        self.emit(
            InvestigationEvent(
                kind="evidence",
                at=self.clock.now(),
                payload={"evidence": ev.to_dict(), "status": result.status.value, "caller": who},
            )
        )
        return result, ev

    def cite(self, evidence: Evidence, summary: str, data: Any = None) -> Evidence:
        """The same query with a sharper summary of what it showed for one claim (same status)."""
        ev = Evidence(
            id=f"{evidence.id}.{sum(1 for e in self.evidence if e.id.startswith(evidence.id + '.')) + 1}",
            tool=evidence.tool,
            args=evidence.args,
            summary=summary,
            data=data,
            observed_at=evidence.observed_at,
        )
        self.evidence.append(ev)
        self.statuses[ev.id] = self.statuses.get(evidence.id, ToolStatus.ERROR)
        return ev

    def succeeded(self, evidence: Evidence) -> bool:
        """True when ``evidence`` was gathered in this investigation and its tool call succeeded."""
        return self.statuses.get(evidence.id) is ToolStatus.OK


@runtime_checkable
class StepRecorder(Protocol):
    """What the governance gateway offers to put reasoning steps in the audit trail."""

    def record_reasoning_step(
        self, *, actor: str, investigation_id: str | None, payload: Mapping[str, Any]
    ) -> None: ...


def record_step(tools: object, actor: str, investigation_id: str | None, payload: Mapping[str, Any]) -> None:
    """Audit one reasoning step when the tool caller is the gateway (a no-op otherwise)."""
    if isinstance(tools, StepRecorder):
        tools.record_reasoning_step(actor=actor, investigation_id=investigation_id, payload=payload)


class HypothesisGenerator(Protocol):
    name: str

    def generate(self, ctx: InvestigationContext) -> list[Hypothesis]: ...


class FalsificationCheck(Protocol):
    name: str

    def attack(self, hypothesis: Hypothesis, ctx: InvestigationContext) -> VerificationCheck: ...

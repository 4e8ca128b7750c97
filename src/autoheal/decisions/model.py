"""Decision steps: what a responder did during an incident, as typed data.

A step says who, when, what was done (:class:`Action`), to what (:class:`Target`, plus the service
it concerns), what was seen (``observation``), why (``rationale``) and what backs it
(``evidence``: tool-call ids and links). A message the parser cannot type is a step of action
``note`` with the text kept verbatim: never a guess.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class Action(StrEnum):
    CHECKED = "checked"
    OBSERVED = "observed"
    RULED_OUT = "ruled_out"
    HYPOTHESISED = "hypothesised"
    MITIGATED = "mitigated"
    ESCALATED = "escalated"
    RESOLVED = "resolved"
    NOTE = "note"  # the parser could not type it: kept as written


class TargetKind(StrEnum):
    SERVICE = "service"
    METRIC = "metric"
    LOG_QUERY = "log_query"
    CHANGE = "change"
    RUNBOOK = "runbook"
    COMMAND = "command"  # a pasted kubectl (or other CLI) command


@dataclass(frozen=True, slots=True)
class Target:
    """What a step was about: ``value`` is the query, command, version, runbook or metric named
    (the service name for a service target)."""

    kind: TargetKind
    value: str

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind.value, "value": self.value}


@dataclass(frozen=True, slots=True)
class DecisionStep:
    who: str
    at: datetime
    action: Action
    text: str  # the message as written
    target: Target | None = None
    service: str | None = None
    observation: str = ""
    rationale: str = ""
    evidence: tuple[str, ...] = ()  # tool-call ids (ev12) and links
    source: str = "cli"  # slack, slash, console, cli, api, sim
    parsed_by: str = "rules"  # rules | model
    facts: dict[str, Any] = field(default_factory=dict)

    @property
    def typed(self) -> bool:
        return self.action is not Action.NOTE

    def to_dict(self) -> dict[str, Any]:
        return {
            "who": self.who,
            "at": self.at.isoformat(),
            "action": self.action.value,
            "text": self.text,
            "target": self.target.to_dict() if self.target else None,
            "service": self.service,
            "observation": self.observation,
            "rationale": self.rationale,
            "evidence": list(self.evidence),
            "source": self.source,
            "parsed_by": self.parsed_by,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DecisionStep:
        target = data.get("target")
        return cls(
            who=str(data["who"]),
            at=datetime.fromisoformat(str(data["at"])),
            action=Action(data["action"]),
            text=str(data.get("text", "")),
            target=Target(TargetKind(target["kind"]), str(target["value"])) if target else None,
            service=data.get("service"),
            observation=str(data.get("observation", "")),
            rationale=str(data.get("rationale", "")),
            evidence=tuple(data.get("evidence", ())),
            source=str(data.get("source", "cli")),
            parsed_by=str(data.get("parsed_by", "rules")),
        )

"""The seam of the fix generators, and what they are given.

A :class:`FixGenerator` reads a :class:`FixContext` (the resolved incident's investigation, its
alerts, the verdict history, the existing rules, a governed way to read metrics) and returns
:class:`~autoheal.fixes.model.Fix` objects with their files. It does not validate them: the
service (``autoheal.fixes.service``) runs every check and offers only fixes that passed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from autoheal.domain.alerts import Alert
from autoheal.domain.tools import ToolCaller
from autoheal.fixes.config import FixesConfig
from autoheal.fixes.model import Fix, FixKind
from autoheal.fixes.rules import ExistingRule, Samples
from autoheal.reasoning.generators._windows import iso


@dataclass(frozen=True, slots=True)
class Series:
    labels: Mapping[str, str]  # including __name__
    samples: Samples

    @property
    def metric(self) -> str:
        return str(self.labels.get("__name__", ""))


class SeriesSource(Protocol):
    """Reads metric samples (``prometheus.query_range`` through the governance gateway)."""

    def range(self, query: str, start: datetime, end: datetime, step: float) -> list[Series]: ...


class GatewaySeries:
    """:class:`SeriesSource` over the governed ``prometheus.query_range`` tool (caller ``fixes``):
    the fix generators can read no more than the policy lets them, and every read is audited."""

    def __init__(
        self, tools: ToolCaller, *, caller: str = "fixes", investigation_id: str | None = None
    ) -> None:
        self.tools = tools
        self.caller = caller
        self.investigation_id = investigation_id
        self.failures: list[str] = []

    def range(self, query: str, start: datetime, end: datetime, step: float) -> list[Series]:
        args = {"query": query, "start": iso(start), "end": iso(end), "step": step}
        result = self.tools.call(
            "prometheus.query_range", args, caller=self.caller, investigation_id=self.investigation_id
        )
        if not result.ok:
            self.failures.append(f"{query}: {result.status.value} {result.message}".strip())
            return []
        out = []
        for item in (result.data or {}).get("result", []):
            labels = {str(k): str(v) for k, v in item.get("metric", {}).items()}
            samples = [(float(t), float(v)) for t, v in item.get("values", [])]
            out.append(Series(labels, samples))
        return out


@dataclass(frozen=True, slots=True)
class Firing:
    """One past firing episode of an alert, with what triage and people made of it.

    ``incident``: it belonged to a real incident (a signal verdict confirmed or not contradicted
    by a human, or an outcome of ``actionable``); ``noise``: triage called it noise or duplicate
    and no human said it was actionable."""

    alertname: str
    service: str | None
    fingerprint: str
    starts_at: datetime
    ends_at: datetime | None
    verdict: str | None
    outcome: str | None
    incident: bool
    expr: str | None = None  # the rule's expression (from the alert's generatorURL), when known
    labels: Mapping[str, str] = field(default_factory=dict)

    @property
    def noise(self) -> bool:
        return not self.incident and self.verdict in ("noise", "duplicate")

    def lasted(self, now: datetime) -> float:
        return ((self.ends_at or now) - self.starts_at).total_seconds()


@dataclass(slots=True)
class FixContext:
    """Everything a generator may use, for one resolved incident (or investigation).

    ``report``: the investigation report (``InvestigationReport.to_dict()``); ``alerts``: the
    incident's alerts, oldest first; ``reference``: a fault-free window before the first alert;
    ``timeline``: the incident's timeline entries, when incidents record one."""

    ref: str
    service: str
    cause_kind: str
    alerts: Sequence[Alert]
    report: Mapping[str, Any]
    series: SeriesSource
    config: FixesConfig
    reference: tuple[datetime, datetime]
    rules: Sequence[ExistingRule] = ()
    firings: Sequence[Firing] = ()
    timeline: Sequence[Mapping[str, Any]] = ()
    resolved_at: datetime | None = None
    now: datetime | None = None
    # the simulator's scenario (name or file) and fault index this incident came from, when it was
    # simulated: a regression test can then run against the simulated service
    sim_scenario: str | None = None
    sim_fault: int | None = None
    # what each generator skipped and why (the service reports it)
    notes: list[str] = field(default_factory=list)

    @property
    def first_alert(self) -> Alert:
        return min(self.alerts, key=lambda a: a.starts_at)

    @property
    def services(self) -> list[str]:
        return sorted({a.service for a in self.alerts if a.service})


class FixGenerator(Protocol):
    kind: FixKind

    def generate(self, ctx: FixContext) -> list[Fix]: ...

"""``autoheal case run BUNDLE``: a bundle replayed through triage and the full investigation.

The bundle's evidence is served by the same tools an installation uses, only backed by what was
recorded: ``kubernetes.*`` over the recorded objects and container logs, ``prometheus.*`` over the
recorded range results (plain selectors are answered with the recorded samples, as a query of the
same selector would have returned them; other PromQL is evaluated by the embedded engine over the
same samples), ``prometheus.rules`` from the recorded rule groups, ``logs.query``, ``traces.*`` and
``changes.list`` over the embedded telemetry store loaded with the bundle's log lines, spans and
changes. Every call goes through the governance gateway with :data:`REPLAY_POLICY` (read-only)
and is audited; the clock is fixed at the bundle's ``now``.

Triage runs first (the alert history is empty: a replay knows only the bundle); the investigation
runs whatever triage said, so the report is always shown, and the verdict is printed beside it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

from pydantic import BaseModel
from sqlalchemy import Engine

from autoheal.assembly import assemble
from autoheal.cases.bundle import Bundle
from autoheal.clock import ManualClock
from autoheal.domain.investigation import InvestigationEvent
from autoheal.domain.tools import Access, ToolResult
from autoheal.governance.policy import Policy, parse_policy
from autoheal.k8s.bench import audit_engine
from autoheal.k8s.metrics import RecordedPrometheus, RecordedRules, parse_selector
from autoheal.reasoning.triage import InMemoryAlertHistory, Triage, TriageVerdict
from autoheal.telemetry.embedded import EmbeddedTelemetry
from autoheal.tools.kubernetes import kubernetes_tools
from autoheal.tools.prometheus import QueryRangeArgs
from autoheal.tools.registry import ToolsConfig, build_tools

REPLAY_POLICY = """\
# A replay reads recorded evidence only; nothing can change anything.
version: 1
default: deny
write_actions: deny
rules:
  - name: kubernetes-read-only
    effect: allow
    tools: ["kubernetes.*"]
    args: {verb: ["get", "list", "logs", "rollout_history"]}
  - name: no-kubernetes-secrets
    effect: deny
    tools: ["kubernetes.*"]
    args: {resource: ["secret", "secrets"]}
  - name: telemetry-reads
    effect: allow
    tools: ["prometheus.*", "logs.query", "traces.*", "changes.list", "topology.*"]
rate_limits:
  global: {rate: 1000, burst: 1000}
budgets:
  tool_calls: 400
"""


def replay_policy() -> Policy:
    return parse_policy(REPLAY_POLICY, source="<case replay read-only policy>")


class BundlePrometheus:
    """``prometheus.query_range`` over a bundle: a plain selector gets the recorded samples, any
    other expression is evaluated by the embedded PromQL engine over the same samples."""

    name: ClassVar[str] = "prometheus.query_range"
    description: ClassVar[str] = "PromQL range query over the bundle's recorded range results."
    access: ClassVar[Access] = Access.READ
    args_model: ClassVar[type[BaseModel]] = QueryRangeArgs

    def __init__(self, recorded: RecordedPrometheus, engine: Any) -> None:
        self._recorded = recorded
        self._engine = engine

    def invoke(self, args: BaseModel) -> ToolResult:
        assert isinstance(args, QueryRangeArgs)
        if parse_selector(args.query) is not None:
            return self._recorded.invoke(args)
        result: ToolResult = self._engine.invoke(args)
        return result


def telemetry_of(bundle: Bundle) -> EmbeddedTelemetry:
    """An in-memory telemetry store holding the bundle's samples, log lines, spans and changes."""
    telemetry = EmbeddedTelemetry(":memory:")
    for s in bundle.series:
        labels = {k: v for k, v in s["metric"].items() if k != "__name__"}
        samples = [(float(t), float(v)) for t, v in s["values"]]
        telemetry.metrics.write_samples(s["metric"]["__name__"], labels, samples)
    if bundle.log_lines:
        telemetry.logs.write_logs(bundle.log_lines)
    if bundle.spans:
        telemetry.traces.write_spans(bundle.spans)
    for change in bundle.changes:
        telemetry.changes.record_change(change)
    return telemetry


def bundle_tools(bundle: Bundle, telemetry: EmbeddedTelemetry, clock: ManualClock) -> list[Any]:
    tools = build_tools(ToolsConfig(), telemetry, clock=clock)
    tools["prometheus.query_range"] = BundlePrometheus(
        RecordedPrometheus(bundle.series), tools["prometheus.query_range"]
    )
    tools["prometheus.rules"] = RecordedRules(bundle.rules)
    kube: list[Any] = list(kubernetes_tools(bundle.backend()))
    for tool in kube:
        tools[tool.name] = tool
    return list(tools.values())


@dataclass(slots=True)
class Replay:
    bundle: Bundle
    verdict: TriageVerdict
    events: list[InvestigationEvent] = field(default_factory=list)

    @property
    def report(self) -> dict[str, Any]:
        return dict(next(e for e in reversed(self.events) if e.kind == "report").payload["report"])


def replay(bundle: Bundle, *, engine: Engine | None = None) -> Iterator[InvestigationEvent | TriageVerdict]:
    """Triage (yields the verdict first), then the investigation's events, ending with its report."""
    clock = ManualClock(bundle.now)
    telemetry = telemetry_of(bundle)
    try:
        with assemble(
            bundle_tools(bundle, telemetry, clock), replay_policy(), engine or audit_engine(), clock
        ) as a:
            yield Triage(a.gateway, clock).assess(bundle.group(), bundle.alerts, InMemoryAlertHistory())
            subject = bundle.alerts[0].name
            yield from a.investigator.run(subject, bundle.alerts, investigation_id=f"case-{bundle.name}")
    finally:
        telemetry.close()


def run(bundle: Bundle, *, engine: Engine | None = None) -> Replay:
    """The whole replay, collected."""
    verdict: TriageVerdict | None = None
    events: list[InvestigationEvent] = []
    for item in replay(bundle, engine=engine):
        if isinstance(item, TriageVerdict):
            verdict = item
        else:
            events.append(item)
    assert verdict is not None
    return Replay(bundle, verdict, events)

"""``autoheal bench k8s``: every catalogue case through the governed Kubernetes tool, scored.

For each case: load the recorded cluster, serve it through the Kubernetes tools (directly from the
recorded backend, or with ``via_api`` through the local fake API server and the official client),
run the alert-family router, and score the top hypothesis against ``expected.yaml``:

* top1 - the expected root cause kind and object are ranked first;
* facts - share of required facts that the top hypothesis states *and* cites (the fact appears in
  the raw result of a tool call the hypothesis cites; ``derived`` facts only need stating);
* noise - the case is recognised as noise exactly when it is noise.

Every call goes through the governance :class:`~autoheal.governance.Gateway` with
:data:`READ_ONLY_POLICY` (Kubernetes verbs get / list / logs / rollout_history, two Prometheus
reads, everything else denied, writes waiting for approval), audited into a hash-chained trail on a
private in-memory SQLite database (or the engine the caller passes), so every evidence read of
the bench is a governed, audited call.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from autoheal.cases.bundle import Bundle
from autoheal.clock import ManualClock
from autoheal.domain.alerts import Alert
from autoheal.domain.investigation import Hypothesis
from autoheal.domain.tools import ToolCaller, ToolResult, ToolStatus
from autoheal.governance.policy import Policy, parse_policy
from autoheal.governance.wiring import build_governance
from autoheal.k8s import alertevidence
from autoheal.k8s.catalogue import load_all
from autoheal.k8s.metrics import RecordedPrometheus, RecordedRules
from autoheal.k8s.router import KubernetesGenerator
from autoheal.reasoning.base import InvestigationContext, Window
from autoheal.reasoning.triage import InMemoryAlertHistory, Triage
from autoheal.store.db import create_db_engine, migrate
from autoheal.tools.kubernetes import ApiBackend, kubernetes_tools

READ_ONLY_POLICY = """\
# The bench's policy: Kubernetes read verbs and the two Prometheus reads investigators use;
# everything else is refused, and any write would wait for a human approval.
version: 1
default: deny
write_actions: require_approval
rules:
  - name: kubernetes-read-only
    effect: allow
    tools: ["kubernetes.*"]
    args: {verb: ["get", "list", "logs", "rollout_history"]}
    reason: read-only Kubernetes verbs
  - name: kubernetes-writes-need-approval
    effect: require_approval
    tools: ["kubernetes.*"]
    args: {verb: ["create", "update", "patch", "delete", "scale", "rollout_restart", "rollout_undo", "cordon", "drain", "evict", "exec"]}
    reason: a change to the cluster needs a human approval
  - name: no-kubernetes-secrets
    effect: deny
    tools: ["kubernetes.*"]
    args: {resource: ["secret", "secrets"]}
    reason: Kubernetes secrets are never read
  - name: prometheus-reads
    effect: allow
    tools: ["prometheus.query_range", "prometheus.rules"]
rate_limits:
  global: {rate: 1000, burst: 1000}
budgets:
  tool_calls: 100
"""


def read_only_policy() -> Policy:
    return parse_policy(READ_ONLY_POLICY, source="<k8s bench read-only policy>")


def audit_engine() -> Engine:
    """A private in-memory SQLite database, migrated like any Autoheal database, that holds the
    audit trail (and approval requests) of a bench run."""
    engine = create_db_engine("sqlite://")
    migrate(engine)
    return engine


class RecordingCaller:
    """Passes every call on to the governance Gateway and keeps what it answered, so the scorer
    can check that a fact appears in the result of a call the hypothesis cites."""

    def __init__(self, gateway: ToolCaller) -> None:
        self._gateway = gateway
        self.calls: list[tuple[str, dict[str, Any], ToolResult]] = []

    @property
    def redactor(self) -> Any:
        """The gateway's redactor, for evidence that does not come through a tool (the alert's)."""
        return getattr(self._gateway, "redactor", None)

    def record_reasoning_step(self, **kwargs: Any) -> None:
        record = getattr(self._gateway, "record_reasoning_step", None)
        if callable(record):
            record(**kwargs)

    def call(
        self, tool: str, args: Mapping[str, Any], *, caller: str, investigation_id: str | None = None
    ) -> ToolResult:
        result = self._gateway.call(tool, args, caller=caller, investigation_id=investigation_id)
        self.calls.append((tool, dict(args), result))
        return result


@dataclass(slots=True)
class CaseResult:
    case: str
    family: str
    top1: bool
    facts_stated_cited: int
    facts_total: int
    noise_expected: bool
    noise_predicted: bool
    seconds: float
    top: dict[str, Any] | None
    missing_facts: list[str] = field(default_factory=list)
    tool_calls: int = 0
    refused_calls: int = 0
    triage: str = ""  # the triage verdict on the same alerts and tools

    @property
    def triage_noise(self) -> bool:
        return self.triage in ("noise", "duplicate")

    @property
    def noise_correct(self) -> bool:
        return self.noise_expected == self.noise_predicted


def _tools_for(case: Bundle, via_api: Any | None) -> list[Any]:
    backend: Any = case.backend()
    if via_api is not None:
        backend = ApiBackend(via_api(backend))
    return [*kubernetes_tools(backend), RecordedPrometheus(case.series), RecordedRules(case.rules)]


@dataclass(slots=True)
class GovernedRun:
    hypotheses: list[Hypothesis]
    context: InvestigationContext
    caller: RecordingCaller
    gateway: ToolCaller


def investigate_governed(
    name: str, alerts: list[Alert], now: datetime, tools: list[Any], *, engine: Engine | None = None
) -> GovernedRun:
    """Route ``alerts`` to their investigators with ``tools`` behind a Gateway holding the
    read-only policy, audited into ``engine`` (a fresh in-memory database when None)."""
    clock = ManualClock(now)
    governance = build_governance(tools, read_only_policy(), engine or audit_engine(), clock=clock)
    investigation_id = f"k8s-{name}"
    governance.gateway.start_investigation(investigation_id)
    caller = RecordingCaller(governance.gateway)
    onset = min(a.starts_at for a in alerts)
    incident = Window(onset - timedelta(minutes=30), now)
    ctx = InvestigationContext(
        investigation_id=investigation_id,
        subject=alerts[0].name,
        alerts=alerts,
        incident=incident,
        reference=Window(incident.start - timedelta(hours=2), incident.start),
        tools=caller,
        clock=clock,
    )
    return GovernedRun(KubernetesGenerator().generate(ctx), ctx, caller, governance.gateway)


def run_case(
    case: Bundle, *, via_api: Any | None = None, engine: Engine | None = None
) -> tuple[CaseResult, list[Hypothesis]]:
    """One case through the governed tools."""
    started = time.perf_counter()
    run = investigate_governed(case.name, case.alerts, case.now, _tools_for(case, via_api), engine=engine)
    seconds = time.perf_counter() - started
    calls = run.caller.calls
    results_by_evidence = {
        ev.id: "\n".join(_strings(call[2].data)) for ev, call in zip(run.context.evidence, calls, strict=True)
    }
    # Evidence that came with the alert is cited with the (redacted) text it quotes.
    for hyp in run.hypotheses:
        for ev in hyp.evidence:
            if ev.tool == alertevidence.TOOL:
                results_by_evidence[ev.id] = alertevidence.cited_text(ev)
    result = score(case, run.hypotheses, results_by_evidence, seconds)
    result.tool_calls = len(calls)
    refused = (ToolStatus.DENIED, ToolStatus.NEEDS_APPROVAL, ToolStatus.BUDGET_EXHAUSTED)
    result.refused_calls = sum(c[2].status in refused for c in calls)
    verdict = Triage(run.gateway, ManualClock(case.now)).assess(
        case.group(), case.alerts, InMemoryAlertHistory()
    )
    result.triage = verdict.kind.value
    return result, run.hypotheses


def _strings(data: Any) -> list[str]:
    """Every scalar of a tool result as text (keys too), so a fact can be found in what was returned."""
    if isinstance(data, Mapping):
        return [t for k, v in data.items() for t in (str(k), *_strings(v))]
    if isinstance(data, list | tuple):
        return [t for v in data for t in _strings(v)]
    return [] if data is None else [str(data)]


def score(
    case: Bundle, hypotheses: list[Hypothesis], results: Mapping[str, str], seconds: float
) -> CaseResult:
    expected = case.expected
    if expected is None:
        raise ValueError(f"case bundle {case.name} carries no expected.yaml to score against")
    top = hypotheses[0] if hypotheses else None
    missing: list[str] = []
    hits = 0
    if top is not None:
        statement = top.statement.lower()
        cited_text = "\n".join(results.get(ev.id, "") for ev in top.evidence).lower()
        for fact in expected.facts:
            text = fact.text.lower()
            if text in statement and (fact.derived or text in cited_text):
                hits += 1
            else:
                missing.append(fact.text)
    else:
        missing = [f.text for f in expected.facts]
    predicted_noise = top is not None and top.kind == "noise"
    top1 = (
        top is not None
        and top.kind == expected.kind
        and (
            expected.object in (top.service, top.component)
            or expected.object.lower() in top.statement.lower()
        )
    )
    return CaseResult(
        case=case.name,
        family=case.family,
        top1=top1,
        facts_stated_cited=hits,
        facts_total=len(expected.facts),
        noise_expected=expected.noise,
        noise_predicted=predicted_noise,
        seconds=seconds,
        top=top.to_dict() if top else None,
        missing_facts=missing,
    )


def p99(values: Sequence[float]) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    index = min(len(ordered) - 1, max(0, round(0.99 * len(ordered) + 0.5) - 1))
    return ordered[index]


def summarise(results: Sequence[CaseResult]) -> dict[str, Any]:
    n = len(results)
    facts_total = sum(r.facts_total for r in results)
    return {
        "cases": n,
        "top1": round(sum(r.top1 for r in results) / n, 4) if n else 0.0,
        "facts_recall": round(sum(r.facts_stated_cited for r in results) / facts_total, 4)
        if facts_total
        else 1.0,
        "noise_correct": round(sum(r.noise_correct for r in results) / n, 4) if n else 0.0,
        "triage_noise_paged": sum(r.noise_expected and not r.triage_noise for r in results),
        "triage_signal_called_noise": sum(not r.noise_expected and r.triage_noise for r in results),
        "p99_s": round(p99([r.seconds for r in results]), 4),
    }


def run_bench(
    *,
    only: str | None = None,
    via_api: bool = False,
    engine: Engine | None = None,
    cases_dir: Path | None = None,
) -> list[CaseResult]:
    """Every case (the shipped catalogue, or the bundles under ``cases_dir`` that carry an
    answer), each investigated through its own Gateway; all of them audited into one trail
    (``engine``, or a private in-memory database)."""
    cases = load_all(cases_dir, only=only)
    engine = engine or audit_engine()
    results = []
    with ExitStack() as stack:
        factory = None
        if via_api:
            from autoheal.k8s.fakeapi import FakeKubeAPI

            def factory(backend: Any) -> Any:
                api = stack.enter_context(FakeKubeAPI(backend))
                return api.client()

        for case in cases:
            result, _ = run_case(case, via_api=factory, engine=engine)
            results.append(result)
    return results


def by_family(results: Sequence[CaseResult]) -> dict[str, dict[str, Any]]:
    families: dict[str, list[CaseResult]] = {}
    for r in results:
        families.setdefault(r.family, []).append(r)
    return {name: summarise(rs) for name, rs in sorted(families.items())}

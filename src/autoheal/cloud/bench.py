"""``autoheal bench rds``: every RDS case seeded into moto, investigated through the gateway, scored.

One moto server (a real local HTTP server) and one Performance Insights fake serve the whole run;
each case resets moto, seeds it (:func:`autoheal.cloud.cases.seed`), builds the AWS tools with
boto3 pointed at them, puts the tools behind a Gateway with :data:`READ_ONLY_POLICY` auditing into
one hash-chained trail, and runs :class:`~autoheal.cloud.rds.RdsGenerator` on the case's alert.

Scores per case: ``top1`` (the expected cause kind and object ranked first), ``facts`` (each
expected fact stated by the top hypothesis and present in the result of a call it cites),
``herring`` (the top hypothesis is not the case's red herring), ``missing_not_zero`` (for a
missing metric: no statement gives it a value of 0).
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from autoheal.clock import ManualClock
from autoheal.cloud.cases import RdsCase, load_all, seed
from autoheal.cloud.emulator import CREDENTIALS, MotoServer
from autoheal.cloud.fakepi import FakePerformanceInsights
from autoheal.cloud.rds import RdsGenerator
from autoheal.domain.investigation import Hypothesis
from autoheal.domain.tools import ToolCaller, ToolResult
from autoheal.governance.policy import parse_policy
from autoheal.governance.wiring import build_governance
from autoheal.reasoning.base import InvestigationContext, Window
from autoheal.store.db import create_db_engine, migrate
from autoheal.tools.aws import aws_tools
from autoheal.tools.aws.config import AwsClients, AwsConfig

READ_ONLY_POLICY = """\
# The RDS bench's policy: the five read-only AWS tools, nothing else.
version: 1
default: deny
write_actions: deny
rules:
  - name: aws-read-only
    effect: allow
    tools: ["aws.cloudwatch_metrics", "aws.rds_events", "aws.rds_instances", "aws.pi_metrics", "aws.pi_top_sql"]
rate_limits:
  global: {rate: 1000, burst: 1000}
budgets:
  tool_calls: 50
"""
ZERO = re.compile(r"(?<![\d.,])0(\.0+)? ?%")


class Recorder:
    def __init__(self, gateway: ToolCaller) -> None:
        self._gateway = gateway
        self.calls: list[ToolResult] = []

    def call(
        self, tool: str, args: Mapping[str, Any], *, caller: str, investigation_id: str | None = None
    ) -> ToolResult:
        result = self._gateway.call(tool, args, caller=caller, investigation_id=investigation_id)
        self.calls.append(result)
        return result


@dataclass(slots=True)
class CaseResult:
    case: str
    kind: str
    top1: bool
    facts_hit: int
    facts_total: int
    herring_avoided: bool | None
    missing_not_zero: bool | None
    seconds: float
    tool_calls: int
    top: dict[str, Any] | None
    missing_facts: list[str] = field(default_factory=list)


def _text(data: Any) -> str:
    if isinstance(data, Mapping):
        return " ".join(f"{k} {_text(v)}" for k, v in data.items())
    if isinstance(data, list | tuple):
        return " ".join(_text(v) for v in data)
    return "" if data is None else str(data)


def clients_for(moto: MotoServer, pi: FakePerformanceInsights) -> AwsClients:
    """boto3 clients pointed at moto (CloudWatch, RDS) and the Performance Insights fake."""
    config = AwsConfig.model_validate(
        {
            "region": moto.region,
            "endpoint_url": moto.url,
            "endpoints": {"pi": pi.url},
            "access_key_id": CREDENTIALS["aws_access_key_id"],
            "secret_access_key": CREDENTIALS["aws_secret_access_key"],
        }
    )
    return AwsClients(config)


def investigate(
    case: RdsCase, moto: MotoServer, pi: FakePerformanceInsights, engine: Engine, clients: AwsClients
) -> tuple[list[Hypothesis], InvestigationContext, Recorder]:
    seed(case, moto, pi)
    clock = ManualClock(case.now)
    policy = parse_policy(READ_ONLY_POLICY, source="<rds bench policy>")
    governance = build_governance(aws_tools(clients), policy, engine, clock=clock)
    recorder = Recorder(governance.gateway)
    alerts = case.alerts()
    onset = min(a.starts_at for a in alerts)
    incident = Window(onset - timedelta(minutes=30), case.now)
    ctx = InvestigationContext(
        investigation_id=f"rds-{case.name}",
        subject=alerts[0].name,
        alerts=alerts,
        incident=incident,
        reference=Window(incident.start - timedelta(hours=1), incident.start),
        tools=recorder,
        clock=clock,
    )
    governance.gateway.start_investigation(ctx.investigation_id)
    return RdsGenerator().generate(ctx), ctx, recorder


def score(
    case: RdsCase, hypotheses: list[Hypothesis], ctx: InvestigationContext, recorder: Recorder, seconds: float
) -> CaseResult:
    exp = case.expected
    top = hypotheses[0] if hypotheses else None
    by_id = {
        ev.id: _text(result.data).lower() for ev, result in zip(ctx.evidence, recorder.calls, strict=True)
    }
    missing: list[str] = []
    if top is None:
        missing = [f.stated for f in exp.facts]
    else:
        cited = " ".join(by_id.get(ev.id, "") for ev in top.evidence)
        for fact in exp.facts:
            stated = fact.stated.lower() in top.statement.lower()
            shown = fact.cited is None or fact.cited.lower() in cited
            if not (stated and shown):
                missing.append(fact.stated)
    top1 = (
        top is not None
        and top.kind == exp.kind
        and (exp.object in (top.service, top.component) or exp.object.lower() in top.statement.lower())
    )
    return CaseResult(
        case=case.name,
        kind=exp.kind,
        top1=top1,
        facts_hit=len(exp.facts) - len(missing),
        facts_total=len(exp.facts),
        herring_avoided=(top is None or top.kind != exp.herring) if exp.herring else None,
        missing_not_zero=not any(ZERO.search(h.statement) for h in hypotheses)
        if exp.kind == "no_evidence"
        else None,
        seconds=seconds,
        tool_calls=len(recorder.calls),
        top=top.to_dict() if top else None,
        missing_facts=missing,
    )


def run_bench(
    cases_dir: Path | None = None, *, only: str | None = None, engine: Engine | None = None
) -> list[CaseResult]:
    cases = load_all(cases_dir, only=only)
    if engine is None:
        engine = create_db_engine("sqlite://")
        migrate(engine)
    results = []
    with MotoServer() as moto, FakePerformanceInsights() as pi:
        clients = clients_for(moto, pi)
        for case in cases:
            started = time.perf_counter()
            hypotheses, ctx, recorder = investigate(case, moto, pi, engine, clients)
            results.append(score(case, hypotheses, ctx, recorder, time.perf_counter() - started))
    return results


def _share(flags: Sequence[bool | None]) -> float | None:
    known = [f for f in flags if f is not None]
    return round(sum(known) / len(known), 4) if known else None


def summarise(results: Sequence[CaseResult]) -> dict[str, Any]:
    n = len(results)
    facts = sum(r.facts_total for r in results)
    seconds = sorted(r.seconds for r in results)
    return {
        "cases": n,
        "top1": round(sum(r.top1 for r in results) / n, 4) if n else 0.0,
        "facts_recall": round(sum(r.facts_hit for r in results) / facts, 4) if facts else 1.0,
        "herrings_avoided": _share([r.herring_avoided for r in results]),
        "missing_not_zero": _share([r.missing_not_zero for r in results]),
        "tool_calls": sum(r.tool_calls for r in results),
        "p99_s": round(seconds[min(n - 1, max(0, round(0.99 * n + 0.5) - 1))], 4) if n else 0.0,
    }

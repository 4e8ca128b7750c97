"""The benchmark's engine path: every case runs through the whole investigation engine.

For each case: the group's telemetry is loaded into an :class:`EmbeddedTelemetry` (metrics, logs,
spans) with the data set's call graph as a declared topology file; the tools are built by
:func:`autoheal.tools.registry.build_tools` and reachable only through the governance Gateway
(:data:`BENCH_POLICY`, audit trail on an in-memory SQLite, ``async`` durability); the
:class:`~autoheal.reasoning.engine.Investigator` runs the default generators and checks on a
synthetic alert for the case (:func:`case_alert`); the report's services are scored, causes first
then what was ruled out, each service once.

The engine's windows are set from the case (incident = the case's incident window from the alert's
onset, reference = the case's fault-free window); these are the data set's facts, not parameters.
"""

from __future__ import annotations

import json
import math
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import yaml
from sqlalchemy import Engine

from autoheal.assembly import assemble
from autoheal.bench import inner
from autoheal.bench.model import BenchCase, Bundle
from autoheal.clock import ManualClock
from autoheal.domain.alerts import Alert, AlertStatus, Severity
from autoheal.governance.policy import Policy, parse_policy
from autoheal.reasoning.base import Window
from autoheal.reasoning.config import EngineConfig
from autoheal.reasoning.coverage import report_scale
from autoheal.store.db import create_db_engine, migrate
from autoheal.telemetry.embedded import EmbeddedTelemetry
from autoheal.tools.registry import ToolsConfig, TopologyConfig, build_tools

# Every read tool allowed, writes denied; generous but finite limits (documented in docs/benchmarks.md).
BENCH_POLICY = """\
version: 1
default: deny
write_actions: deny
rules:
  - name: bench-reads
    effect: allow
    tools: ["prometheus.*", "logs.*", "traces.*", "topology.*", "changes.*"]
rate_limits:
  global: {rate: 10000, burst: 10000}
  max_wait_seconds: 1
budgets:
  tool_calls: 400
  query_cost: 50000000
  wall_time_seconds: 600
# Public benchmark data that reaches no model, chat or log: redaction is off (it costs half the
# run time, and it mistakes Prometheus sample values, decimal strings whose 16 fraction digits
# can pass the card-number test, for card numbers, which corrupts them).
redaction:
  enabled: false
"""

# The one engine configuration of the benchmark (the same for every data set): the engine's
# defaults, with the dependency depth deep enough for Train Ticket's call chains and an onset
# tolerance of one 5-minute sample (the coarsest metric step among the data sets).
BENCH_ENGINE = EngineConfig(topology_depth=8, onset_tolerance_seconds=300.0)

ENTRY = "frontend"  # the synthetic alert's service where a data set has no alerted node


def bench_policy() -> Policy:
    return parse_policy(BENCH_POLICY, source="<bench policy>")


def _dt(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def case_alert(case: BenchCase) -> Alert:
    """The alert that opens the investigation: the data set's alerted node (PetShop's
    ``target.json``) or the user-facing entry (``frontend``) at the fault / SLO-violation onset.

    Where the data set states the alerted series (PetShop's ``metric`` and ``agg``:
    ``case.symptom``), the alert carries it as a Prometheus ``generatorURL`` whose expression
    selects that series as the embedded store holds it (``latency_average{service="PetSite"}``).
    The data set gives no threshold, so the expression is the alerted series itself."""
    service = case.target or ENTRY
    name = f"{case.kind}SloViolation" if case.target else "FrontendDegraded"
    url = None
    if case.symptom and case.target:
        expr = f"{case.symptom}{{service={json.dumps(case.target, ensure_ascii=False)}}}"
        url = "http://prometheus.bench.invalid/graph?" + urlencode({"g0.expr": expr, "g0.tab": "0"})
    return Alert(
        source="bench",
        fingerprint=f"bench:{case.dataset}:{case.id}",
        status=AlertStatus.FIRING,
        name=name,
        starts_at=_dt(onset(case)),
        labels={"alertname": name, "service": service},
        annotations={"summary": f"{name} on {service}"},
        service=service,
        severity=Severity.CRITICAL,
        generator_url=url,
    )


def onset(case: BenchCase) -> float:
    """When the alert fired: the data set's alert time (PetShop's SLO violation), else the fault."""
    inc0, inc1 = case.incident
    return min(max(case.alert_at, inc0), inc1) if case.alert_at is not None else inc0


def case_config(case: BenchCase) -> EngineConfig:
    """:data:`BENCH_ENGINE` with the engine's windows equal to the case's windows."""
    inc0, inc1 = case.incident
    ref0, ref1 = case.reference
    at = onset(case)
    return BENCH_ENGINE.model_copy(
        update={
            "incident_before_onset_seconds": at - inc0,
            "incident_after_onset_seconds": inc1 - at,
            "reference_seconds": ref1 - ref0,
            "reference_gap_seconds": inc0 - ref1,
        }
    )


def entry_edges(bundle: Bundle) -> list[tuple[str, str]]:
    """The data set's call graph; where there is no declared graph, the entry (``frontend``)
    calls the services that start traces (the roots of the spans)."""
    if bundle.edges:
        return list(bundle.edges)
    roots = sorted({s.service for s in bundle.spans if s.parent_id is None})
    return [(ENTRY, r) for r in roots if r != ENTRY]


@dataclass(slots=True)
class LoadedGroup:
    key: str
    telemetry: EmbeddedTelemetry
    topology: Path


def load(key: str, bundle: Bundle, workdir: Path) -> LoadedGroup:
    tel = EmbeddedTelemetry(":memory:")
    for s in bundle.series:
        samples = [(t, v) for t, v in zip(s.timestamps, s.values, strict=True) if not math.isnan(v)]
        tel.metrics.write_samples(s.name, s.labels, samples)
    if bundle.logs:
        tel.logs.write_logs(bundle.logs)
    if bundle.spans:
        tel.traces.write_spans(bundle.spans)
    path = workdir / f"topology-{abs(hash(key))}.yaml"
    edges = [{"caller": a, "callee": b} for a, b in entry_edges(bundle)]
    path.write_text(yaml.safe_dump({"edges": edges}))
    return LoadedGroup(key, tel, path)


@dataclass(slots=True)
class EngineRun:
    ranking: list[str]
    report: dict[str, Any]
    tool_calls: int
    refused: int


def ranked_services(report: dict[str, Any]) -> list[str]:
    """Causes, then what was ruled out, each service once in first-seen order."""
    seen: dict[str, None] = {}
    for part in ("causes", "ruled_out"):
        for item in report.get(part, []):
            svc = item.get("hypothesis", {}).get("service")
            if svc:
                seen.setdefault(str(svc), None)
    return list(seen)


def investigate(case: BenchCase, group: LoadedGroup, audit: Engine) -> EngineRun:
    config = case_config(case)
    clock = ManualClock(_dt(case.incident[1]))
    tools = build_tools(
        ToolsConfig(topology=TopologyConfig(file=group.topology)), group.telemetry, clock=clock
    )
    log_ref = [
        Window(_dt(a), _dt(b))
        for a, b in ([case.log_reference] if case.log_reference else []) + list(case.more_log_references)
    ]
    with assemble(
        tools, bench_policy(), audit, clock, config, durability="async", reference=log_ref or None
    ) as assembly:
        report: dict[str, Any] = {}
        calls = refused = 0
        for event in assembly.investigator.run(f"{case.dataset} {case.id}", [case_alert(case)]):
            if event.kind == "evidence":
                calls += 1
                if event.payload.get("status") not in ("ok", "no_data"):
                    refused += 1
            elif event.kind == "report":
                report = dict(event.payload.get("report", {}))
    return EngineRun(ranked_services(report), report, calls, refused)


@dataclass(slots=True)
class EngineRanker:
    """A ranker for :func:`autoheal.bench.runner.run_rca` that keeps one loaded group at a time
    (a Nezha day serves its ~20 faults) and one migrated audit database for the whole run."""

    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="autoheal-bench-")))
    audit: Engine | None = None
    group: LoadedGroup | None = None
    tool_calls: int = 0
    refused: int = 0
    causes: list[dict[str, Any]] = field(default_factory=list)  # the last report's (bench/inner.py)
    top_confidence: float = 0.0  # the last report's top cause's confidence (0 with no cause)
    second_confidence: float = 0.0  # the best confidence of another service in the last report
    top_verdict: str = ""  # the last report's top cause's verdict ("" with no cause)
    missing: list[str] = field(default_factory=list)  # the modalities the last report lacked
    coverage: float = 1.0  # the last report's evidence coverage (answered / asked modalities)

    def __call__(self, case: BenchCase, bundle: Bundle) -> list[str]:
        if self.audit is None:
            self.audit = create_db_engine("sqlite://")
            migrate(self.audit)
        if self.group is None or self.group.key != case.group:
            if self.group is not None:
                self.group.telemetry.close()
            self.group = load(case.group, bundle, self.workdir)
        run = investigate(case, self.group, self.audit)
        self.tool_calls += run.tool_calls
        self.refused += run.refused
        self.causes = inner.report_causes(run.report)
        causes = run.report.get("causes") or [{}]
        top = causes[0]
        # the engine's raw confidences (the calibration map's input; the reported ones are mapped)
        self.top_confidence = float(top.get("raw_confidence", top.get("confidence")) or 0.0)
        first = top.get("hypothesis", {}).get("service")
        self.second_confidence = max(
            (
                float(c.get("raw_confidence", c.get("confidence")) or 0.0)
                for c in causes
                if c.get("hypothesis", {}).get("service") != first
            ),
            default=0.0,
        )
        self.top_verdict = str(top.get("verification", {}).get("verdict", ""))
        self.missing = [str(g.get("modality")) for g in run.report.get("evidence_gaps", [])]
        self.coverage = report_scale(run.report)
        return run.ranking


def rank_all(cases: Iterable[tuple[BenchCase, Bundle]]) -> Iterator[tuple[BenchCase, list[str]]]:
    ranker = EngineRanker()
    for case, bundle in cases:
        yield case, ranker(case, bundle)

"""Run the deep investigation on each simulated fault, and score its top cause against the truth.

One investigation per fault, on the fault's opening alerts (those that fired within
``ONSET_SECONDS`` of its first), ``LOOK_AFTER_SECONDS`` after the first fired, over the scenario's
declared topology. It is assembled like every investigation (:func:`autoheal.assembly.assemble`):
the real tools (``build_tools``) behind a governance gateway holding the app's policy, every tool
call audited into the app's own trail (``audit``: the embedded app's database, so ``autoheal audit
verify`` checks it), the engine with the app's configuration. Its id is
``sim-<scenario>-fault-<n>``, so its records can be found in the trail. The tools can read the
embedded store or, with ``prometheus_url``, a real Prometheus serving the same metrics (see
:mod:`autoheal.sim.prometheus`).

The app investigates too (``pipeline/followups.py``, per alert group, as each delivery arrives and
again when the group changes); :mod:`autoheal.sim.play` reads those conclusions per alert. This
per-fault run is a different measurement: the whole incident (alerts from several groups) at one
moment after onset, the same for every scenario and backend.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import Engine

from autoheal.audit.trail import Durability
from autoheal.clock import ManualClock
from autoheal.domain.alerts import Alert, AlertStatus, Severity
from autoheal.domain.investigation import InvestigationEvent
from autoheal.governance.policy import Policy
from autoheal.graph.memory import Memory
from autoheal.reasoning.config import EngineConfig
from autoheal.sim.alerts import SimAlert
from autoheal.sim.engine import SimulatedRun
from autoheal.sim.truth import deployed_version, matched_kind
from autoheal.sim.webhook import fingerprint
from autoheal.telemetry.embedded import EmbeddedTelemetry

ONSET_SECONDS = 300.0  # alerts of a fault that fire within this of its first alert start the case
LOOK_AFTER_SECONDS = 300.0  # the investigation runs this long after the first alert


@dataclass
class InvestigationOutcome:
    fault: int
    truth: dict[str, str]
    alerts: list[str]
    top: dict[str, Any] | None
    ranked: list[dict[str, Any]]
    matched_service: bool
    matched_kind: bool
    tool_calls: int
    memory: dict[str, Any] | None = None  # with memory: the report's memory section, calls without it
    calls_by_phase: dict[str, int] | None = None  # "phase tool" -> governed calls (calls_by_phase)
    case: dict[str, Any] = field(default_factory=dict)  # what calibration reads (autoheal.sim.cases)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def calls_by_phase(events: Iterable[InvestigationEvent]) -> dict[str, int]:
    """Where an investigation's governed calls went: ``"phase tool" -> calls``. The phase is
    ``setup`` (candidate services, before any generator), the generator that was running
    (``memory`` for the similar-incidents generator), or ``verify`` (the checks, after the
    hypotheses were announced). A call answered from the investigation's cache is not counted,
    as in ``tool_calls``."""
    phase = "setup"
    out: dict[str, int] = {}
    for event in events:
        if event.kind == "step" and event.payload.get("step") == "generate":
            phase = str(event.payload.get("generator"))
        elif event.kind == "hypothesis":
            phase = "verify"
        elif event.kind == "evidence":
            key = f"{phase} {event.payload.get('evidence', {}).get('tool')}"
            out[key] = out.get(key, 0) + 1
    return out


def domain_alert(alert: SimAlert) -> Alert:
    return Alert(
        source="alertmanager",
        fingerprint=fingerprint(alert.labels),
        status=AlertStatus.FIRING,
        name=alert.name,
        starts_at=alert.starts_at,
        labels=alert.labels,
        annotations=alert.annotations,
        service=alert.service,
        severity=Severity(alert.labels.get("severity", "warning"))
        if alert.labels.get("severity") in {s.value for s in Severity}
        else Severity.WARNING,
    )


def investigation_id(run: SimulatedRun, fault: int) -> str:
    """The id of a fault's investigation (in its audit records' ``investigation_id``)."""
    return f"sim-{run.scenario.name}-fault-{fault}"


def write_topology(run: SimulatedRun, path: Path, *, declared: bool = True) -> Path:
    """The scenario's call graph as a topology file; with ``declared`` false, a file with no edge
    (a system that declares none: the call graph is then known from traces only)."""
    edges = [{"caller": a, "callee": b} for a, b, _ in run.topology.edges()] if declared else []
    path.write_text(yaml.safe_dump({"edges": edges}))
    return path


def investigate_faults(
    run: SimulatedRun,
    telemetry: EmbeddedTelemetry,
    workdir: Path,
    audit: Engine,
    *,
    policy: Policy | None = None,
    config: EngineConfig | None = None,
    durability: Durability = "sync",
    prometheus_url: str | None = None,
    memory: Memory | None = None,
    compare: bool = False,
    declared_topology: bool = True,
) -> list[InvestigationOutcome]:
    """Each fault's investigation, its tool calls audited into ``audit`` (a migrated database)
    under ``policy`` (default: the built-in default policy).

    With ``memory`` (the context graph), each fault is investigated with the priors recalled for
    its alerts, then resolved by the simulated responder (:mod:`autoheal.sim.responder`) and
    learned; the run's changes are recorded as they happen. An investigation that memory anchored
    (with ``compare``: every one that was offered a prior) is run once more without memory, to
    report the tool calls it saved and the ranking it would have had (``memory.without_memory``).
    With ``declared_topology`` false the topology tool is given no edge (``write_topology``)."""
    from autoheal.assembly import assemble
    from autoheal.governance.policy import default_policy
    from autoheal.sim.cases import report_case
    from autoheal.tools.registry import PrometheusConfig, ToolsConfig, TopologyConfig, build_tools

    topology = write_topology(run, Path(workdir) / "sim-topology.yaml", declared=declared_topology)
    tools_config = ToolsConfig(topology=TopologyConfig(file=topology))
    if prometheus_url:
        tools_config = tools_config.model_copy(
            update={"prometheus": PrometheusConfig.model_validate({"url": prometheus_url})}
        )
    out: list[InvestigationOutcome] = []
    for index, fault in enumerate(run.scenario.faults):
        mine = sorted((a for a in run.alerts if a.cause == index), key=lambda a: a.starts_at)
        if not mine:
            continue
        first = mine[0].starts_at
        opening = [a for a in mine if a.starts_at <= first + timedelta(seconds=ONSET_SECONDS)]
        now = first + timedelta(seconds=LOOK_AFTER_SECONDS)
        alerts = [domain_alert(a) for a in opening]
        subject = f"{opening[0].name} on {opening[0].service}"

        def investigate(
            prior: list[dict[str, Any]],
            suffix: str = "",
            *,
            now: Any = now,
            subject: str = subject,
            alerts: list[Alert] = alerts,
            index: int = index,
        ) -> tuple[int, dict[str, Any], dict[str, int]]:
            clock = ManualClock(now)
            with assemble(
                build_tools(tools_config, telemetry, clock=clock),
                policy or default_policy(),
                audit,
                clock,
                config,
                durability=durability,
            ) as assembly:
                events = list(
                    assembly.investigator.run(
                        subject, alerts, investigation_id=investigation_id(run, index) + suffix, prior=prior
                    )
                )
            found: dict[str, Any] = {}
            for event in events:
                if event.kind == "report":
                    found = dict(event.payload.get("report", {}))
            return sum(event.kind == "evidence" for event in events), found, calls_by_phase(events)

        priors: list[dict[str, Any]] = []
        if memory is not None:
            record_changes(memory, run, until=now)
            priors = [p.to_dict() for p in memory.recall(alerts, now)]
        calls, report, phases = investigate(priors)
        ranked = _ranked(report)
        top = ranked[0] if ranked else None
        remembered: dict[str, Any] | None = None
        if memory is not None:
            remembered = dict(report.get("memory") or {"anchored": False})
            remembered.pop("priors", None)
            if remembered.get("anchored") or (compare and priors):
                off_calls, off_report, off_phases = investigate([], "-without-memory")
                remembered["without_memory"] = {
                    "tool_calls": off_calls,
                    "ranked": _ranked(off_report),
                    "calls_by_phase": off_phases,
                }
            learn_fault(memory, run, index, alerts, report, top)
        out.append(
            InvestigationOutcome(
                fault=index,
                truth={"service": fault.service, "kind": fault.kind.value},
                alerts=[f"{a.name}/{a.service}" for a in opening],
                top=top,
                ranked=ranked,
                matched_service=bool(top and top["service"] == fault.service),
                matched_kind=matched_kind(fault.kind, top, deployed_version(run, index)),
                tool_calls=calls,
                memory=remembered,
                calls_by_phase=phases,
                case=report_case(report),
            )
        )
    return out


def _ranked(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "service": c["hypothesis"]["service"],
            "kind": c["hypothesis"]["kind"],
            "component": c["hypothesis"].get("component"),
            "confidence": c["confidence"],
            "verdict": c["verification"]["verdict"],
        }
        for c in report.get("causes", [])[:5]
    ]


def record_changes(memory: Memory, run: SimulatedRun, *, until: Any) -> None:
    """The run's changes up to ``until``, recorded as they happened (idempotent)."""
    for change in run.changes:
        if change.at <= until:
            memory.change(
                change.service,
                change.at,
                change_id=change.id,
                kind=change.kind.value,
                summary=change.summary,
                version=change.version,
            )


def learn_fault(
    memory: Memory,
    run: SimulatedRun,
    index: int,
    alerts: list[Alert],
    report: dict[str, Any],
    top: dict[str, Any] | None,
) -> None:
    """The simulated responder resolves fault ``index``; the graph learns the incident."""
    from autoheal.graph.learn import IncidentRecord
    from autoheal.sim.responder import resolution

    services = list(dict.fromkeys(a.service for a in alerts if a.service))
    steps, cause, resolved = resolution(run, index, top, services)
    memory.learn(
        IncidentRecord(
            key=investigation_id(run, index),
            title=f"{alerts[0].name} on {alerts[0].service}",
            opened_at=min(a.starts_at for a in alerts),
            resolved_at=resolved,
            alerts=alerts,
            report=report,
            steps=steps,
            root_cause=cause,
        )
    )

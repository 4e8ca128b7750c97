"""Run the deep investigation on each simulated incident, the way production would reach it.

The investigator (``autoheal.reasoning.engine.Investigator`` with the default generators and
checks) reads the simulated telemetry only through the real tools (``build_tools``) behind the
governance ``Gateway`` with the default policy. Until the pipeline schedules investigations
itself, ``autoheal sim run`` and the demo call this for the first signal alerts of every fault.
The tools can read the embedded store or, with ``prometheus_url``, a real Prometheus serving the
same metrics (see :mod:`autoheal.sim.prometheus`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import yaml

from autoheal.clock import ManualClock
from autoheal.domain.alerts import Alert, AlertStatus, Severity
from autoheal.sim.alerts import SimAlert
from autoheal.sim.engine import SimulatedRun
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

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


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


def write_topology(run: SimulatedRun, path: Path) -> Path:
    edges = [{"caller": a, "callee": b} for a, b, _ in run.topology.edges()]
    path.write_text(yaml.safe_dump({"edges": edges}))
    return path


def investigate_faults(
    run: SimulatedRun, telemetry: EmbeddedTelemetry, workdir: Path, *, prometheus_url: str | None = None
) -> list[InvestigationOutcome]:
    from autoheal.governance.gateway import Gateway
    from autoheal.governance.policy import default_policy
    from autoheal.reasoning.checks import default_checks
    from autoheal.reasoning.engine import Investigator
    from autoheal.reasoning.generators import default_generators
    from autoheal.tools.registry import PrometheusConfig, ToolsConfig, TopologyConfig, build_tools

    topology = write_topology(run, Path(workdir) / "sim-topology.yaml")
    config = ToolsConfig(topology=TopologyConfig(file=topology))
    if prometheus_url:
        config = config.model_copy(
            update={"prometheus": PrometheusConfig.model_validate({"url": prometheus_url})}
        )
    out: list[InvestigationOutcome] = []
    for index, fault in enumerate(run.scenario.faults):
        mine = sorted((a for a in run.alerts if a.cause == index), key=lambda a: a.starts_at)
        if not mine:
            continue
        first = mine[0].starts_at
        opening = [a for a in mine if a.starts_at <= first + timedelta(seconds=ONSET_SECONDS)]
        clock = ManualClock(first + timedelta(seconds=LOOK_AFTER_SECONDS))
        gateway = Gateway(build_tools(config, telemetry, clock=clock), default_policy(), clock=clock)
        investigator = Investigator(default_generators(), default_checks(), gateway, clock)
        subject = f"{opening[0].name} on {opening[0].service}"
        report: dict[str, Any] = {}
        calls = 0
        for event in investigator.run(subject, [domain_alert(a) for a in opening]):
            if event.kind == "evidence":
                calls += 1
            if event.kind == "report":
                report = dict(event.payload.get("report", {}))
        causes = report.get("causes", [])
        ranked = [
            {
                "service": c["hypothesis"]["service"],
                "kind": c["hypothesis"]["kind"],
                "confidence": c["confidence"],
                "verdict": c["verification"]["verdict"],
            }
            for c in causes[:5]
        ]
        top = ranked[0] if ranked else None
        out.append(
            InvestigationOutcome(
                fault=index,
                truth={"service": fault.service, "kind": fault.kind.value},
                alerts=[f"{a.name}/{a.service}" for a in opening],
                top=top,
                ranked=ranked,
                matched_service=bool(top and top["service"] == fault.service),
                matched_kind=bool(top and top["kind"] == fault.kind.value),
                tool_calls=calls,
            )
        )
    return out

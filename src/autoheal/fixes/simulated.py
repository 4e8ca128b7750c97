"""Preventive fixes for a simulated run played through an embedded Autoheal (``autoheal demo``,
``autoheal bench fixes``): for each fault, the app's own finished investigation of the fault's
opening alerts are investigated by the app as the incident stood when it was understood, and fixes are generated as on resolution, with the
simulated shop's alerting rules as the rules repository (:mod:`autoheal.sim.rulefile`), metrics
read through the app's governance gateway, and regression tests run against the simulated service.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from autoheal.fixes.base import GatewaySeries
from autoheal.fixes.config import FixesConfig
from autoheal.fixes.context import context_for_investigation
from autoheal.fixes.regression_run import run_regression
from autoheal.fixes.service import FixService, GenerationResult
from autoheal.pipeline.followups import record_investigation
from autoheal.sim.engine import SimulatedRun
from autoheal.sim.investigate import LOOK_AFTER_SECONDS, ONSET_SECONDS, domain_alert, investigation_id
from autoheal.sim.rulefile import write_rules


@dataclass
class FaultFixes:
    fault: int
    investigation_id: str | None
    result: GenerationResult | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "fault": self.fault,
            "investigation_id": self.investigation_id,
            **(
                self.result.to_dict()
                if self.result
                else {"offered": [], "failed": [], "notes": ["no finished investigation with a root cause"]}
            ),
        }


def investigate_fault(app: Any, run: SimulatedRun, fault: int) -> str | None:
    """Investigate the fault's opening alerts with the app's own investigator, as the incident
    stood ``LOOK_AFTER_SECONDS`` after its first alert (the moment the simulator's per-fault
    investigation is scored at), stored in the app's investigations table. Returns its id."""
    mine = sorted((a for a in run.alerts if a.cause == fault), key=lambda a: a.starts_at)
    if not mine:
        return None
    first = mine[0].starts_at
    opening = [a for a in mine if a.starts_at <= first + timedelta(seconds=ONSET_SECONDS)]
    later = app.clock.now()
    app.clock.set(first + timedelta(seconds=LOOK_AFTER_SECONDS))
    found = f"{investigation_id(run, fault)}-resolution"
    try:
        for _ in record_investigation(
            app.investigator,
            app.sessions,
            app.clock,
            f"{opening[0].name} on {opening[0].service}",
            [domain_alert(a) for a in opening],
            found,
        ):
            pass
    finally:
        app.clock.set(later)
    return found


RESPONDER = "human:sim-responder"


def record_noise_outcomes(app: Any, run: SimulatedRun) -> int:
    """The story's responder says what the scenario's declared noise alerts were: each stored
    signal verdict of such an alert gets the outcome ``not_actionable`` (as ``autoheal triage
    outcome`` would record it, audited). Returns how many verdicts were marked."""
    from sqlalchemy import select

    from autoheal.reasoning.store import TriageVerdictRow
    from autoheal.reasoning.triage.model import Outcome
    from autoheal.reasoning.triage.outcomes import OutcomeDecision, record_outcome

    declared = [(n.alert, n.service) for n in run.scenario.ground_truth.noise_alerts]
    marked = 0
    with app.sessions() as session:
        rows = list(
            session.scalars(
                select(TriageVerdictRow).where(TriageVerdictRow.kind.in_(("signal", "known_issue")))
            )
        )
    for row in rows:
        if any(
            f'alertname="{alert}"' in row.group_key and (svc is None or row.service == svc)
            for alert, svc in declared
        ):
            record_outcome(
                app.sessions,
                app.governance.audit,
                OutcomeDecision(row.id, Outcome.NOT_ACTIONABLE, None, RESPONDER),
            )
            marked += 1
    return marked


def fixes_for_run(
    app: Any,
    run: SimulatedRun,
    workdir: Path,
    *,
    scenario: str | None = None,
    decide: Callable[[GenerationResult], None] | None = None,
) -> list[FaultFixes]:
    """Each fault's fixes, generated in fault order; ``decide`` (the story's responder) acts on
    each fault's result before the next fault's are generated, so what it rejects is learned."""
    rules_dir = Path(workdir) / "rules-repo"
    write_rules(run, rules_dir)
    config = FixesConfig(rules_dir=rules_dir)
    service = FixService(app.sessions, app.clock, regression=run_regression)
    out = []
    for index in range(len(run.scenario.faults)):
        found = investigate_fault(app, run, index)
        if found is None:
            out.append(FaultFixes(index, None, None))
            continue
        series = GatewaySeries(app.governance.gateway, investigation_id=f"fixes-{found}")
        with app.sessions() as session:
            ctx = context_for_investigation(session, found, series, config, app.clock.now())
        if ctx is None:
            out.append(FaultFixes(index, found, None))
            continue
        ctx.sim_scenario = scenario or run.scenario.name
        ctx.sim_fault = index
        incident = incident_for_fault(app, run, index)
        if incident is not None:
            from autoheal.fixes.resolution import timeline_entries

            ctx.ref = incident.ref
            ctx.timeline = timeline_entries(app, incident.ref)
            ctx.resolved_at = incident.resolved_at
        result = service.generate(ctx, incident_id=incident.ref if incident is not None else None)
        result.notes += series.failures
        out.append(FaultFixes(index, found, result))
        if decide is not None:
            decide(result)
    return out


def incident_for_fault(app: Any, run: SimulatedRun, fault: int) -> Any | None:
    """The incident Autoheal opened for the fault: the first one joined by the group of the
    fault's first alert, opened at or after that alert (None: no incident was opened)."""
    from sqlalchemy import select

    from autoheal.incidents.store import IncidentGroupRow, IncidentRow
    from autoheal.sim.webhook import fingerprint
    from autoheal.store.models import AlertGroupRow, AlertRow

    mine = sorted((a for a in run.alerts if a.cause == fault), key=lambda a: a.starts_at)
    if not mine:
        return None
    first = mine[0].starts_at
    with app.sessions() as session:
        key = session.scalar(
            select(AlertGroupRow.key)
            .join(AlertRow, AlertRow.group_id == AlertGroupRow.id)
            .where(AlertRow.fingerprint == fingerprint(mine[0].labels))
        )
        if key is None:
            return None
        found = session.scalar(
            select(IncidentRow.id)
            .join(IncidentGroupRow, IncidentGroupRow.incident_id == IncidentRow.id)
            .where(IncidentGroupRow.group_key == key, IncidentRow.opened_at >= first - timedelta(seconds=60))
            .order_by(IncidentRow.opened_at)
            .limit(1)
        )
    return None if found is None else app.incidents.service.get(found)

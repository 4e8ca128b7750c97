"""Judge what the pipeline concluded, when it concluded it (docs/scenarios.md "When a cause counts as right").

Every investigation the server ran during a simulated run is read back through its API
(``GET /api/v1/investigations`` and ``/{id}``) with its finish time on the simulated clock. Each
is judged against the ground truth *at that time*: its alerts are the alert episodes that had
fired by then (the latest episode of each fingerprint it covered), and the faults behind those
episodes are what it had to find. The report a responder would have read first for a fault is
the one that counts most:

* per fault: the first report (the earliest finished investigation covering the fault's alerts),
  the final report (the last one), whether each names the fault (:func:`autoheal.sim.truth.matched_kind`
  and the service), and the time from the fault's first alert to the first report that did;
* an investigation of alerts that are not a fault (noise) must end with no supported cause: a
  supported cause there is a *false finding*.

The run's verdict (``first_report_matches_ground_truth``, ``no_false_findings_on_noise``) is
built from these; an investigation that failed, or none at all, is not a right answer.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx

from autoheal.clock import utc
from autoheal.sim.alerts import SimAlert
from autoheal.sim.cases import report_case
from autoheal.sim.engine import SimulatedRun
from autoheal.sim.truth import deployed_version, matched_kind
from autoheal.sim.webhook import fingerprint

SUPPORTED = "supported"


@dataclass(frozen=True)
class LiveInvestigation:
    """One investigation as the server stored it: id, status, times, its alerts and its report."""

    id: str
    subject: str
    status: str
    started_at: datetime
    finished_at: datetime | None
    fingerprints: tuple[str, ...]
    report: Mapping[str, Any] | None
    error: str | None = None

    @property
    def causes(self) -> list[Mapping[str, Any]]:
        return list((self.report or {}).get("causes") or [])

    @property
    def top(self) -> dict[str, Any] | None:
        """The first cause of the report, as a responder reads it."""
        causes = self.causes
        if not causes:
            return None
        hyp = causes[0].get("hypothesis", {})
        return {
            "service": hyp.get("service"),
            "kind": hyp.get("kind"),
            "component": hyp.get("component"),
            "confidence": causes[0].get("confidence"),
            "verdict": (causes[0].get("verification") or {}).get("verdict"),
            "statement": hyp.get("statement"),
        }

    @property
    def supported(self) -> list[Mapping[str, Any]]:
        """The causes the report states as supported (a confident finding)."""
        return [c for c in self.causes if (c.get("verification") or {}).get("verdict") == SUPPORTED]


@dataclass
class JudgedInvestigation:
    id: str
    subject: str
    status: str
    finished_at: str | None
    alerts: list[str]
    faults: list[int]  # the faults behind its alerts at the time it finished (empty: noise only)
    noise: bool  # every alert it covered was noise
    top: dict[str, Any] | None
    correct: bool | None  # names one of ``faults``; None for a noise investigation
    false_finding: bool  # noise, and the report still states a supported cause
    error: str | None = None
    ranked: list[tuple[str, str, float]] = field(default_factory=list)  # the first five causes
    case: dict[str, Any] = field(default_factory=dict)  # what calibration reads (autoheal.sim.cases)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class FaultJudgement:
    fault: int
    truth: dict[str, str]
    onset: str
    investigations: list[str]
    first_report: str | None
    first_correct: bool
    final_report: str | None
    final_correct: bool
    first_top: dict[str, Any] | None = None
    final_top: dict[str, Any] | None = None
    seconds_to_correct: float | None = None  # from the fault's first alert to the first right report

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class Judgement:
    faults: list[FaultJudgement] = field(default_factory=list)
    investigations: list[JudgedInvestigation] = field(default_factory=list)
    noise_alerts: int = 0  # alerts the run expects to be noise (the check is made whenever there are)

    @property
    def false_findings(self) -> list[JudgedInvestigation]:
        return [i for i in self.investigations if i.false_finding]

    def checks(self) -> dict[str, bool]:
        out: dict[str, bool] = {}
        if self.faults:
            out["first_report_matches_ground_truth"] = all(f.first_correct for f in self.faults)
        if self.noise_alerts or any(i.noise for i in self.investigations):
            out["no_false_findings_on_noise"] = not self.false_findings
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "faults": [f.to_dict() for f in self.faults],
            "first_reports_correct": sum(f.first_correct for f in self.faults),
            "final_reports_correct": sum(f.final_correct for f in self.faults),
            "false_findings": len(self.false_findings),
            "noise_alerts": self.noise_alerts,
            "noise_investigated": sum(i.noise for i in self.investigations),
            "false_finding_reports": [
                {"id": i.id, "alerts": i.alerts, "top": i.top} for i in self.false_findings
            ],
            "investigations": [i.to_dict() for i in self.investigations],
        }


def read_investigations(client: httpx.Client, headers: Mapping[str, str]) -> list[LiveInvestigation]:
    """Every investigation the server holds, with its report, oldest first."""
    listed = client.get("/api/v1/investigations", params={"limit": 500}, headers=dict(headers))
    listed.raise_for_status()
    out = []
    for row in listed.json().get("investigations", []):
        detail = client.get(f"/api/v1/investigations/{row['id']}", headers=dict(headers))
        detail.raise_for_status()
        d = detail.json()
        out.append(
            LiveInvestigation(
                id=d["id"],
                subject=d.get("subject", ""),
                status=d.get("status", ""),
                started_at=_time(d["started_at"]),
                finished_at=_time(d["finished_at"]) if d.get("finished_at") else None,
                fingerprints=tuple(d.get("alert_fingerprints") or ()),
                report=d.get("report"),
                error=d.get("error"),
            )
        )
    # ids are random: investigations that finished in the same (simulated) second are ordered by subject
    return sorted(out, key=lambda i: (i.finished_at or i.started_at, i.started_at, i.subject, i.id))


def _time(text: str) -> datetime:
    """An API timestamp as an aware UTC datetime (SQLite hands back naive UTC ones)."""
    return utc(datetime.fromisoformat(text))


def episodes_at(run: SimulatedRun, fingerprints: Iterable[str], at: datetime) -> list[SimAlert]:
    """The alert episodes an investigation at ``at`` covered: per fingerprint, the latest episode
    that had fired by then."""
    by_fp: dict[str, list[SimAlert]] = {}
    for alert in run.alerts:
        by_fp.setdefault(fingerprint(alert.labels), []).append(alert)
    out = []
    for fp in dict.fromkeys(fingerprints):
        fired = [a for a in by_fp.get(fp, []) if a.starts_at <= at]
        if fired:
            out.append(max(fired, key=lambda a: a.starts_at))
    return out


def names_fault(run: SimulatedRun, index: int, top: Mapping[str, Any] | None) -> bool:
    """Whether ``top`` names fault ``index``: its service and, by the acceptance table, its kind."""
    if not top:
        return False
    fault = run.scenario.faults[index]
    return top.get("service") == fault.service and matched_kind(fault.kind, top, deployed_version(run, index))


def judge_investigation(run: SimulatedRun, inv: LiveInvestigation) -> JudgedInvestigation:
    at = inv.finished_at or inv.started_at
    covered = episodes_at(run, inv.fingerprints, at)
    faults = sorted({a.cause for a in covered if a.cause is not None and a.expected == "signal"})
    noise = bool(covered) and all(a.expected == "noise" for a in covered)
    top = inv.top if inv.status == "finished" else None
    return JudgedInvestigation(
        id=inv.id,
        subject=inv.subject,
        status=inv.status,
        finished_at=inv.finished_at.isoformat() if inv.finished_at else None,
        alerts=[f"{a.name}/{a.service}" for a in covered],
        faults=faults,
        noise=noise,
        top=top,
        correct=None if not faults else any(names_fault(run, f, top) for f in faults),
        false_finding=noise and inv.status == "finished" and bool(inv.supported),
        error=inv.error,
        ranked=[
            (
                str(c["hypothesis"].get("service")),
                str(c["hypothesis"].get("kind")),
                float(c.get("confidence") or 0.0),
            )
            for c in inv.causes[:5]
        ],
        case=report_case(inv.report) if inv.status == "finished" else {},
    )


def judge(run: SimulatedRun, investigations: Sequence[LiveInvestigation]) -> Judgement:
    """Every investigation against the truth when it finished; per fault its first and final report."""
    judged = [judge_investigation(run, inv) for inv in investigations]
    result = Judgement(investigations=judged, noise_alerts=sum(a.expected == "noise" for a in run.alerts))
    for index, fault in enumerate(run.scenario.faults):
        mine = sorted((a for a in run.alerts if a.cause == index), key=lambda a: a.starts_at)
        if not mine:
            continue  # a fault no alert rule saw: nothing for the pipeline to investigate
        onset = mine[0].starts_at
        reports = [j for j in judged if index in j.faults]
        first, final = (reports[0], reports[-1]) if reports else (None, None)
        right = next((j for j in reports if j.finished_at and names_fault(run, index, j.top)), None)
        result.faults.append(
            FaultJudgement(
                fault=index,
                truth={"service": fault.service, "kind": fault.kind.value},
                onset=onset.isoformat(),
                investigations=[j.id for j in reports],
                first_report=first.id if first else None,
                first_correct=bool(first and names_fault(run, index, first.top)),
                final_report=final.id if final else None,
                final_correct=bool(final and names_fault(run, index, final.top)),
                first_top=first.top if first else None,
                final_top=final.top if final else None,
                seconds_to_correct=(
                    round((datetime.fromisoformat(right.finished_at) - onset).total_seconds(), 1)
                    if right and right.finished_at
                    else None
                ),
            )
        )
    return result

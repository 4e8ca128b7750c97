"""What ``autoheal demo`` adds after the story is played: the preventive fixes of each resolved
fault (:mod:`autoheal.fixes.simulated`) and the on-call report over the story, for a team owning
every simulated service. The story's responder (scripted) accepts and merges the first leading
indicator rule and rejects the first SLO rules (:func:`respond`). It first records that the scenario's declared noise
alerts were not actionable (as a human would with ``autoheal triage outcome``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from autoheal.fixes.simulated import RESPONDER, fixes_for_run, record_noise_outcomes
from autoheal.reports.config import ReportsConfig
from autoheal.reports.oncall import build_report
from autoheal.sim.engine import SimulatedRun

TEAM = "shop"


def story_extras(server: Any, run: SimulatedRun) -> dict[str, Any]:
    app = server.autoheal
    marked = record_noise_outcomes(app, run)
    decisions: list[dict[str, Any]] = []
    per_fault = [
        f.to_dict()
        for f in fixes_for_run(
            app, run, Path(server.workdir), decide=lambda r: decisions.extend(respond(app, r))
        )
    ]
    offered = [o for f in per_fault for o in f["offered"]]
    failed = [o for f in per_fault for o in f.get("failed", [])]
    suppressed = [o for f in per_fault for o in f.get("suppressed", [])]
    with app.sessions() as session:
        report = build_report(
            session, ReportsConfig(teams={TEAM: run.topology.names()}), run.start, app.clock.now(), team=TEAM
        )
    return {
        "noise_outcomes_recorded": marked,
        "decisions": decisions,
        "fixes": {
            "generated": len(offered) + len(failed),
            "offered": len(offered),
            "valid": len(offered),
            "failed_checks": len(failed),
            "suppressed": len(suppressed),
            "by_kind": _count(o["kind"] for o in offered),
            "per_fault": per_fault,
        },
        "report": report.to_dict(),
        "report_summary": report.summary(),
    }


def respond(app: Any, result: Any) -> list[dict[str, Any]]:
    """The story's responder on the first fault's fixes: accepts and merges the leading-indicator
    rule, rejects the SLO rules (the team keeps its SLOs elsewhere) — so the recurrence shows a
    rejected fix not proposed again, and the report a merged one."""
    from autoheal.fixes.decisions import decide

    out = []
    for fix_id, fix in result.offered:
        steps: list[tuple[str, str | None]] = []
        if fix.kind.value == "leading_indicator":
            steps = [("accept", "catches the bad release earlier"), ("merged", None)]
        elif fix.kind.value == "slo_burn_rate":
            steps = [("reject", "our SLOs live in the SLO tool, not in hand-written rules")]
        for decision, reason in steps:
            out.append(
                decide(
                    app.sessions,
                    app.governance.audit,
                    app.clock,
                    fix_id,
                    decision,
                    by=RESPONDER,
                    reason=reason,
                )
            )
    return out


def _count(items: Any) -> dict[str, int]:
    out: dict[str, int] = {}
    for item in items:
        out[item] = out.get(item, 0) + 1
    return out


def print_extras(summary: dict[str, Any], console: Console) -> None:
    from autoheal.cli.report import print_report

    fixes = summary["fixes"]
    table = Table(title="Preventive fixes offered on resolution (each passed promtool / pytest)")
    for col in ("fault", "id", "kind"):
        table.add_column(col, no_wrap=True)
    table.add_column("title", overflow="fold", ratio=3)
    table.add_column("checks", overflow="fold", ratio=2)
    for fault in fixes["per_fault"]:
        for o in fault["offered"]:
            table.add_row(
                str(fault["fault"]), str(o["id"]), o["kind"], o["title"], ", ".join(o.get("checks", []))
            )
        for o in fault.get("suppressed", []):
            table.add_row(str(fault["fault"]), "-", o["kind"], o["title"], f"not offered again: {o['why']}")
        for o in fault.get("failed", []):
            table.add_row(
                str(fault["fault"]), "-", o["kind"], o["title"], "[red]failed its checks: not offered[/red]"
            )
    console.print(table)
    console.print(
        f"fixes: {fixes['offered']} offered, {fixes['failed_checks']} failed their checks, "
        f"{fixes['suppressed']} already offered; `autoheal fixes list` / `show` / `accept` on the API's database.",
        highlight=False,
    )
    print_report(summary["report"])

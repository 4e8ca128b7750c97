"""`autoheal demo`: the whole loop on a simulated shop, with no external service.

Starts an embedded Autoheal (temporary SQLite database, simulated clock), plays the ``demo-story``
scenario through its real webhook endpoint (a flapping alert, a checkout release that breaks orders,
the same class of fault again three hours later), prints what Autoheal concluded next to the ground
truth, then leaves the API running until Ctrl-C (``--no-serve`` exits; ``--json`` prints a summary
whose last line is one JSON object with ``seconds`` and ``ground_truth_matched``).
"""

from __future__ import annotations

import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from autoheal.cli.common import console, err_console, guarded, print_json

STORY = "demo-story"


def register(root: typer.Typer) -> None:
    @root.command()
    @guarded
    def demo(
        json_output: bool = typer.Option(False, "--json", help="print a machine-readable summary and exit"),
        no_serve: bool = typer.Option(False, "--no-serve", help="exit after the summary"),
        port: int = typer.Option(0, help="port for the API (default: a free one)"),
        scenario: str = typer.Option(STORY, help="play another scenario instead of the demo story"),
    ) -> None:
        """Play a short incident story on a simulated shop through an embedded Autoheal."""
        summary = run_demo(scenario, port=port, quiet=json_output, serve=not (json_output or no_serve))
        if json_output:
            print_json(summary)
        if not summary["ground_truth_matched"]:
            raise typer.Exit(1)


def run_demo(scenario: str, *, port: int = 0, quiet: bool = False, serve: bool = False) -> dict[str, Any]:
    from autoheal.sim import load_scenario, simulate
    from autoheal.sim.play import EmbeddedAutoheal, play
    from autoheal.sim.story_incidents import IncidentStory

    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="autoheal-demo-") as tmp:
        with console.status("simulating the shop (12 services)...") as status:
            if quiet:
                status.stop()
            story = load_scenario(scenario)
            run = simulate(story)
            status.update("starting an embedded Autoheal (temporary database)...")
            incidents = IncidentStory.start()  # fake Slack and PagerDuty, a scripted responder
            server = EmbeddedAutoheal.for_run(run, Path(tmp), port=port, incidents=incidents)
            try:
                status.update(
                    f"telemetry: {len(run.logs)} log lines, {len(run.spans)} spans, {len(run.changes)} changes"
                )

                def progress(i: int, n: int) -> None:
                    status.update(f"sending alerts through POST /api/v1/alerts/alertmanager: {i}/{n}")

                respond = incidents.after_delivery(server, run, None if quiet else progress)
                result = play(run, server, on_delivery=respond)
                status.update("generating preventive fixes (checked with promtool) and the on-call report...")
                from autoheal.fixes.demo import story_extras

                extras = story_extras(server, run)
            except BaseException:
                server.stop()
                incidents.stop()
                raise
        out = result.to_dict()
        summary = {
            "scenario": story.name,
            "simulated": {"from": run.start.isoformat(), "to": run.end.isoformat(), **run.summary()},
            "story": _story(out),
            "investigations": out["investigations"],
            "checks": out["checks"],
            "verdicts_available": out["verdicts_available"],
            "fixes": extras["fixes"],
            "report": extras["report_summary"],
            "api": server.url,
            "ground_truth_matched": out["ground_truth_matched"],
            "seconds": round(time.perf_counter() - started, 3),
        }
        summary["incident"] = incidents.summary(server, run)
        summary["ground_truth_matched"] = summary["ground_truth_matched"] and summary["incident"]["matched"]
        if not quiet:
            _print(summary, out)
            from autoheal.sim.story_incidents import print_summary

            print_summary(console, summary["incident"])
            from autoheal.fixes.demo import print_extras

            print_extras({**summary, "report": extras["report"]}, console)
        if serve:
            _serve(server)
        else:
            server.stop()
        incidents.stop()
    return summary


def _story(out: dict[str, Any]) -> list[dict[str, Any]]:
    """One line per (alert, service): the ground truth and what Autoheal concluded."""
    lines: dict[tuple[str, str, str], dict[str, Any]] = {}
    for a in out["alerts"]:
        key = (a["alert"], a["service"], str(a["fault"]))
        line = lines.setdefault(
            key,
            {
                "alert": a["alert"],
                "service": a["service"],
                "first_fired": a["at"],
                "episodes": 0,
                "truth": a["expected"],
                "cause": a["cause"],
                "verdicts": [],
                "flapping": a["flapping"],
                "committed": a["committed"],
                "matched": True,
            },
        )
        line["episodes"] += 1
        if a["verdict"]:
            line["verdicts"].append(a["verdict"])
        line["committed"] = line["committed"] and a["committed"]
        line["matched"] = line["matched"] and a["matched"] is not False and a["committed"]
    return list(lines.values())


def _print(summary: dict[str, Any], out: dict[str, Any]) -> None:
    sim = summary["simulated"]
    console.rule("[bold]Autoheal demo")
    console.print(
        f"Simulated {sim['from'][:16]} -> {sim['to'][:16]} UTC: {sim['services']} services, "
        f"{sim['series']} metric series, {sim['logs']} log lines, {sim['spans']} spans, {sim['changes']} changes; "
        f"{sim['alerts']} alert episodes sent as {sim['deliveries']} Alertmanager webhooks."
    )
    table = Table(title="What happened, and what Autoheal made of it")
    for column in ("first fired", "alert", "service", "episodes", "ground truth", "Autoheal", "ok"):
        table.add_column(column, overflow="fold")
    for line in summary["story"]:
        truth = (
            "noise"
            if line["truth"] == "noise"
            else f"signal: {line['cause']['kind']} on {line['cause']['service']}"
        )
        seen = ", ".join(sorted(set(line["verdicts"]))) or (
            "stored" if line["committed"] else "[red]lost[/red]"
        )
        if line["flapping"]:
            seen += ", flapping"
        table.add_row(
            line["first_fired"][11:16],
            line["alert"],
            line["service"],
            str(line["episodes"]),
            truth,
            seen,
            "[green]yes[/green]" if line["matched"] else "[red]no[/red]",
        )
    console.print(table)
    from autoheal.cli.sim import _print_investigations

    _print_investigations(summary["investigations"])
    for name, ok in summary["checks"].items():
        console.print(f"  {'[green]ok[/green]' if ok else '[red]FAILED[/red]'}  {name.replace('_', ' ')}")
    if not summary["verdicts_available"]:
        err_console.print(
            "  triage verdicts are not exposed by this build yet: ingestion and the deep investigation are compared."
        )
    console.print(
        f"ground truth matched: [bold]{summary['ground_truth_matched']}[/bold] in {summary['seconds']} s"
    )


def _serve(server: Any) -> None:
    console.rule("[bold]Explore")
    console.print(
        f"API:          {server.url}  (GET /healthz, /api/v1/alerts, /api/v1/groups)", highlight=False
    )
    console.print(f"admin token:  {server.admin_token}", highlight=False)
    console.print(
        f"example:      curl -H 'Authorization: Bearer {server.admin_token}' {server.url}/api/v1/alerts",
        highlight=False,
    )
    console.print("Ctrl-C to stop.")
    stop = threading.Event()
    try:
        while not stop.wait(1.0):  # until Ctrl-C
            pass
    except KeyboardInterrupt:
        console.print("stopping...")
    finally:
        server.stop()

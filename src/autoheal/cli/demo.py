"""`autoheal demo`: the whole loop on a simulated shop, with no external service.

Starts an embedded Autoheal (temporary SQLite database, simulated clock), plays the ``demo-story``
scenario through its real webhook endpoint (a flapping alert, a checkout release that breaks orders,
the same class of fault again three hours later), prints what Autoheal concluded next to the ground
truth — every investigation the pipeline ran during the story, judged when it finished, the first
report of each fault counting most (:mod:`autoheal.sim.judge`) — then leaves the API running until
Ctrl-C with its URL, tokens and database printed (``--no-serve`` exits; ``--json`` prints a summary
whose last line is one JSON object with ``seconds`` and ``ground_truth_matched``, and ``api`` only
while something is left running).
"""

from __future__ import annotations

import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import typer
from rich import box
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
    from autoheal.sim.memory_live import live_memory
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
                    status.update(
                        f"sending alerts through POST /api/v1/alerts/alertmanager: {i}/{n} "
                        "(triage and investigations run as they arrive)"
                    )

                respond = incidents.after_delivery(server, run, None if quiet else progress)
                # the pipeline's own investigations are judged; the app learns each incident the
                # responder resolves and anchors the next similar alert on it, live (docs/graph.md);
                # the after-the-fact per-fault investigations are extra information, without memory
                result = play(
                    run,
                    server,
                    on_delivery=respond,
                    on_step=None if quiet else status.update,
                    investigate=True,
                )
                status.update("generating preventive fixes (checked with promtool) and the on-call report...")
                from autoheal.fixes.demo import story_extras

                extras = story_extras(server, run)
            except BaseException:
                server.stop()
                incidents.stop()
                raise
        out = result.to_dict()
        incidents.finish(server)  # the responder's last steps: the last incident is learned too
        summary: dict[str, Any] = {
            "scenario": story.name,
            "simulated": {"from": run.start.isoformat(), "to": run.end.isoformat(), **run.summary()},
            "story": _story(out),
            "faults": out["faults"],
            "first_reports_correct": out["first_reports_correct"],
            "final_reports_correct": out["final_reports_correct"],
            "false_findings": out["false_findings"],
            "false_finding_reports": out["false_finding_reports"],
            "noise_alerts": out["noise_alerts"],
            "noise_investigated": out["noise_investigated"],
            "investigations": out["investigations"],
            "checks": out["checks"],
            "verdicts_available": out["verdicts_available"],
            "fixes": extras["fixes"],
            "report": extras["report_summary"],
            "ground_truth_matched": out["ground_truth_matched"],
            "memory": live_memory(server.autoheal, out["investigations"]),
            "after_the_fact": out["after_the_fact"],
            "seconds": round(time.perf_counter() - started, 3),
        }
        summary["incident"] = incidents.summary(server, run)
        summary["ground_truth_matched"] = summary["ground_truth_matched"] and summary["incident"]["matched"]
        if serve:  # only while something is left running
            summary["api"] = _access(server)
            summary["console"] = f"{server.url}/console"
        if not quiet:
            _print(summary)
            from autoheal.sim.story_incidents import print_summary

            print_summary(console, summary["incident"])
            from autoheal.fixes.demo import print_extras

            print_extras({**summary, "report": extras["report"]}, console)
        if serve:
            _serve(server, summary["api"])
        else:
            server.stop()
        incidents.stop()
    return summary


def _story(out: dict[str, Any]) -> list[dict[str, Any]]:
    """One line per (alert, service, fault): the ground truth and what Autoheal concluded."""
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
                "fault": a["fault"],
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


def _access(server: Any) -> dict[str, str]:
    """How to reach what is left running: the API, its admin token, the webhook and its token."""
    return {
        "url": server.url,
        "admin_token": server.admin_token,
        "webhook_url": f"{server.url}/api/v1/alerts/alertmanager",
        "source_token": server.source_token,
        "database": str(server.workdir / "autoheal.db"),
    }


def _print(summary: dict[str, Any]) -> None:
    """Tables that fit 80 columns: the alerts, then each fault's first and final report."""
    from autoheal.cli.sim import print_false_findings, print_faults, yes

    sim = summary["simulated"]
    console.rule("[bold]Autoheal demo")
    console.print(
        f"Simulated {sim['from'][:16]} -> {sim['to'][:16]} UTC: {sim['services']} services, "
        f"{sim['series']} metric series, {sim['logs']} log lines, {sim['spans']} spans, {sim['changes']} changes; "
        f"{sim['alerts']} alert episodes sent as {sim['deliveries']} Alertmanager webhooks."
    )
    table = Table(title="What happened, and what triage made of it", box=box.SIMPLE_HEAD)
    for column in ("fired", "alert", "service", "n", "truth", "Autoheal", "ok"):
        table.add_column(column, overflow="fold", no_wrap=column in ("alert", "service"))
    for line in summary["story"]:
        truth = "noise" if line["truth"] == "noise" else f"fault {line['fault']}"
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
            yes(line["matched"]),
        )
    console.print(table)
    print_faults(summary["faults"])
    print_false_findings(summary["false_finding_reports"], summary)
    for anchor in summary["memory"]["anchors"]:  # the context graph at work (docs/graph.md)
        console.print(
            f"  memory (live): fault {anchor['fault']}'s investigation {anchor['investigation']} was anchored "
            f"on incident {anchor['anchored_on']} (similar because {anchor['because']}): "
            f"{anchor['tool_calls']} tool calls, {anchor['anchor_tool_calls']} when that incident was "
            "first investigated",
            highlight=False,
        )
    for name, ok in summary["checks"].items():
        console.print(f"  {'[green]ok[/green]' if ok else '[red]FAILED[/red]'}  {name.replace('_', ' ')}")
    if not summary["verdicts_available"]:
        err_console.print(
            "  triage verdicts are not exposed by this build yet: ingestion and investigations are compared."
        )
    console.print(
        f"ground truth matched: [bold]{summary['ground_truth_matched']}[/bold] in {summary['seconds']} s"
    )


def explore_lines(access: dict[str, str]) -> list[str]:
    """What ``make demo`` prints to explore the running server (URL, tokens, webhook, database,
    one ready ``export`` line)."""
    return [
        f"API:          {access['url']}  (GET /healthz, /api/v1/alerts, /api/v1/investigations)",
        f"console:      {access['url']}/console  (log in with the admin token)",
        f"admin token:  {access['admin_token']}",
        f"webhook:      {access['webhook_url']}",
        f"source token: {access['source_token']}  (Authorization: Bearer ... on the webhook)",
        f"database:     {access['database']}  (removed on exit)",
        "",
        f"export AUTOHEAL_URL={access['url']} AUTOHEAL_TOKEN={access['admin_token']}",
        "",
        'example:      curl -H "Authorization: Bearer $AUTOHEAL_TOKEN" $AUTOHEAL_URL/api/v1/alerts',
        f"send one:     AUTOHEAL_SOURCE_TOKEN={access['source_token']} autoheal alert send FILE "
        "--source alertmanager",
    ]


def _serve(server: Any, access: dict[str, str]) -> None:
    console.rule("[bold]Explore")
    for line in explore_lines(access):
        console.print(line, highlight=False, soft_wrap=True)
    console.print("Ctrl-C to stop.")
    stop = threading.Event()
    try:
        while not stop.wait(1.0):  # until Ctrl-C
            pass
    except KeyboardInterrupt:
        console.print("stopping...")
    finally:
        server.stop()

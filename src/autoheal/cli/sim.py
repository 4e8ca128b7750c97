"""`autoheal sim list|run`: the scenario catalogue, and a scenario played through Autoheal."""

from __future__ import annotations

import tempfile
from pathlib import Path

import typer
from rich.table import Table

from autoheal.cli.common import console, err_console, guarded, print_json

app = typer.Typer(
    help="Simulated production: list scenarios, run one through Autoheal.", no_args_is_help=True
)


@app.command("list")
@guarded
def list_scenarios(
    json_output: bool = typer.Option(False, "--json", help="print JSON instead of a table"),
) -> None:
    """Show the shipped scenario catalogue."""
    from autoheal.sim import catalogue
    from autoheal.sim.timeparse import format_duration

    scenarios = catalogue()
    if json_output:
        print_json(
            [
                {
                    "name": s.name,
                    "description": s.description,
                    "duration": s.duration,
                    "faults": [f"{f.kind.value}@{f.service}" for f in s.faults],
                    "noise": [n.kind.value for n in s.noise],
                    "red_herrings": [r.kind.value for r in s.red_herrings],
                }
                for s in scenarios
            ]
        )
        return
    table = Table(title=f"{len(scenarios)} scenarios (autoheal sim run NAME)")
    for column in ("name", "duration", "faults", "noise / red herrings", "description"):
        table.add_column(column, overflow="fold")
    for s in scenarios:
        faults = (
            "\n".join(f"{f.kind.value} @ {f.service} (+{format_duration(f.at)})" for f in s.faults) or "-"
        )
        extra = [n.kind.value for n in s.noise] + [f"{r.kind.value} ({r.service})" for r in s.red_herrings]
        table.add_row(s.name, format_duration(s.duration), faults, ", ".join(extra) or "-", s.description)
    console.print(table)


@app.command("run")
@guarded
def run(
    scenario: str = typer.Argument(..., help="a scenario file (.yaml) or a catalogue name"),
    json_output: bool = typer.Option(False, "--json", help="last line: one JSON object"),
    workdir: Path = typer.Option(
        None, help="keep the database and telemetry here (default: a temporary dir)"
    ),
    investigate: bool = typer.Option(True, help="run the deep investigation on every fault"),
) -> None:
    """Simulate SCENARIO, send its alerts through an embedded Autoheal, compare with the ground truth."""
    from autoheal.clock import ManualClock
    from autoheal.sim import load_scenario, simulate
    from autoheal.sim.play import EmbeddedAutoheal, kubernetes_tools_for, play

    loaded = load_scenario(scenario)
    sim = simulate(loaded)
    with tempfile.TemporaryDirectory(prefix="autoheal-sim-") as tmp:
        where = Path(workdir) if workdir else Path(tmp)
        with EmbeddedAutoheal.start(
            where, ManualClock(sim.start), extra_tools=kubernetes_tools_for(sim)
        ) as server:
            if json_output:
                result = play(sim, server, investigate=investigate)
            else:
                with console.status(f"playing {len(sim.deliveries)} webhook deliveries...") as status:
                    result = play(
                        sim,
                        server,
                        on_delivery=lambda i, n: status.update(f"delivery {i}/{n}"),
                        investigate=investigate,
                    )
    out = result.to_dict()
    out["simulation"] = sim.summary()
    if json_output:
        print_json(out)
    else:
        _print(out)
    if not out["ground_truth_matched"]:
        raise typer.Exit(1)


def _print(out: dict) -> None:
    table = Table(title=f"scenario {out['scenario']}: per alert, ground truth vs. Autoheal")
    for column in ("fired at", "alert", "service", "truth", "cause", "Autoheal", "match"):
        table.add_column(column, overflow="fold")
    for a in out["alerts"]:
        cause = f"{a['cause']['kind']} @ {a['cause']['service']}" if a["cause"] else "-"
        seen = []
        if not a["committed"]:
            seen.append("[red]not stored[/red]")
        if a["verdict"]:
            seen.append(a["verdict"])
        if a["top_cause"]:
            seen.append(f"top cause {a['top_cause']['kind']} @ {a['top_cause']['service']}")
        if a["flapping"]:
            seen.append("flapping")
        if a["deliveries"]:
            seen.append(f"{a['deliveries']} deliveries")
        match = {True: "[green]yes[/green]", False: "[red]no[/red]", None: "-"}[a["matched"]]
        table.add_row(
            a["at"][5:16].replace("T", " "),
            a["alert"],
            a["service"],
            f"{a['expected']}: {a['why']}",
            cause,
            ", ".join(seen),
            match,
        )
    console.print(table)
    _print_investigations(out["investigations"])
    for name, ok in out["checks"].items():
        console.print(f"  {'[green]ok[/green]' if ok else '[red]FAILED[/red]'}  {name.replace('_', ' ')}")
    if not out["verdicts_available"]:
        err_console.print(
            "  (no triage verdicts exposed by this Autoheal yet: ingestion and investigation are compared)"
        )
    console.print(f"ground truth matched: {out['ground_truth_matched']}  ({out['seconds']} s)")


def _print_investigations(investigations: list[dict]) -> None:
    if not investigations:
        return
    table = Table(title="Deep investigation per fault: top cause vs. ground truth")
    for column in ("fault", "ground truth", "top cause", "confidence", "verdict", "tool calls", "match"):
        table.add_column(column, overflow="fold")
    for inv in investigations:
        top = inv["top"] or {}
        ok = inv["matched_service"] and inv["matched_kind"]
        table.add_row(
            str(inv["fault"]),
            f"{inv['truth']['kind']} @ {inv['truth']['service']}",
            f"{top.get('kind')} @ {top.get('service')}" if top else "-",
            f"{top.get('confidence', 0):.2f}" if top else "-",
            str(top.get("verdict", "-")),
            str(inv["tool_calls"]),
            "[green]yes[/green]"
            if ok
            else ("[yellow]service only[/yellow]" if inv["matched_service"] else "[red]no[/red]"),
        )
    console.print(table)

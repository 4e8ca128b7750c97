"""`autoheal sim list|run`: the scenario catalogue, and a scenario played through Autoheal."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich import box
from rich.table import Table

from autoheal.cli.common import console, err_console, guarded, print_json

if TYPE_CHECKING:
    from autoheal.sim.prometheus import Backend

app = typer.Typer(
    help="Simulated production: list scenarios, run one through Autoheal.", no_args_is_help=True
)


@app.command("list")
@guarded
def list_scenarios(
    json_output: bool = typer.Option(False, "--json", help="print JSON instead of a table"),
) -> None:
    """Show the shipped scenario catalogue."""
    from autoheal.clock import format_duration
    from autoheal.sim import catalogue

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
    investigate: bool = typer.Option(
        False,
        help="also run an after-the-fact investigation of every fault (extra information, not part "
        "of the verdict; the verdict judges the investigations the pipeline ran during the run)",
    ),
    backend: str = typer.Option(
        "embedded",
        help="where the prometheus.* tools read metrics: embedded (the embedded store), prometheus "
        "(a real Prometheus started on the scenario's TSDB blocks; needs prometheus and promtool), "
        "or both (play on each, exit 1 if any conclusion or metric query result differs)",
    ),
) -> None:
    """Simulate SCENARIO, send its alerts through an embedded Autoheal, compare with the ground truth."""
    from autoheal.sim import load_scenario, simulate
    from autoheal.sim.parity import parity_summary, play_on
    from autoheal.sim.prometheus import BACKENDS

    chosen = list(BACKENDS) if backend == "both" else [_backend(backend)]
    sim = simulate(load_scenario(scenario))
    runs = {}
    with tempfile.TemporaryDirectory(prefix="autoheal-sim-") as tmp:
        base = Path(workdir) if workdir else Path(tmp)
        for name in chosen:
            where = base / name if len(chosen) > 1 else base
            if json_output:
                runs[name] = play_on(sim, name, where, investigate=investigate)
                continue
            with console.status(f"playing {len(sim.deliveries)} webhook deliveries...") as status:

                def progress(i: int, n: int, metrics: str = name) -> None:
                    status.update(f"delivery {i}/{n} ({metrics} metrics)")

                runs[name] = play_on(sim, name, where, investigate=investigate, on_delivery=progress)
    out = runs[chosen[0]].to_dict()
    out["simulation"] = sim.summary()
    ok = out["ground_truth_matched"]
    if len(chosen) > 1:
        out["backend"] = "both"
        out["parity"] = parity_summary(runs["embedded"], runs["prometheus"])
        ok = ok and out["parity"]["identical"]
    if json_output:
        print_json(out)
    else:
        _print(out)
        if "parity" in out:
            _print_parity(out["parity"])
    if not ok:
        raise typer.Exit(1)


@app.command("cases")
@guarded
def cases(
    scenarios: list[str] = typer.Argument(
        None, help="scenario files or catalogue names (default: the catalogue)"
    ),
    out: Path = typer.Option(..., "--out", help="append one JSON line per investigation here"),
    rows: str | None = typer.Option(
        None,
        "--rows",
        help="comma-separated rows (default: every row): all (the pipeline's investigations and an "
        "after-the-fact one per fault), metrics+traces, metrics+logs, metrics (after-the-fact, the "
        "others removed); each also with -no-topology (after-the-fact, no declared call graph)",
    ),
) -> None:
    """Case records of the scenarios' investigations (the shape of bench rca --cases-out), for
    fitting the confidence map: autoheal bench calibration --fit-on FILE."""
    import json

    from autoheal.sim import catalogue, load_scenario, simulate
    from autoheal.sim.cases import ROWS, after_the_fact_records, parse_rows, pipeline_records
    from autoheal.sim.parity import play_on

    try:
        chosen = parse_rows(rows) if rows is not None else list(ROWS)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--rows") from exc
    specs = [load_scenario(n) for n in scenarios] if scenarios else catalogue()
    total = right = 0
    unmatched: list[str] = []
    for spec in specs:
        run = simulate(spec)
        records: list[dict[str, Any]] = []
        verdict = ""
        if "all" in chosen:
            with tempfile.TemporaryDirectory(prefix="autoheal-sim-cases-") as tmp:
                played = play_on(run, "embedded", Path(tmp), investigate=False)
            records += pipeline_records(run, played.result.judgement)
            matched = played.result.to_dict()["ground_truth_matched"]
            verdict = f", ground truth {'matched' if matched else 'NOT matched'}"
            if not matched:
                unmatched.append(spec.name)  # the same verdict sim run gives
        for row in chosen:
            records += after_the_fact_records(run, row)
        with out.open("a") as fh:
            for r in records:
                fh.write(json.dumps(r) + "\n")
        hits = sum(bool(r["top1"]) for r in records)
        total, right = total + len(records), right + hits
        err_console.print(f"{spec.name}: {len(records)} investigations, {hits} right{verdict}")
    typer.echo(
        json.dumps(
            {"scenarios": len(specs), "records": total, "right": right, "rows": chosen, "out": str(out)}
        )
    )


def _print_parity(parity: dict) -> None:
    status = "[green]identical[/green]" if parity["identical"] else "[red]DIFFERENT[/red]"
    console.print(
        f"embedded vs real Prometheus: {status} - {parity['alerts']} alert verdicts, "
        f"{parity['investigations']} investigations, {parity['metric_tool_calls']} audited metric "
        f"tool calls, {parity['prometheus_queries']} queries answered by Prometheus; "
        f"seconds {parity['seconds']}"
    )
    for line in parity["differences"]:
        console.print(f"  {line}")


def _backend(name: str) -> Backend:
    from autoheal.errors import ConfigError
    from autoheal.sim.prometheus import BACKENDS

    for backend in BACKENDS:
        if backend == name:
            return backend
    raise ConfigError(f"--backend {name!r}: use one of {', '.join(BACKENDS)} or both")


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
            seen.append(f"latest report: {a['top_cause']['kind']} @ {a['top_cause']['service']}")
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
    print_faults(out["faults"])
    print_false_findings(out["false_finding_reports"], out)
    _print_investigations(out["after_the_fact"]["investigations"])
    for name, ok in out["checks"].items():
        console.print(f"  {'[green]ok[/green]' if ok else '[red]FAILED[/red]'}  {name.replace('_', ' ')}")
    if not out["verdicts_available"]:
        err_console.print(
            "  (no triage verdicts exposed by this Autoheal yet: ingestion and investigation are compared)"
        )
    console.print(
        f"ground truth matched: {out['ground_truth_matched']}  "
        f"({out['seconds']} s, metrics from {out['backend'].replace('both', 'embedded')})"
    )


def yes(ok: bool) -> str:
    return "[green]yes[/green]" if ok else "[red]no[/red]"


def cause_text(top: dict[str, Any] | None) -> str:
    if not top:
        return "-"
    component = f" {top['component']}" if top.get("kind") in ("bad_deploy", "config_change") else ""
    return f"{top.get('kind')}{component} @ {top.get('service')} ({float(top.get('confidence') or 0):.0%})"


def print_faults(faults: list[dict[str, Any]]) -> None:
    """Per fault: the report a responder read first, the last one, and when one was right."""
    if not faults:
        return
    table = Table(title="Investigations during the run, judged when they finished", box=box.SIMPLE_HEAD)
    for column in ("fault", "report", "top cause", "right"):
        table.add_column(column, overflow="fold")
    for f in faults:
        truth = f"{f['fault']}: {f['truth']['kind']} @ {f['truth']['service']}"
        t = f["seconds_to_correct"]
        when = f"right after {t:.0f} s" if t is not None else "never right"
        table.add_row(truth, "first", cause_text(f["first_top"]), yes(f["first_correct"]))
        if f["final_report"] != f["first_report"]:
            table.add_row("", "final", cause_text(f["final_top"]), yes(f["final_correct"]))
        table.add_row(f"[dim]{len(f['investigations'])} report(s)[/dim]", "", f"[dim]{when}[/dim]", "")
    console.print(table)


def print_false_findings(reports: list[dict[str, Any]], judged: dict[str, Any] | None = None) -> None:
    """Each false finding, then how many noise alert episodes the pipeline investigated at all (one
    that ends within ``pipeline.hold_seconds`` never is)."""
    if judged and judged.get("noise_alerts"):
        console.print(
            f"  noise: {judged['noise_alerts']} alert episode(s), {judged.get('noise_investigated', 0)} "
            f"investigated (an episode that ends within pipeline.hold_seconds is not), "
            f"{len(reports)} false finding(s)",
            highlight=False,
        )
    for r in reports:
        console.print(
            f"  [red]false finding[/red] on noise ({', '.join(r['alerts'])}): {cause_text(r['top'])}",
            highlight=False,
        )


def _print_investigations(investigations: list[dict]) -> None:
    if not investigations:
        return
    table = Table(title="After the fact (extra, not in the verdict): one investigation per fault")
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


@app.command("export")
@guarded
def export_scenario(
    name: str = typer.Argument(..., help="scenario name (autoheal sim list)"),
    out: Path = typer.Option(
        ..., "--out", "-o", help="folder to write alerts.jsonl, telemetry.db, autoheal.yaml"
    ),
) -> None:
    """Export a scenario as an alert history with its telemetry, for `autoheal backtest`."""
    from autoheal.sim import load_scenario, simulate
    from autoheal.sim.export import export

    written = export(simulate(load_scenario(name)), out)
    console.print(
        f"wrote {written['deliveries']} deliveries of {written['alerts']} alerts to {out}/alerts.jsonl; "
        f"replay with: autoheal backtest --from {out}/alerts.jsonl --config {out}/autoheal.yaml",
        highlight=False,
    )

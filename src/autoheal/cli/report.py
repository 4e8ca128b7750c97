"""`autoheal report oncall`: the on-call report for a team or a service (docs/fixes.md)."""

from __future__ import annotations

import csv
import sys
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from autoheal.cli.common import ConfigOption, DbOption, console, database, guarded, print_json, settings_from

app = typer.Typer(help="Reports: the toil given back.", no_args_is_help=True)


@app.command("oncall")
@guarded
def oncall(
    team: str | None = typer.Option(
        None, "--team", help="a team (reports.teams, or alerts labelled team=...)"
    ),
    service: str | None = typer.Option(None, "--service", help="one service"),
    since: str = typer.Option("7d", "--since", help="start: a duration back (7d) or an ISO time"),
    until: str = typer.Option("now", "--until", help="end: now, a duration back or an ISO time"),
    as_json: bool = typer.Option(False, "--json", help="the whole report, rows included, as one JSON object"),
    as_csv: bool = typer.Option(False, "--csv", help="figure,value lines (with --figure: its rows)"),
    figure: str | None = typer.Option(None, "--figure", help="drill down: the rows behind this one figure"),
    svg: Path | None = typer.Option(
        None, "--svg", help="write the alerts -> no page -> pages funnel chart (SVG)"
    ),
    db: str = DbOption,
    config: Path | None = ConfigOption,
) -> None:
    """Alerts, triage without a page, times to root cause, root-cause kinds, recurrences, fixes."""
    from autoheal.clock import SystemClock
    from autoheal.reports.oncall import build_report, parse_when
    from autoheal.store.db import session_factory

    settings = settings_from(config, db)
    now = SystemClock().now()
    with session_factory(database(config, db, settings=settings))() as session:
        report = build_report(
            session,
            settings.reports,
            parse_when(since, now),
            parse_when(until, now),
            team=team,
            service=service,
        )
    if svg is not None:
        from autoheal.reports.funnel import funnel_svg

        svg.write_text(funnel_svg(report), encoding="utf-8")
        console.print(f"funnel chart: {svg}", highlight=False)
    if figure is not None:
        _drill(report, figure, as_json=as_json, as_csv=as_csv)
        return
    if as_json:
        print_json(report.to_dict())
        return
    if as_csv:
        writer = csv.writer(sys.stdout)
        writer.writerow(["figure", "value", "rows"])
        for f in report.figures:
            writer.writerow([f.name, f.value, len(f.rows)])
        return
    print_report(report.to_dict())
    print_json(report.summary() | {"missing": report.missing})


def _drill(report: Any, name: str, *, as_json: bool, as_csv: bool) -> None:
    from autoheal.errors import InputError

    names = [f.name for f in report.figures]
    if name not in names:
        raise InputError(f"no figure {name!r} in the on-call report; one of: {', '.join(names)}")
    found = report.figure(name)
    if as_json:
        print_json(found.to_dict())
        return
    columns = list(dict.fromkeys(k for row in found.rows for k in row))
    if as_csv:
        writer = csv.DictWriter(sys.stdout, fieldnames=columns)
        writer.writeheader()
        writer.writerows(found.rows)
        return
    table = Table(title=f"{name} = {found.value}: {found.definition}")
    for col in columns:
        table.add_column(col, overflow="fold")
    for row in found.rows:
        table.add_row(*(str(row.get(c, "")) for c in columns))
    console.print(table)


def print_report(report: dict[str, Any]) -> None:
    scope = report["scope"]
    who = f"team {scope['team']}" if scope["team"] else f"service {scope['service']}"
    table = Table(
        title=f"on-call report, {who} ({', '.join(scope['services'])}), {report['since'][:16]} -> {report['until'][:16]}"
    )
    table.add_column("figure", no_wrap=True)
    table.add_column("value", overflow="fold", ratio=3)
    table.add_column("rows", justify="right")
    for f in report["figures"]:
        value = f["value"]
        shown = (
            "—"
            if value is None
            else (
                ", ".join(f"{k}: {v}" for k, v in value.items()) or "0"
                if isinstance(value, dict)
                else str(value)
            )
        )
        table.add_row(f["name"], shown, str(len(f["rows"])))
    console.print(table)
    console.print("each figure's definition and rows: --json (docs/fixes.md defines them)", highlight=False)
    for note in report["missing"]:
        console.print(f"missing: {note}", highlight=False)

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
        from autoheal.reports.funnel import report_svg

        svg.write_text(report_svg(report), encoding="utf-8")
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


@app.command("shadow")
@guarded
def shadow(
    since: str = typer.Option("1d", "--since", help="start: a duration back (1d) or an ISO time"),
    until: str = typer.Option("now", "--until", help="end: now, a duration back or an ISO time"),
    as_json: bool = typer.Option(False, "--json", help="the whole report, rows included, as one JSON object"),
    db: str = DbOption,
    config: Path | None = ConfigOption,
) -> None:
    """What Autoheal would have paged, posted and suppressed, and where it disagreed with the humans
    (docs/shadow.md)."""
    from autoheal.clock import SystemClock
    from autoheal.reports.oncall import parse_when
    from autoheal.reports.shadow import build_shadow_report
    from autoheal.store.db import session_factory

    settings = settings_from(config, db)
    now = SystemClock().now()
    with session_factory(database(config, db, settings=settings))() as session:
        report = build_shadow_report(
            session, parse_when(since, now), parse_when(until, now), mode=settings.pipeline.mode
        )
    if as_json:
        print_json(report.to_dict())
        return
    print_shadow(report.to_dict())
    print_json(report.summary())


def print_shadow(report: dict[str, Any]) -> None:
    s = report["summary"]
    table = Table(title=f"shadow report ({s['mode']} mode), {s['since'][:16]} -> {s['until'][:16]}")
    table.add_column("what", no_wrap=True)
    table.add_column("count", justify="right")
    table.add_column("rows", overflow="fold", ratio=3)
    d = report["disagreements"]

    def few(rows: list[Any], key: Any) -> str:
        shown = [key(r) for r in rows[:5]]
        return ", ".join(shown) + (f" (+{len(rows) - 5})" if len(rows) > 5 else "")

    unknown = "unknown: the pager's webhook (source pagerduty) is not connected"
    table.add_row("triage verdicts", str(s["verdicts"]), "")
    table.add_row("  would page (signal)", str(s["would_page_verdicts"]), "")
    table.add_row("  attached to what is open", str(s["attached"]), "")
    table.add_row("  suppressed (noise)", str(s["suppressed"]), "")
    table.add_row(
        "incidents opened",
        str(s["incidents"]),
        few(report["incidents"], lambda r: f"{r['incident']} {r['title']}"),
    )
    table.add_row(
        "pages it would have sent",
        str(s["would_page"]),
        few(report["would_page"], lambda r: f"{r['incident']} {r['action']}"),
    )
    table.add_row(
        "Slack posts it would have made",
        str(s["would_post"]),
        few(report["would_post"], lambda r: r["channel"]),
    )
    table.add_row("pages actually sent", str(s["pages_sent"]), "")
    agreement = "-" if s["agreement"] is None else f"{s['agreement']:.0%}"
    table.add_row("verdicts a human judged", str(s["with_outcome"]), f"agreement {agreement}")
    table.add_row(
        "  would page, human: not actionable",
        str(s["paged_but_not_actionable"]),
        few(d["paged_but_not_actionable"], lambda r: f"#{r['verdict_id']} {r['service']}"),
    )
    table.add_row(
        "  would suppress, human: actionable",
        str(s["suppressed_but_actionable"]),
        few(d["suppressed_but_actionable"], lambda r: f"#{r['verdict_id']} {r['service']}"),
    )
    if s["human_pages"] is None:
        table.add_row("humans paged", "-", unknown)
    else:
        table.add_row("humans paged", str(s["human_pages"]), "")
        table.add_row(
            "  humans paged, Autoheal would not",
            str(s["humans_paged_autoheal_would_not"]),
            ", ".join(d["humans_paged_autoheal_would_not"]),
        )
        table.add_row(
            "  Autoheal would page, humans were not",
            str(s["autoheal_would_page_humans_not"]),
            ", ".join(d["autoheal_would_page_humans_not"]),
        )
    console.print(table)

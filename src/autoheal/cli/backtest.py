"""`autoheal backtest`: what Autoheal would have done with a history of alerts (docs/backtest.md)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from autoheal.cli.common import ConfigOption, console, guarded, print_json


def register(root: typer.Typer) -> None:
    @root.command()
    @guarded
    def backtest(
        history: Path = typer.Option(
            None, "--from", help="a JSON Lines export (docs/backtest.md) or an Alertmanager API dump (.json)"
        ),
        alertmanager: str = typer.Option(
            None, "--alertmanager", help="read the alerts a live Alertmanager holds"
        ),
        since: str = typer.Option(None, help="only alerts this recent, e.g. 30d, 12h"),
        triage_only: bool = typer.Option(False, "--triage-only", help="triage, but no deep investigation"),
        config: Path | None = ConfigOption,
        json_output: bool = typer.Option(
            False, "--json", help="one JSON object per verdict, then the summary"
        ),
    ) -> None:
        """Replay past alerts through a private copy of Autoheal; print what it would have done."""
        from autoheal.backtest import backtest as run_backtest
        from autoheal.backtest import fetch_alertmanager, read_history
        from autoheal.backtest.history import parse_window
        from autoheal.backtest.history import since as within
        from autoheal.cli.common import settings_from
        from autoheal.clock import SystemClock
        from autoheal.errors import InputError

        if (history is None) == (alertmanager is None):
            raise InputError("give one of --from FILE or --alertmanager URL")
        deliveries = read_history(history) if history is not None else fetch_alertmanager(alertmanager)
        window = parse_window(since)
        if window is not None:
            latest = max((d.at for d in deliveries), default=SystemClock().now())
            now = latest if history is not None else SystemClock().now()
            deliveries = within(deliveries, window, now)
        result = run_backtest(deliveries, settings_from(config), triage_only=triage_only)
        summary = result.summary()
        if json_output:
            for d in result.decisions:
                print_json(d.to_dict())
            print_json(summary)
            return
        table = Table(title=f"what Autoheal would have done with {summary['deliveries']} deliveries")
        for column in ("at", "alert (service)", "verdict", "would", "concluded", "actually"):
            table.add_column(column, overflow="fold")
        for d in result.decisions:
            agrees = {True: "[green]agrees[/green]", False: "[red]differs[/red]", None: ""}[d.agrees]
            table.add_row(
                d.at[5:16].replace("T", " "),
                ", ".join(d.alerts) + (f" ({d.service})" if d.service else ""),
                d.verdict,
                d.action,
                d.top_cause or "",
                f"{d.outcome} {agrees}" if d.outcome else "",
            )
        console.print(table)
        for line in result.rejected:
            console.print(f"[red]rejected[/red] {line}", highlight=False)
        agreement = summary["agreement"]
        console.print(
            f"{summary['verdicts']} verdicts: {summary['would_page']} would page, {summary['attached']} join "
            f"what is open, {summary['suppressed']} suppressed, {summary['investigations']} investigations"
            + (f"; agreement with recorded outcomes {agreement:.1%}" if agreement is not None else ""),
            highlight=False,
        )
        print_json(summary)

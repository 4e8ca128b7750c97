"""`autoheal investigate ALERT_OR_GROUP_ID`: run a deep investigation and stream it.

The CLI is a thin consumer of the same event stream as the API, the web console and Slack; the
investigation is stored (``investigations`` / ``investigation_events``) as it streams.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import typer

from autoheal.cli.common import ConfigOption, DbOption, console, guarded, print_json, settings_from
from autoheal.domain.investigation import InvestigationEvent

_VERDICT_COLOUR = {"supported": "green", "refuted": "red", "inconclusive": "yellow"}


def register(root: typer.Typer) -> None:
    @root.command()
    @guarded
    def investigate(
        ident: str = typer.Argument(
            ..., metavar="ALERT_OR_GROUP_ID", help="alert id, group:ID, fingerprint or group key"
        ),
        as_json: bool = typer.Option(False, "--json", help="print only the final report as JSON"),
        db: str = DbOption,
        config: Path = ConfigOption,
    ) -> None:
        """Investigate an alert or alert group: hypotheses, adversarial checks, ranked causes."""
        from autoheal.app import Autoheal
        from autoheal.pipeline.followups import record_investigation
        from autoheal.reasoning.models.config import ModelSettings, build_model
        from autoheal.reasoning.subjects import load_subject

        settings = settings_from(config, db)
        model = build_model(ModelSettings.from_env(os.environ))
        autoheal = Autoheal.create(settings, model=model)
        try:
            with autoheal.sessions() as session:
                subject, alerts = load_subject(session, ident)
            stream = record_investigation(
                autoheal.investigator, autoheal.sessions, autoheal.clock, subject, alerts
            )
            for event in stream:
                if as_json:
                    if event.kind == "report":
                        print_json(
                            {
                                "investigation_id": event.payload.get("investigation_id"),
                                **event.payload["report"],
                            }
                        )
                else:
                    render(event)
        finally:
            autoheal.close()


def render(event: InvestigationEvent) -> None:
    """One line (or a block, for the report) per event."""
    p: dict[str, Any] = dict(event.payload)
    at = f"[dim]{event.at:%H:%M:%S}[/dim]"
    if event.kind == "started":
        console.print(
            f"{at} [bold]investigating[/bold] {p['subject']} ({len(p['alerts'])} alert(s)); "
            f"incident {p['incident']['start']} .. {p['incident']['end']}"
        )
    elif event.kind == "step" and p.get("step") == "generate":
        console.print(f"{at} generator [cyan]{p['generator']}[/cyan]")
    elif event.kind == "evidence":
        ok = p["status"] == "ok"
        mark = "[green]✓[/green]" if ok else ("[dim]·[/dim]" if p["status"] == "no_data" else "[red]✗[/red]")
        console.print(f"{at}   {mark} {p['evidence']['tool']}: {p['evidence']['summary']}", highlight=False)
    elif event.kind == "hypothesis":
        h = p["hypothesis"]
        console.print(
            f"{at} hypothesis [bold]{h['service']}[/bold] {h['kind']} ({h['score']:.2f}): {h['statement']}"
        )
    elif event.kind == "verification":
        v = p["verification"]
        colour = _VERDICT_COLOUR.get(v["verdict"], "white")
        console.print(
            f"{at}   [{colour}]{v['verdict']}[/{colour}] {p['service']} {p['kind']}: {v['reason']}",
            highlight=False,
        )
    elif event.kind == "error":
        console.print(f"{at} [red]error[/red] {p.get('generator', '')}: {p.get('message', '')}")
    elif event.kind == "report":
        _render_report(p["report"])


def _render_report(report: dict[str, Any]) -> None:
    from rich.table import Table

    table = Table(title=f"root causes — {report['subject']}")
    for column in ("#", "service", "kind", "component", "confidence", "verdict", "evidence"):
        table.add_column(column, overflow="fold")
    for c in report["causes"][:10]:
        h = c["hypothesis"]
        table.add_row(
            str(c["rank"]),
            h["service"],
            h["kind"],
            h.get("component") or "-",
            f"{c['confidence']:.0%}",
            c["verification"]["verdict"],
            "; ".join(e["summary"] for e in h["evidence"][:2]),
        )
    console.print(table)
    for r in report["ruled_out"][:8]:
        console.print(
            f"[red]ruled out[/red] {r['hypothesis']['statement']} — {r['verification']['reason']}",
            highlight=False,
        )
    for check in report["next_checks"]:
        console.print(f"[cyan]next[/cyan] {check}", highlight=False)
    console.print(f"\n{report['narrative']}", highlight=False)

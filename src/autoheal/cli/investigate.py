"""`autoheal investigate ALERT_OR_GROUP_ID`: run a deep investigation and stream it.

The CLI is a thin consumer of the same event stream as the API, the web console and Slack; the
investigation is stored (``investigations`` / ``investigation_events``) as it streams. With
``--url`` (``AUTOHEAL_URL``) and a responder token the server runs it (``POST
/api/v1/investigations``) and the CLI follows its server-sent events.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import typer

from autoheal.cli.common import (
    ConfigOption,
    DbOption,
    console,
    err_console,
    guarded,
    print_json,
    settings_from,
)
from autoheal.cli.remote import ApiClient, TokenOption, UrlOption, local_database, remote
from autoheal.clock import utc
from autoheal.domain.investigation import InvestigationEvent
from autoheal.errors import StoreError

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
        url: str | None = UrlOption,
        token: str | None = TokenOption,
    ) -> None:
        """Investigate an alert or alert group: hypotheses, adversarial checks, ranked causes."""
        from autoheal.app import Autoheal
        from autoheal.pipeline.followups import record_investigation
        from autoheal.reasoning.models.config import ModelSettings, build_model
        from autoheal.reasoning.subjects import load_subject

        api = remote(url, token)
        if api is not None:
            _on_server(api, ident, as_json)
            return
        settings = settings_from(config, db)
        local_database(config, db, settings=settings).dispose()  # exists? (said on stderr)
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


def _on_server(api: ApiClient, ident: str, as_json: bool) -> None:
    """Start the investigation on the server and follow its event stream to the report."""
    from datetime import datetime

    started = api.post("/api/v1/investigations", {"target": ident})
    err_console.print(f"investigation {started['id']} started on the server", highlight=False)
    for data in api.stream_events(started["events"]):
        if "kind" not in data:  # the stream's end without a report
            raise StoreError(
                f"investigation {started['id']} ended with status {data.get('status')!r} and no report "
                f"(see {api.url}{started['report']})"
            )
        event = InvestigationEvent(data["kind"], utc(datetime.fromisoformat(data["at"])), data["payload"])
        if as_json:
            if event.kind == "report":
                print_json({"investigation_id": started["id"], **event.payload["report"]})
        else:
            render(event)
        if event.kind == "report":
            return


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

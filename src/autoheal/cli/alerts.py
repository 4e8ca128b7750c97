"""`autoheal alerts list|show`: read the alert store (a server's, with ``--url``, or a local database)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from autoheal.cli.common import ConfigOption, DbOption, console, guarded, print_json
from autoheal.cli.remote import TokenOption, UrlOption, local_sessions, remote
from autoheal.clock import utc
from autoheal.store.alerts import AlertFilter, AlertRepository, alert_to_dict

app = typer.Typer(help="Inspect stored alerts.", no_args_is_help=True)


@app.command("list")
@guarded
def list_(
    status: str = typer.Option(None, help="firing or resolved"),
    service: str = typer.Option(None),
    limit: int = typer.Option(50, min=1, max=10_000),
    as_json: bool = typer.Option(False, "--json", help="machine-readable output"),
    db: str = DbOption,
    config: Path = ConfigOption,
    url: str | None = UrlOption,
    token: str | None = TokenOption,
) -> None:
    """List alerts, most recently seen first."""
    if status not in (None, "firing", "resolved"):
        raise typer.BadParameter("status must be firing or resolved", param_hint="--status")
    api = remote(url, token)
    if api is not None:
        rows: list[dict[str, Any]] = []
        while len(rows) < limit:  # the API pages by 1,000 at most
            want = min(limit - len(rows), 1000)
            page = api.get("/api/v1/alerts", status=status, service=service, limit=want, offset=len(rows))
            rows.extend(page["alerts"])
            if len(page["alerts"]) < want:
                break
    else:
        with local_sessions(config, db)() as session:
            rows = [
                alert_to_dict(r)
                for r in AlertRepository(session).list_alerts(
                    AlertFilter(status=status, service=service, limit=limit)
                )
            ]
    if as_json:
        print_json({"alerts": rows})
        return
    table = Table("id", "status", "severity", "service", "name", "last seen", "flapping", "group")
    for r in rows:
        colour = "red" if r["status"] == "firing" else "green"
        table.add_row(
            str(r["id"]),
            f"[{colour}]{r['status']}[/{colour}]",
            r["severity"],
            r["service"] or "-",
            r["name"],
            r["last_seen"],
            "yes" if r["flapping"] else "",
            str(r["group_id"] or ""),
        )
    console.print(table)


@app.command("show")
@guarded
def show(
    alert_id: int = typer.Argument(...),
    as_json: bool = typer.Option(False, "--json"),
    db: str = DbOption,
    config: Path = ConfigOption,
    url: str | None = UrlOption,
    token: str | None = TokenOption,
) -> None:
    """Show one alert with its transitions."""
    api = remote(url, token)
    if api is not None:
        out = api.get(f"/api/v1/alerts/{alert_id}")
        out["transitions"] = [{"status": t["status"], "at": t["at"]} for t in out["transitions"]]
    else:
        with local_sessions(config, db)() as session:
            repo = AlertRepository(session)
            row = repo.get_alert(alert_id)
            out = alert_to_dict(row)
            out["transitions"] = [
                {"status": t.status, "at": utc(t.at).isoformat()} for t in repo.transitions(alert_id)
            ]
    if as_json:
        print_json(out)
        return
    for key in (
        "id",
        "name",
        "status",
        "severity",
        "service",
        "source",
        "fingerprint",
        "starts_at",
        "ends_at",
        "first_seen",
        "last_seen",
        "resolved_at",
        "flapping",
        "transitions",
        "deliveries",
        "group_id",
    ):
        console.print(f"[bold]{key:>12}[/bold]  {out[key]}", highlight=False)
    console.print(f"[bold]{'labels':>12}[/bold]  {out['labels']}", highlight=False)
    console.print(f"[bold]{'annotations':>12}[/bold]  {out['annotations']}", highlight=False)

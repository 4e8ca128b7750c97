"""`autoheal triage list | show | outcome`: read triage verdicts and say what an alert turned out to be.

With ``--url`` (``AUTOHEAL_URL``) and a token the commands go through the server's API (the audit
trail names the token's fingerprint). Without, they work on the database directly, so the user
acts as a local operator; ``--by`` names them in the audit trail (default: the login name).
"""

from __future__ import annotations

import getpass
from pathlib import Path

import typer
from rich.table import Table

from autoheal.cli.common import ConfigOption, DbOption, console, guarded, print_json
from autoheal.cli.remote import TokenOption, UrlOption, local_database, local_sessions, remote
from autoheal.reasoning import store
from autoheal.reasoning.triage.outcomes import OutcomeDecision, parse_outcome, record_outcome

app = typer.Typer(help="Triage verdicts and their outcomes.", no_args_is_help=True)


@app.command("list")
@guarded
def list_(
    service: str | None = typer.Option(None, help="only this service"),
    kind: str | None = typer.Option(None, help="noise, duplicate, known_issue or signal"),
    limit: int = typer.Option(50, min=1, max=1000),
    as_json: bool = typer.Option(False, "--json"),
    db: str = DbOption,
    config: Path | None = ConfigOption,
    url: str | None = UrlOption,
    token: str | None = TokenOption,
) -> None:
    """The most recent triage verdicts, newest first."""
    api = remote(url, token)
    if api is not None:
        rows = api.get("/api/v1/triage", service=service, kind=kind, limit=limit)["verdicts"]
    else:
        with local_sessions(config, db)() as session:
            rows = [store.verdict_to_dict(r) for r in store.recent_verdicts(session, service, kind, limit)]
    if as_json:
        for r in rows:
            print_json(r)
        return
    table = Table(title="triage verdicts")
    for col in ("id", "assessed", "service", "kind", "score", "outcome", "explanation"):
        table.add_column(col)
    for r in rows:
        table.add_row(
            str(r["id"]),
            r["assessed_at"][:19] + "Z",
            r["service"] or "",
            r["kind"],
            f"{r['score']:.2f}",
            r["outcome"],
            r["explanation"][:80],
        )
    console.print(table)


@app.command("show")
@guarded
def show(
    verdict_id: int = typer.Argument(..., help="triage verdict id (see `autoheal triage list`)"),
    as_json: bool = typer.Option(False, "--json"),
    db: str = DbOption,
    config: Path | None = ConfigOption,
    url: str | None = UrlOption,
    token: str | None = TokenOption,
) -> None:
    """Show one triage verdict: kind, score, reasons and outcome."""
    api = remote(url, token)
    if api is not None:
        out = api.get(f"/api/v1/triage/{verdict_id}")
    else:
        with local_sessions(config, db)() as session:
            out = store.verdict_to_dict(store.get_verdict(session, verdict_id))
    if as_json:
        print_json(out)
        return
    for key in ("id", "group_key", "service", "kind", "score", "explanation", "outcome", "reference"):
        console.print(f"[bold]{key}[/bold]: {out[key]}")
    for reason in out["reasons"]:
        console.print(f"  - {reason}")


@app.command("outcome")
@guarded
def outcome(
    verdict_id: int = typer.Argument(..., help="triage verdict id"),
    value: str = typer.Argument(..., help="actionable, not_actionable, known_issue or unknown"),
    reference: str | None = typer.Option(
        None, "--reference", help="ticket or incident id (needed for known_issue)"
    ),
    by: str | None = typer.Option(None, "--by", help="who decides (default: your login name)"),
    db: str = DbOption,
    config: Path | None = ConfigOption,
    url: str | None = UrlOption,
    token: str | None = TokenOption,
) -> None:
    """Record what the alert turned out to be; triage learns from it. The decision is audited."""
    from autoheal.audit.trail import AuditTrail
    from autoheal.store.db import session_factory

    api = remote(url, token)
    if api is not None:
        print_json(
            api.post(f"/api/v1/triage/{verdict_id}/outcome", {"outcome": value, "reference": reference})
        )
        return
    decision = OutcomeDecision(verdict_id, parse_outcome(value), reference, by or getpass.getuser())
    engine = local_database(config, db)
    print_json(record_outcome(session_factory(engine), AuditTrail(engine), decision))

"""`autoheal fixes list | show | generate | accept | reject | merged | export`: the preventive fixes
(export: files, a unified patch, or a GitHub pull request).

Like ``autoheal triage``, the CLI works on the database directly (a local operator); ``--by``
names the person deciding in the audit trail (default: the login name).
"""

from __future__ import annotations

import getpass
from pathlib import Path

import typer
from rich.table import Table

from autoheal.cli.common import ConfigOption, DbOption, console, database, guarded, print_json, settings_from
from autoheal.fixes import store

app = typer.Typer(
    help="Preventive fixes: alerting rules, SLO rules, tunings, tests, runbooks.", no_args_is_help=True
)


@app.command("list")
@guarded
def list_(
    status: str | None = typer.Option(None, help="proposed, accepted, rejected or merged"),
    service: str | None = typer.Option(None, help="only this service"),
    kind: str | None = typer.Option(
        None, help="leading_indicator, slo_burn_rate, noisy_alert_tuning, regression_test, runbook"
    ),
    limit: int = typer.Option(100, min=1, max=1000),
    as_json: bool = typer.Option(False, "--json"),
    db: str = DbOption,
    config: Path | None = ConfigOption,
) -> None:
    """Fixes offered, newest first."""
    from autoheal.store.db import session_factory

    with session_factory(database(config, db))() as session:
        rows = [
            store.fix_to_dict(r, files=False)
            for r in store.list_fixes(session, status=status, service=service, kind=kind, limit=limit)
        ]
    if as_json:
        for r in rows:
            print_json(r)
        return
    table = Table(title="preventive fixes")
    for col in ("id", "status", "kind", "service", "title", "from"):
        table.add_column(col, overflow="fold")
    for r in rows:
        table.add_row(str(r["id"]), r["status"], r["kind"], r["service"], r["title"], r["source_ref"])
    console.print(table)


@app.command("show")
@guarded
def show(
    fix_id: int = typer.Argument(..., help="fix id (see `autoheal fixes list`)"),
    as_json: bool = typer.Option(False, "--json"),
    db: str = DbOption,
    config: Path | None = ConfigOption,
) -> None:
    """One fix: its figures, checks and files."""
    from autoheal.store.db import session_factory

    with session_factory(database(config, db))() as session:
        out = store.fix_to_dict(store.get_fix(session, fix_id))
    if as_json:
        print_json(out)
        return
    console.print(f"[bold]fix {out['id']}[/bold] ({out['status']}): {out['title']}", highlight=False)
    console.print(out["summary"], highlight=False)
    for check in out["checks"]:
        console.print(
            f"  {'[green]ok[/green]' if check['ok'] else '[red]FAILED[/red]'}  {check['detail']}",
            highlight=False,
        )
    for key, value in out["figures"].items():
        console.print(f"  {key}: {value}", highlight=False)
    for path, content in out["files"].items():
        console.rule(path)
        console.print(content, markup=False, highlight=False)


@app.command("generate")
@guarded
def generate(
    investigation_id: str = typer.Argument(..., help="a finished investigation (see `autoheal investigate`)"),
    as_json: bool = typer.Option(False, "--json"),
    config: Path | None = ConfigOption,
    db: str = DbOption,
) -> None:
    """Generate, check (real promtool) and offer the fixes of a finished investigation."""
    from autoheal.app import Autoheal
    from autoheal.fixes.service import generate_for_investigation

    settings = settings_from(config, db)
    app_ = Autoheal.create(settings)
    try:
        result = generate_for_investigation(app_, investigation_id)
    finally:
        app_.close()
    out = result.to_dict()
    if as_json:
        print_json(out)
        return
    for item in out["offered"]:
        console.print(f"[green]offered[/green] fix {item['id']}: {item['title']}", highlight=False)
    for item in out["failed"]:
        console.print(f"[red]failed its checks[/red] (not offered): {item['title']}", highlight=False)
    for item in out["suppressed"]:
        console.print(f"skipped: {item['title']} ({item['why']})", highlight=False)
    for note in out["notes"]:
        console.print(f"note: {note}", highlight=False)


def _decide(
    fix_id: int, decision: str, by: str | None, reason: str | None, config: Path | None, db: str | None
) -> None:
    from autoheal.audit.trail import AuditTrail
    from autoheal.clock import SystemClock
    from autoheal.fixes.decisions import decide
    from autoheal.store.db import session_factory

    engine = database(config, db)
    print_json(
        decide(
            session_factory(engine),
            AuditTrail(engine),
            SystemClock(),
            fix_id,
            decision,
            by=by or getpass.getuser(),
            reason=reason,
        )
    )


@app.command("accept")
@guarded
def accept(
    fix_id: int = typer.Argument(...),
    reason: str | None = typer.Option(None, "--reason"),
    by: str | None = typer.Option(None, "--by", help="who decides (default: your login name)"),
    db: str = DbOption,
    config: Path | None = ConfigOption,
) -> None:
    """Accept a proposed fix (audited)."""
    _decide(fix_id, "accept", by, reason, config, db)


@app.command("reject")
@guarded
def reject(
    fix_id: int = typer.Argument(...),
    reason: str = typer.Option(..., "--reason", help="why (kept; the same fix is not proposed again)"),
    by: str | None = typer.Option(None, "--by", help="who decides (default: your login name)"),
    db: str = DbOption,
    config: Path | None = ConfigOption,
) -> None:
    """Reject a fix; the reason is kept and the same fix is not proposed again for the service."""
    _decide(fix_id, "reject", by, reason, config, db)


@app.command("merged")
@guarded
def merged(
    fix_id: int = typer.Argument(...),
    by: str | None = typer.Option(None, "--by", help="who merged it (default: your login name)"),
    db: str = DbOption,
    config: Path | None = ConfigOption,
) -> None:
    """Record that an accepted fix was merged into its repository."""
    _decide(fix_id, "merged", by, None, config, db)


@app.command("export")
@guarded
def export(
    fix_id: int = typer.Argument(...),
    out: Path | None = typer.Option(None, "--out", help="write the fix's files under this directory"),
    patch: bool = typer.Option(False, "--patch", help="print a unified patch against the rules repository"),
    pull_request: bool = typer.Option(
        False, "--pull-request", help="open a GitHub pull request on fixes.github.repository"
    ),
    rules_dir: Path | None = typer.Option(
        None, "--rules-dir", help="the repository to diff against (default: fixes.rules_dir)"
    ),
    by: str | None = typer.Option(None, "--by", help="who opens the pull request (default: your login name)"),
    db: str = DbOption,
    config: Path | None = ConfigOption,
) -> None:
    """Deliver a fix: its files (--out DIR), a unified patch (--patch) or a pull request (--pull-request)."""
    import sys

    from autoheal.errors import InputError
    from autoheal.fixes.delivery import unified_patch, write_files
    from autoheal.store.db import session_factory

    if sum((out is not None, patch, pull_request)) != 1:
        raise InputError("give exactly one of --out DIR, --patch or --pull-request")
    settings = settings_from(config, db)
    engine = database(config, db, settings=settings)
    if pull_request:
        from autoheal.audit.trail import AuditTrail
        from autoheal.clock import SystemClock
        from autoheal.fixes.delivery import open_pull_request

        print_json(
            open_pull_request(
                session_factory(engine),
                AuditTrail(engine),
                SystemClock(),
                fix_id,
                settings.fixes.github,
                by=by or getpass.getuser(),
            )
        )
        return
    with session_factory(engine)() as session:
        files = dict(store.get_fix(session, fix_id).files)
    if out is not None:
        for path in write_files(files, out):
            console.print(str(path), highlight=False)
        return
    sys.stdout.write(unified_patch(files, rules_dir or settings.fixes.rules_dir))

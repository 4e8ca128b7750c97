"""`autoheal incidents list | show | open | ack | note | status | resolve` and `autoheal oncall who`.

Like ``autoheal triage``, the CLI works on the database directly through the same incidents
runtime as the server (so an acknowledgement from the CLI also reaches PagerDuty and updates the
Slack message when those are configured); its user acts as a local operator named by ``--by``
(default: the login name), recorded on the timeline as ``cli:<name>`` and in the audit trail.
"""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.table import Table

from autoheal.cli.common import ConfigOption, DbOption, console, guarded, print_json, settings_from

if TYPE_CHECKING:
    from autoheal.incidents.wiring import IncidentsRuntime

app = typer.Typer(
    help="Incidents: list, show, open, acknowledge, note, change status, resolve.", no_args_is_help=True
)
oncall_app = typer.Typer(help="The built-in on-call: who is on call.", no_args_is_help=True)

ByOption = typer.Option(None, "--by", help="who acts (default: your login name)")


@contextmanager
def _runtime(config: Path | None, db: str | None) -> Iterator[IncidentsRuntime]:
    from autoheal.audit.trail import AuditTrail
    from autoheal.cli.common import database
    from autoheal.clock import SystemClock
    from autoheal.governance.redaction import Redactor
    from autoheal.incidents.wiring import build_incidents
    from autoheal.store.db import session_factory

    settings = settings_from(config, db)
    engine = database(config, db, settings=settings)
    audit = AuditTrail(engine)
    runtime = build_incidents(
        settings.incidents, session_factory(engine), SystemClock(), redactor=Redactor(), audit=audit
    )
    try:
        yield runtime
    finally:
        runtime.close()
        audit.close()
        engine.dispose()


def _actor(by: str | None) -> dict[str, str]:
    return {"actor": f"cli:{by or getpass.getuser()}", "source": "cli"}


def _print_incident(data: dict[str, object], as_json: bool) -> None:
    if as_json:
        print_json(data)
        return
    for key in (
        "ref",
        "title",
        "status",
        "severity",
        "service",
        "cause",
        "opened_at",
        "acknowledged_by",
        "resolved_at",
    ):
        console.print(f"[bold]{key}[/bold]: {data.get(key)}", highlight=False)


@app.command("list")
@guarded
def list_(
    status: str | None = typer.Option(None, help="only this status"),
    service: str | None = typer.Option(None, help="only this service"),
    open_only: bool = typer.Option(False, "--open", help="only incidents not resolved"),
    limit: int = typer.Option(50, min=1, max=1000),
    as_json: bool = typer.Option(False, "--json"),
    db: str = DbOption,
    config: Path | None = ConfigOption,
) -> None:
    """Incidents, newest first."""
    from autoheal.incidents import parse_status

    with _runtime(config, db) as rt:
        found = rt.service.list(
            status=parse_status(status) if status else None, open_only=open_only, service=service, limit=limit
        )
    rows = [i.to_dict() for i in found]
    if as_json:
        for r in rows:
            print_json(r)
        return
    table = Table(title="incidents")
    for col in ("ref", "opened", "severity", "status", "service", "title"):
        table.add_column(col)
    for r in rows:
        table.add_row(
            r["ref"],
            str(r["opened_at"])[:19],
            r["severity"],
            r["status"],
            r["service"] or "",
            r["title"][:70],
        )
    console.print(table)


@app.command("show")
@guarded
def show(
    ref: str = typer.Argument(..., help="INC-12 or 12"),
    as_json: bool = typer.Option(False, "--json"),
    db: str = DbOption,
    config: Path | None = ConfigOption,
) -> None:
    """One incident with its timeline and pages."""
    with _runtime(config, db) as rt:
        incident = rt.service.get(ref)
        timeline = rt.service.timeline(incident.id)
        pages = rt.paging.pages(incident.id)
    data = {**incident.to_dict(), "timeline": [e.to_dict() for e in timeline], "pages": pages}
    if as_json:
        print_json(data)
        return
    _print_incident(data, False)
    for e in timeline:
        text = (
            e.data.get("text")
            or e.data.get("reason")
            or e.data.get("cause")
            or e.data.get("explanation")
            or ""
        )
        console.print(
            f"  {e.at.isoformat()[:19]}  {e.kind:<22} {e.actor:<24} {str(text)[:80]}", highlight=False
        )


@app.command("open")
@guarded
def open_(
    title: str = typer.Argument(..., help="what is wrong, in a few words"),
    severity: str = typer.Option("SEV3", "--severity", "--sev", help="SEV1 (most severe) .. SEV4"),
    service: str | None = typer.Option(None, help="the affected service"),
    by: str | None = ByOption,
    as_json: bool = typer.Option(False, "--json"),
    db: str = DbOption,
    config: Path | None = ConfigOption,
) -> None:
    """Open an incident by hand (paged like any other, per incidents.paging)."""
    from autoheal.incidents import parse_severity

    with _runtime(config, db) as rt:
        incident = rt.service.open(
            title, severity=parse_severity(severity), service=service, actor=_actor(by)["actor"], source="cli"
        )
        incident = rt.service.get(incident.id)
    _print_incident(incident.to_dict(), as_json)


@app.command("ack")
@guarded
def ack(
    ref: str = typer.Argument(..., help="INC-12 or 12"),
    by: str | None = ByOption,
    as_json: bool = typer.Option(False, "--json"),
    db: str = DbOption,
    config: Path | None = ConfigOption,
) -> None:
    """Acknowledge: you are on it (a triggered incident becomes investigating)."""
    with _runtime(config, db) as rt:
        incident = rt.service.ack(ref, **_actor(by))
    _print_incident(incident.to_dict(), as_json)


@app.command("note")
@guarded
def note(
    ref: str = typer.Argument(..., help="INC-12 or 12"),
    text: str = typer.Argument(..., help="what you saw or did"),
    kind: str = typer.Option("note", help="note, checked, ruled_out or hypothesis"),
    by: str | None = ByOption,
    db: str = DbOption,
    config: Path | None = ConfigOption,
) -> None:
    """Add a note to the timeline."""
    with _runtime(config, db) as rt:
        event = rt.service.add_note(ref, text, kind=kind, **_actor(by))
    print_json(event.to_dict())


@app.command("status")
@guarded
def status(
    ref: str = typer.Argument(..., help="INC-12 or 12"),
    to: str = typer.Argument(..., help="investigating, identified, mitigated, resolved or reopened"),
    reason: str = typer.Option("", help="why"),
    by: str | None = ByOption,
    as_json: bool = typer.Option(False, "--json"),
    db: str = DbOption,
    config: Path | None = ConfigOption,
) -> None:
    """Move the incident along its lifecycle (an illegal change is refused, nothing changes)."""
    from autoheal.incidents import parse_status

    with _runtime(config, db) as rt:
        incident = rt.service.transition(ref, parse_status(to), reason=reason, **_actor(by))
    _print_incident(incident.to_dict(), as_json)


@app.command("resolve")
@guarded
def resolve(
    ref: str = typer.Argument(..., help="INC-12 or 12"),
    summary: str = typer.Option("", help="what happened and what fixed it"),
    cause: str | None = typer.Option(None, help="the root cause, in one line"),
    noise: bool = typer.Option(
        False, "--noise", help="closed as noise: the alert was not actionable (triage learns it)"
    ),
    by: str | None = ByOption,
    as_json: bool = typer.Option(False, "--json"),
    db: str = DbOption,
    config: Path | None = ConfigOption,
) -> None:
    """Resolve the incident (only a human does; the alerts resolving does not)."""
    with _runtime(config, db) as rt:
        incident = rt.service.resolve(ref, summary=summary, cause=cause, noise=noise, **_actor(by))
    _print_incident(incident.to_dict(), as_json)


@oncall_app.command("who")
@guarded
def who(
    service: str = typer.Argument(..., help="the service whose on-call you want"),
    at: str | None = typer.Option(None, "--at", help="ISO time with zone (default: now)"),
    config: Path | None = ConfigOption,
) -> None:
    """Who is paged first for SERVICE (built-in schedules and escalation policies)."""
    from autoheal.clock import SystemClock
    from autoheal.errors import InputError
    from autoheal.incidents.paging.oncall import OnCallDirectory

    settings = settings_from(config)
    if at:
        try:
            when = datetime.fromisoformat(at.replace("Z", "+00:00"))
        except ValueError:
            raise InputError(f"--at {at!r} is not an ISO time (e.g. 2026-03-29T08:00:00+01:00)") from None
    else:
        when = SystemClock().now()
    people = OnCallDirectory(settings.incidents.oncall).who(service, when)
    print_json({"service": service, "at": when.isoformat(), "on_call": [p.to_dict() for p in people]})


@app.command("trace")
@guarded
def trace(
    ref: str = typer.Argument(..., help="INC-12 or 12"),
    as_json: bool = typer.Option(False, "--json", help="one JSON object per step"),
    db: str = DbOption,
    config: Path | None = ConfigOption,
) -> None:
    """The incident's decision trace: what people checked, ruled out, tried and decided, as typed steps."""
    from autoheal.decisions.trace import incident_trace

    with _runtime(config, db) as rt:
        incident, steps = incident_trace(rt.service, ref)
    if as_json:
        for step in steps:
            print_json(step.to_dict())
        return
    table = Table(title=f"{incident.ref}: decision trace ({len(steps)} steps)")
    for col in ("at", "who", "action", "target", "service", "text"):
        table.add_column(col, overflow="fold")
    for s in steps:
        target = f"{s.target.kind.value}: {s.target.value}" if s.target else ""
        table.add_row(s.at.isoformat()[:19], s.who, s.action.value, target[:50], s.service or "", s.text[:80])
    console.print(table)

"""`autoheal silences list | create | expire`: silences kept in Autoheal's database, which triage
reads beside Alertmanager's silences and the config file's maintenance windows
(:mod:`autoheal.store.silences`). `autoheal maintenance ...` (cli/maintenance.py) is the same for
maintenance windows. With ``--url`` and a token they go through the server's API."""

from __future__ import annotations

import getpass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import typer
from pydantic import ValidationError
from rich.table import Table

from autoheal import clock
from autoheal.cli.common import ConfigOption, DbOption, console, database, guarded, print_json
from autoheal.cli.remote import TokenOption, UrlOption, local_sessions, remote
from autoheal.clock import SystemClock, utc
from autoheal.errors import InputError
from autoheal.store import silences as store
from autoheal.store.db import session_factory


def parse_duration(text: str) -> timedelta:
    try:
        return clock.parse_duration(text)
    except ValueError as exc:
        raise InputError(f"--duration: {exc}") from None


def parse_time(text: str, option: str) -> datetime:
    try:
        when = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise InputError(f"{option} {text!r} is not an ISO 8601 time (e.g. 2026-12-24T02:00:00Z)") from exc
    if when.tzinfo is None:
        raise InputError(f"{option} {text!r} needs a time zone (e.g. 2026-12-24T02:00:00Z or +01:00)")
    return utc(when)


def parse_matchers(pairs: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in pairs:
        label, sep, pattern = pair.partition("=")
        if not sep or not label:
            raise InputError(f"--match {pair!r}: use LABEL=REGEX, e.g. --match alertname=DiskFull")
        out[label] = pattern
    return out


def build(kind: store.Kind) -> typer.Typer:
    noun = "silence" if kind == "silence" else "maintenance window"
    plural = "silences" if kind == "silence" else "maintenance"
    path = f"/api/v1/{plural}"
    app = typer.Typer(
        help=f"{noun.capitalize()}s stored in Autoheal (triage reads them).", no_args_is_help=True
    )

    @app.command("list")
    @guarded
    def list_(
        include_expired: bool = typer.Option(False, "--all", help="also expired ones"),
        as_json: bool = typer.Option(False, "--json"),
        db: str = DbOption,
        config: Path | None = ConfigOption,
        url: str | None = UrlOption,
        token: str | None = TokenOption,
    ) -> None:
        api = remote(url, token)
        if api is not None:
            answer = api.get(path, include_expired=str(include_expired).lower(), limit=1000)
            rows: list[dict[str, Any]] = answer["silences" if kind == "silence" else "windows"]
        else:
            now = SystemClock().now()
            with local_sessions(config, db)() as session:
                found = store.list_(session, kind, now, include_expired=include_expired, limit=1000)
                rows = [store.to_dict(r, now) for r in found]
        if as_json:
            for r in rows:
                print_json(r)
            return
        table = Table("id", "state", "name", "from", "until", "services", "matchers", title=f"{noun}s")
        for r in rows:
            table.add_row(
                str(r["id"]),
                r["state"],
                r["name"],
                r["starts_at"][:16] + "Z",
                r["ends_at"][:16] + "Z",
                ", ".join(r["services"]) or "any",
                ", ".join(f"{k}=~{v}" for k, v in r["matchers"].items()),
            )
        console.print(table)

    @app.command("create")
    @guarded
    def create(
        name: str = typer.Option(..., "--name", help="short name"),
        comment: str = typer.Option("", "--comment", help="why (shown in triage verdicts)"),
        start: str | None = typer.Option(None, "--start", help="ISO 8601 with a zone (default: now)"),
        end: str | None = typer.Option(None, "--end", help="ISO 8601 with a zone"),
        duration: str | None = typer.Option(None, "--duration", help="instead of --end: 30m, 2h, 1d"),
        service: list[str] = typer.Option([], "--service", help="only this service (repeatable)"),
        match: list[str] = typer.Option([], "--match", help="LABEL=REGEX, whole value (repeatable)"),
        by: str | None = typer.Option(None, "--by", help="who (local only; default: your login name)"),
        db: str = DbOption,
        config: Path | None = ConfigOption,
        url: str | None = UrlOption,
        token: str | None = TokenOption,
    ) -> None:
        now = SystemClock().now()
        starts = parse_time(start, "--start") if start else None
        if (end is None) == (duration is None):
            raise InputError("give either --end or --duration")
        ends = parse_time(end, "--end") if end else (starts or now) + parse_duration(duration or "")
        body = {
            "name": name,
            "comment": comment,
            "starts_at": starts.isoformat() if starts else None,
            "ends_at": ends.isoformat(),
            "services": list(service),
            "matchers": parse_matchers(list(match)),
        }
        api = remote(url, token)
        if api is not None:
            out = api.post(path, body)
        else:
            try:
                spec = store.SuppressionSpec.model_validate(body)
            except ValidationError as exc:
                raise InputError("; ".join(e["msg"] for e in exc.errors())) from None
            with session_factory(database(config, db))() as session:
                out = store.to_dict(store.create(session, kind, spec, by or getpass.getuser(), now), now)
        print_json(out)

    @app.command("expire")
    @guarded
    def expire(
        item_id: int = typer.Argument(..., help=f"the {noun}'s id (see `autoheal {plural} list`)"),
        by: str | None = typer.Option(None, "--by", help="who (local only; default: your login name)"),
        db: str = DbOption,
        config: Path | None = ConfigOption,
        url: str | None = UrlOption,
        token: str | None = TokenOption,
    ) -> None:
        api = remote(url, token)
        if api is not None:
            out = api.delete(f"{path}/{item_id}")
        else:
            now = SystemClock().now()
            with local_sessions(config, db)() as session:
                out = store.to_dict(store.expire(session, kind, item_id, by or getpass.getuser(), now), now)
        console.print(f"{noun} {out['id']} ({out['name']}) ended at {out['ends_at']}", highlight=False)

    list_.__doc__ = f"{noun.capitalize()}s, newest first: active and pending (with --all, expired too)."
    create.__doc__ = f"Create a {noun}: matching alerts are triaged as noise while it lasts."
    expire.__doc__ = f"End a {noun} now (it is kept for the record)."
    return app


app = build("silence")

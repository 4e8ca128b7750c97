"""`autoheal audit verify | export | keygen | sign`: the tamper-evident trail.

``verify`` and ``export`` read a running server with ``--url`` and an admin token (``verify`` is
then the server's own check; to check it independently, export and verify elsewhere)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import typer

from autoheal.cli.common import ConfigOption, DbOption, console, database, err_console, guarded
from autoheal.cli.remote import ApiClient, TokenOption, UrlOption, local_database, remote
from autoheal.errors import InputError

app = typer.Typer(help="Audit trail: verify, export, sign.", no_args_is_help=True)


@app.command("verify")
@guarded
def verify(
    db: str = DbOption,
    config: Path | None = ConfigOption,
    public_key: Path | None = typer.Option(
        None, "--public-key", help="Ed25519 public key (PEM) to check checkpoints"
    ),
    url: str | None = UrlOption,
    token: str | None = TokenOption,
) -> None:
    """Recompute the chain; exit 1 naming the first bad record (altered, removed, reordered, inserted)."""
    from autoheal.audit.signing import load_public_key
    from autoheal.audit.verify import verify_chain

    api = remote(url, token)
    if api is not None:
        if public_key:
            raise InputError("--public-key checks signatures locally: use it with --db, not --url")
        answer = api.get("/api/v1/audit/verify")
        for warning in answer["warnings"]:
            err_console.print(f"[yellow]warning:[/yellow] {warning}")
        if not answer["ok"]:
            err_console.print(f"[red]TAMPERED[/red] first bad record: {answer['first_bad']}", highlight=False)
            raise typer.Exit(1)
        console.print(
            f"[green]ok[/green] (the server's check) {answer['records']} records, head seq "
            f"{answer['head_seq']} hash {answer['head_hash'][:16]}…, {answer['checkpoints_checked']} checkpoints",
            highlight=False,
            soft_wrap=True,
        )
        return
    key = load_public_key(public_key) if public_key else None
    report = verify_chain(local_database(config, db), public_key=key)
    for warning in report.warnings:
        err_console.print(f"[yellow]warning:[/yellow] {warning}")
    if not report.ok:
        bad = report.first_bad
        assert bad is not None
        err_console.print(f"[red]TAMPERED[/red] first bad record: {bad}", highlight=False, soft_wrap=True)
        for p in report.problems[1:6]:
            err_console.print(f"  also: {p}", highlight=False, soft_wrap=True)
        raise typer.Exit(1)
    console.print(
        f"[green]ok[/green] {report.records} records, head seq {report.head_seq} hash {report.head_hash[:16]}…, "
        f"{report.checkpoints_checked} checkpoints, {report.signatures_checked} signatures verified",
        highlight=False,
        soft_wrap=True,
    )


@app.command("export")
@guarded
def export(
    since: str | None = typer.Option(None, "--since", help="ISO 8601 time; records at or after it"),
    fmt: str = typer.Option("jsonl", "--format", help="jsonl (one record per line)"),
    output: Path | None = typer.Option(None, "--output", "-o", help="file (default: stdout)"),
    db: str = DbOption,
    config: Path | None = ConfigOption,
    url: str | None = UrlOption,
    token: str | None = TokenOption,
) -> None:
    """Write records (with their hashes, so the export can be re-verified) as JSON lines."""
    import json

    from autoheal.audit.trail import iter_records
    from autoheal.clock import utc

    if fmt != "jsonl":
        raise InputError(f"unknown format {fmt!r}; supported: jsonl")
    when = None
    if since:
        try:
            when = utc(datetime.fromisoformat(since.replace("Z", "+00:00")))
        except ValueError as exc:
            raise InputError(
                f"--since {since!r} is not an ISO 8601 time (e.g. 2026-01-31T00:00:00Z)"
            ) from exc
    api = remote(url, token)
    records = (
        _server_records(api, when)
        if api is not None
        else (r.to_dict() for r in iter_records(local_database(config, db), since=when))
    )
    out = output.open("w", encoding="utf-8") if output else sys.stdout
    n = 0
    try:
        for rec in records:
            out.write(json.dumps(rec, ensure_ascii=False, sort_keys=True) + "\n")
            n += 1
    finally:
        if output:
            out.close()
    err_console.print(f"exported {n} records")


def _server_records(api: ApiClient, since: datetime | None) -> Iterator[dict[str, Any]]:
    after = 0
    while True:
        params: dict[str, Any] = {"after": after, "limit": 1000}
        if since is not None:
            params["since"] = since.isoformat()
        page = api.get("/api/v1/audit/records", **params)
        yield from page["records"]
        if page["next_after"] is None:
            return
        after = page["next_after"]


@app.command("keygen")
@guarded
def keygen(
    out: Path = typer.Option(
        Path("audit-signing"), "--out", help="path prefix: writes PREFIX.pem and PREFIX.pub"
    ),
) -> None:
    """Create an Ed25519 key pair for signing chain checkpoints (private key mode 0600)."""
    from autoheal.audit.signing import generate_keypair

    private, public = out.with_suffix(".pem"), out.with_suffix(".pub")
    if private.exists():
        raise InputError(f"{private} exists; refusing to overwrite a signing key")
    kid = generate_keypair(private, public)
    console.print(
        f"key {kid}: private {private} (keep secret), public {public} (give to auditors)", highlight=False
    )


@app.command("sign")
@guarded
def sign(
    key: Path = typer.Option(..., "--key", help="Ed25519 private key (PEM) from `autoheal audit keygen`"),
    db: str = DbOption,
    config: Path | None = ConfigOption,
) -> None:
    """Sign the current head of the chain (a checkpoint)."""
    from autoheal.audit.signing import load_private_key, sign_checkpoint
    from autoheal.audit.trail import AuditTrail

    engine = database(config, db)
    cp = sign_checkpoint(engine, AuditTrail(engine), load_private_key(key))
    if cp is None:
        console.print("the trail is empty; nothing to sign")
        return
    console.print(
        f"signed checkpoint at seq {cp.seq} (hash {cp.hash[:16]}…) with key {cp.key_id}", highlight=False
    )

"""`autoheal approvals list | grant | deny`: people decide on write actions.

With ``--url`` (``AUTOHEAL_URL``) and a token the commands go through the server's API, as the
token's role. Without, the CLI runs with direct database access, so its user acts as a local
operator; ``--by`` names them in the audit trail and ``--role`` must be an approver role of the policy.
"""

from __future__ import annotations

import getpass
from pathlib import Path

import typer
from rich.table import Table

from autoheal.cli.common import ConfigOption, DbOption, console, guarded, print_json, settings_from
from autoheal.cli.remote import TokenOption, UrlOption, local_database, remote
from autoheal.clock import utc
from autoheal.governance.approvals import ApprovalRequest, ApprovalService, Principal

app = typer.Typer(help="Approval requests for write actions.", no_args_is_help=True)


def _service(config: Path | None, db: str | None, policy: Path | None) -> ApprovalService:
    from autoheal.audit.trail import AuditTrail
    from autoheal.governance.wiring import policy_from

    settings = settings_from(config, db)
    engine = local_database(config, db, settings=settings)
    pol = policy_from(policy or settings.policy_file)
    return ApprovalService(engine, settings=pol.approvals, audit=AuditTrail(engine))


PolicyOption = typer.Option(None, "--policy", help="policy file (default: from config, else built-in)")


@app.command("list")
@guarded
def list_requests(
    status: str | None = typer.Option(None, help="pending, granted, refused, used or expired"),
    limit: int = typer.Option(50, min=1, max=1000),
    as_json: bool = typer.Option(False, "--json"),
    db: str = DbOption,
    config: Path | None = ConfigOption,
    policy: Path | None = PolicyOption,
    url: str | None = UrlOption,
    token: str | None = TokenOption,
) -> None:
    """Approval requests, newest first."""
    api = remote(url, token)
    if api is not None:
        requests = [_from_dict(d) for d in api.get("/api/v1/approvals", status=status, limit=limit)]
    else:
        requests = _service(config, db, policy).list(status=status, limit=limit)
    if as_json:
        for r in requests:
            print_json(r.to_dict())
        return
    table = Table(title="approval requests")
    for col in ("id", "status", "tool", "args", "asked by", "investigation", "created", "decided by"):
        table.add_column(col)
    for r in requests:
        table.add_row(
            str(r.id),
            r.status,
            r.tool,
            str(r.args)[:80],
            r.caller,
            r.investigation_id or "",
            r.created_at.strftime("%Y-%m-%d %H:%M:%S %Z"),
            r.decided_by or "",
        )
    console.print(table)


def _from_dict(d: dict[str, object]) -> ApprovalRequest:
    from datetime import datetime

    fields = dict(d)
    for key in ("created_at", "expires_at", "decided_at", "used_at"):
        value = fields.get(key)
        fields[key] = utc(datetime.fromisoformat(str(value))) if value else None
    return ApprovalRequest(**fields)  # type: ignore[arg-type]


def _who(by: str | None, role: str) -> Principal:
    return Principal(name=by or getpass.getuser(), role=role)


@app.command("grant")
@guarded
def grant(
    request_id: int = typer.Argument(...),
    by: str | None = typer.Option(None, "--by", help="who grants (default: the OS user)"),
    role: str = typer.Option("admin", "--role", help="your role: responder or admin"),
    note: str = typer.Option("", "--note"),
    db: str = DbOption,
    config: Path | None = ConfigOption,
    policy: Path | None = PolicyOption,
    url: str | None = UrlOption,
    token: str | None = TokenOption,
) -> None:
    """Let that exact call run once."""
    api = remote(url, token)
    if api is not None:
        r = _from_dict(api.post(f"/api/v1/approvals/{request_id}/grant", {"note": note}))
    else:
        r = _service(config, db, policy).grant(request_id, _who(by, role), note)
    console.print(
        f"granted request {r.id}: {r.tool} {r.args} (valid until {r.expires_at:%H:%M:%S} UTC)",
        highlight=False,
        soft_wrap=True,
    )


@app.command("deny")
@guarded
def deny(
    request_id: int = typer.Argument(...),
    by: str | None = typer.Option(None, "--by", help="who refuses (default: the OS user)"),
    role: str = typer.Option("admin", "--role", help="your role: responder or admin"),
    note: str = typer.Option("", "--note"),
    db: str = DbOption,
    config: Path | None = ConfigOption,
    policy: Path | None = PolicyOption,
    url: str | None = UrlOption,
    token: str | None = TokenOption,
) -> None:
    """Refuse the call; the same call is then denied until the request expires."""
    api = remote(url, token)
    if api is not None:
        r = _from_dict(api.post(f"/api/v1/approvals/{request_id}/deny", {"note": note}))
    else:
        r = _service(config, db, policy).refuse(request_id, _who(by, role), note)
    console.print(f"refused request {r.id}: {r.tool}", highlight=False, soft_wrap=True)

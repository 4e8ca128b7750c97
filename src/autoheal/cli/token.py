"""`autoheal token create | list | revoke`: API tokens for people.

Locally (the configured database) or, with ``--url`` and an admin ``--token``, over the server's
API. A new token's secret is printed once; only its hash is stored.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from autoheal.cli.common import ConfigOption, DbOption, console, database, guarded, print_json
from autoheal.cli.remote import TokenOption, UrlOption, local_sessions, remote
from autoheal.clock import SystemClock
from autoheal.store.db import session_factory
from autoheal.store.tokens import Role, create_token, list_tokens, revoke_token, token_to_dict

app = typer.Typer(help="Manage API tokens.", no_args_is_help=True)


@app.command("create")
@guarded
def create(
    role: Role = typer.Option(..., "--role", help="viewer, responder or admin"),
    name: str = typer.Option("cli", help="who or what the token is for"),
    db: str = DbOption,
    config: Path = ConfigOption,
    url: str | None = UrlOption,
    admin_token: str | None = TokenOption,
) -> None:
    """Create a token; it is printed once and stored only as a hash."""
    api = remote(url, admin_token)
    if api is not None:
        token = str(api.post("/api/v1/tokens", {"name": name, "role": role.value})["token"])
    else:
        with session_factory(database(config, db))() as session:
            token = create_token(session, role, name, SystemClock().now())
    console.print(token, highlight=False, soft_wrap=True)


@app.command("list")
@guarded
def list_(
    include_revoked: bool = typer.Option(False, "--all", help="also revoked tokens"),
    as_json: bool = typer.Option(False, "--json"),
    db: str = DbOption,
    config: Path = ConfigOption,
    url: str | None = UrlOption,
    admin_token: str | None = TokenOption,
) -> None:
    """API tokens: id, name, role, creation time (never the secrets)."""
    api = remote(url, admin_token)
    if api is not None:
        rows = api.get("/api/v1/tokens", include_revoked=str(include_revoked).lower())["tokens"]
    else:
        with local_sessions(config, db)() as session:
            rows = [token_to_dict(r) for r in list_tokens(session, include_revoked=include_revoked)]
    if as_json:
        for r in rows:
            print_json(r)
        return
    table = Table("id", "name", "role", "created", "revoked", title="API tokens")
    for r in rows:
        table.add_row(
            str(r["id"]), r["name"], r["role"], r["created_at"][:19] + "Z", "yes" if r["revoked"] else ""
        )
    console.print(table)


@app.command("revoke")
@guarded
def revoke(
    token_id: int = typer.Argument(..., help="the token's id (see `autoheal token list`)"),
    db: str = DbOption,
    config: Path = ConfigOption,
    url: str | None = UrlOption,
    admin_token: str | None = TokenOption,
) -> None:
    """Revoke a token: its holder gets 401 from the next request on."""
    api = remote(url, admin_token)
    if api is not None:
        out = api.delete(f"/api/v1/tokens/{token_id}")
    else:
        with local_sessions(config, db)() as session:
            out = token_to_dict(revoke_token(session, token_id))
    console.print(f"revoked token {out['id']} ({out['name']}, {out['role']})", highlight=False)

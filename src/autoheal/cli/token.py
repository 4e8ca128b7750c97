"""`autoheal token create`: API tokens for people."""

from __future__ import annotations

from pathlib import Path

import typer

from autoheal.cli.common import ConfigOption, DbOption, console, database, guarded
from autoheal.clock import SystemClock
from autoheal.store.db import session_factory
from autoheal.store.tokens import Role, create_token

app = typer.Typer(help="Manage API tokens.", no_args_is_help=True)


@app.command("create")
@guarded
def create(
    role: Role = typer.Option(..., "--role", help="viewer, responder or admin"),
    name: str = typer.Option("cli", help="who or what the token is for"),
    db: str = DbOption,
    config: Path = ConfigOption,
) -> None:
    """Create a token; it is printed once and stored only as a hash."""
    with session_factory(database(config, db))() as session:
        token = create_token(session, role, name, SystemClock().now())
    console.print(token, highlight=False, soft_wrap=True)

"""`autoheal mcp`: the MCP server on stdio (one client, its token in ``AUTOHEAL_TOKEN``), or on
streamable HTTP with ``--http HOST:PORT`` (every request carries its own API token), for Claude
Code, Cursor and other agents."""

from __future__ import annotations

import os
from pathlib import Path

import typer

from autoheal.cli.common import ConfigOption, DbOption, guarded, settings_from
from autoheal.errors import AuthError

TOKEN_VARIABLE = "AUTOHEAL_TOKEN"


def register(root: typer.Typer) -> None:
    @root.command("mcp")
    @guarded
    def mcp_command(
        db: str = DbOption,
        config: Path = ConfigOption,
        token_file: Path | None = typer.Option(
            None, "--token-file", help=f"file holding the API token (default: ${TOKEN_VARIABLE})"
        ),
        http: str | None = typer.Option(
            None,
            "--http",
            metavar="HOST:PORT",
            help="serve streamable HTTP at http://HOST:PORT/mcp instead of stdio; every request "
            "needs 'Authorization: Bearer <API token>'",
        ),
    ) -> None:
        """Serve the MCP tools on stdio, authenticated by an API token (its role decides what may be called)."""
        import anyio

        from autoheal.app import Autoheal
        from autoheal.jobs import InlineQueue
        from autoheal.logconfig import configure_logging
        from autoheal.mcp.server import serve_stdio

        if http is not None:
            from autoheal.mcp.http import parse_address, serve_http

            parse_address(http)  # a bad address is refused before anything starts
            settings = settings_from(config, db)
            configure_logging(settings.log_level, json_format=True)
            app = Autoheal.create(settings, jobs=InlineQueue())
            try:
                serve_http(app, http)
            finally:
                app.close()
            return
        token = (token_file.read_text() if token_file else os.environ.get(TOKEN_VARIABLE, "")).strip()
        if not token:
            raise AuthError(
                f"no API token: set {TOKEN_VARIABLE} or pass --token-file "
                "(create one with `autoheal token create --role viewer`)"
            )
        settings = settings_from(config, db)
        configure_logging(settings.log_level, json_format=True)  # stderr: stdout carries the protocol
        app = Autoheal.create(settings, jobs=InlineQueue())
        try:
            anyio.run(serve_stdio, app, token)
        finally:
            app.close()

"""`autoheal tools list`: every tool, what the policy says about it, its access and limits."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from autoheal.cli.common import ConfigOption, console, err_console, guarded, print_json, settings_from
from autoheal.cli.remote import TokenOption, UrlOption, remote
from autoheal.governance.gateway import Gateway
from autoheal.governance.wiring import policy_from

app = typer.Typer(help="Governed tools.", no_args_is_help=True)


@app.command("list")
@guarded
def list_tools(
    config: Path | None = ConfigOption,
    policy: Path | None = typer.Option(
        None, "--policy", help="policy file (default: from config, else built-in)"
    ),
    caller: str = typer.Option("investigation", help="decide as this caller"),
    as_json: bool = typer.Option(False, "--json", help="one JSON object per tool"),
    url: str | None = UrlOption,
    token: str | None = TokenOption,
) -> None:
    """Every tool, what the policy says about it for a caller, its access and limits."""
    from autoheal.api.routes.tools import tool_to_dict
    from autoheal.telemetry.embedded import EmbeddedTelemetry
    from autoheal.tools.registry import ToolsConfig, build_tools

    api = remote(url, token)
    if api is not None:
        infos = api.get("/api/v1/tools", caller=caller)["tools"]
        where = f"server {api.url}"
    else:
        settings = settings_from(config)
        source = str(policy or settings.policy_file or "built-in")
        err_console.print(f"reading the local configuration (policy: {source})", highlight=False)
        pol = policy_from(policy or settings.policy_file)
        tools = build_tools(ToolsConfig.model_validate(settings.tools), EmbeddedTelemetry(":memory:"))
        gateway = Gateway(tools, pol)  # describes only; nothing is called
        infos = [tool_to_dict(i) for i in gateway.catalog(caller=caller)]
        where = f"policy: {source}"
    if as_json:
        for i in infos:
            print_json(i)
        return
    table = Table(title=f"tools ({where}; caller {caller})")
    table.add_column("tool", no_wrap=True)
    for col in ("access", "policy", "rule", "rate limit", "concurrency"):
        table.add_column(col)
    colour = {"allow": "green", "deny": "red", "require_approval": "yellow"}
    for i in infos:
        table.add_row(
            i["name"],
            i["access"],
            f"[{colour.get(i['decision'], 'white')}]{i['decision']}[/]",
            i["rule"],
            i["rate_limit"],
            i["concurrency"],
        )
    console.print(table)

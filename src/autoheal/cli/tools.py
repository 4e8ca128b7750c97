"""`autoheal tools list`: every tool, what the policy says about it, its access and limits."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from autoheal.cli.common import ConfigOption, console, guarded, print_json, settings_from
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
) -> None:
    from autoheal.telemetry.embedded import EmbeddedTelemetry
    from autoheal.tools.registry import ToolsConfig, build_tools

    settings = settings_from(config)
    pol = policy_from(policy or settings.policy_file)
    tools = build_tools(ToolsConfig.model_validate(settings.tools), EmbeddedTelemetry(":memory:"))
    gateway = Gateway(tools, pol)  # describes only; nothing is called
    infos = gateway.catalog(caller=caller)
    if as_json:
        for i in infos:
            print_json(
                {
                    "name": i.name,
                    "access": i.access.value,
                    "decision": i.decision,
                    "rule": i.rule,
                    "rate_limit": i.rate_limit,
                    "concurrency": i.concurrency,
                    "description": i.description,
                }
            )
        return
    table = Table(title=f"tools (policy: {policy or settings.policy_file or 'built-in'}; caller {caller})")
    table.add_column("tool", no_wrap=True)
    for col in ("access", "policy", "rule", "rate limit", "concurrency"):
        table.add_column(col)
    colour = {"allow": "green", "deny": "red", "require_approval": "yellow"}
    for i in infos:
        table.add_row(
            i.name,
            i.access.value,
            f"[{colour[i.decision]}]{i.decision}[/]",
            i.rule,
            i.rate_limit,
            i.concurrency,
        )
    console.print(table)

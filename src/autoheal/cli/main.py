"""`autoheal` entry point. Each command group lives in its own module and is registered here.

To add a group: write ``cli/<name>.py`` exposing ``app = typer.Typer(...)`` (or a ``register(root)``
function for top-level commands) and add it to ``_GROUPS`` / ``_COMMANDS`` below.
"""

from __future__ import annotations

import importlib

import typer

root = typer.Typer(
    name="autoheal",
    help="Alert triage, root-cause investigation and incident response that SREs can audit.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

# (module under autoheal.cli, sub-command name) — each module exposes `app`.
_GROUPS: list[tuple[str, str]] = [
    ("alerts", "alerts"),
    ("alert", "alert"),
    ("token", "token"),
    ("policy", "policy"),
    ("audit", "audit"),
    ("tools", "tools"),
    ("approvals", "approvals"),
    ("bench", "bench"),
    ("sim", "sim"),
    ("triage", "triage"),
    ("silences", "silences"),
    ("maintenance", "maintenance"),
    ("case", "case"),
    ("graph", "graph"),
    ("incidents", "incidents"),
    ("fixes", "fixes"),
    ("report", "report"),
]

# modules exposing `register(root: typer.Typer)` for top-level commands.
_COMMANDS: list[str] = [
    "serve",
    "worker",
    "demo",
    "investigate",
    "backtest",
    "mcp",
]


def _load() -> None:
    for module_name, command in _GROUPS:
        module = importlib.import_module(f"autoheal.cli.{module_name}")
        root.add_typer(module.app, name=command)
    root.add_typer(importlib.import_module("autoheal.cli.incidents").oncall_app, name="oncall")
    for module_name in _COMMANDS:
        module = importlib.import_module(f"autoheal.cli.{module_name}")
        module.register(root)


_load()


def main() -> None:
    root()


if __name__ == "__main__":
    main()

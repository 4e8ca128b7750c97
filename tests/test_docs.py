"""Every command and setting is documented (a newcomer finds them without reading the code)."""

from __future__ import annotations

from pathlib import Path

import click
import typer.main
from pydantic import BaseModel

from autoheal.cli.main import root
from autoheal.config import ENVIRONMENT, Settings

ROOT = Path(__file__).parents[1]


def _commands(command: click.Command, prefix: list[str]):  # type: ignore[no-untyped-def]
    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            yield from _commands(sub, [*prefix, name])
    else:
        yield " ".join(prefix)


def test_every_cli_command_is_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    missing = [c for c in _commands(typer.main.get_command(root), ["autoheal"]) if f"`{c}" not in readme]
    assert not missing, f"commands missing from README.md: {missing}"


def test_every_setting_and_variable_is_in_the_configuration_doc():
    doc = (ROOT / "docs/configuration.md").read_text()
    missing = [var for var in ENVIRONMENT if var not in doc]
    for name, field in Settings.model_fields.items():
        if f"`{name}" not in doc:
            missing.append(name)
        annotation = field.annotation
        if (
            isinstance(annotation, type)
            and issubclass(annotation, BaseModel)
            and name in {"database", "server", "auth", "pipeline", "telemetry", "audit"}
        ):
            missing += [f"{name}.{sub}" for sub in annotation.model_fields if f"{name}.{sub}" not in doc]
    assert not missing, f"settings missing from docs/configuration.md: {missing}"

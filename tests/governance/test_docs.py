"""docs/governance.md documents every policy key and every governance command."""

from __future__ import annotations

from pathlib import Path

import typer
from pydantic import BaseModel

from autoheal.cli import approvals, audit, policy, tools
from autoheal.governance.policy import Policy

DOC = (Path(__file__).resolve().parents[2] / "docs" / "governance.md").read_text()


def _keys(model: type[BaseModel]) -> set[str]:
    out = set()
    for name, field in model.model_fields.items():
        out.add(field.alias or name)
        ann = field.annotation
        for candidate in (ann, *getattr(ann, "__args__", ())):
            if isinstance(candidate, type) and issubclass(candidate, BaseModel):
                out |= _keys(candidate)
    return out


def test_every_policy_key_is_documented() -> None:
    missing = sorted(k for k in _keys(Policy) if f"`{k}`" not in DOC and f"{k}`" not in DOC)
    assert not missing, f"undocumented policy keys: {missing}"


def test_every_command_is_documented() -> None:
    for group, app in (
        ("policy", policy.app),
        ("audit", audit.app),
        ("tools", tools.app),
        ("approvals", approvals.app),
    ):
        assert isinstance(app, typer.Typer)
        for command in app.registered_commands:
            name = command.name or (command.callback.__name__ if command.callback else "")
            assert f"autoheal {group} {name}" in DOC, (
                f"`autoheal {group} {name}` is not in docs/governance.md"
            )

"""docs/investigation.md documents every triage and investigation setting and the commands."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel

from autoheal.reasoning.config import EngineConfig
from autoheal.reasoning.triage.config import TriageConfig

DOC = (Path(__file__).resolve().parents[2] / "docs" / "investigation.md").read_text()


def _keys(model: type[BaseModel]) -> set[str]:
    out = set()
    for name, field in model.model_fields.items():
        out.add(name)
        for candidate in (field.annotation, *getattr(field.annotation, "__args__", ())):
            if isinstance(candidate, type) and issubclass(candidate, BaseModel):
                out |= _keys(candidate)
    return out


def test_every_setting_is_documented() -> None:
    missing = sorted(
        k for k in _keys(TriageConfig) | _keys(EngineConfig) if f"{k}:" not in DOC and f"`{k}`" not in DOC
    )
    assert not missing, f"undocumented settings: {missing}"


def test_commands_and_checks_are_documented() -> None:
    from autoheal.reasoning.checks import default_checks

    for needle in ("autoheal investigate", "autoheal bench triage", "/api/v1/investigations"):
        assert needle in DOC
    for check in default_checks():
        assert f"`{check.name}`" in DOC

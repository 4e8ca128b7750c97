"""Every incidents setting is named in docs/incidents.md, and the Slack manifest's scopes are
explained there."""

from __future__ import annotations

from pathlib import Path
from typing import Any, get_args

import yaml
from pydantic import BaseModel

from autoheal.incidents.config import IncidentsConfig

ROOT = Path(__file__).parents[2]


def _fields(model: type[BaseModel]) -> set[str]:
    out: set[str] = set()
    for name, field in model.model_fields.items():
        out.add(name)
        for candidate in (field.annotation, *get_args(field.annotation)):
            inner: Any = candidate
            for arg in get_args(candidate) or (candidate,):
                inner = arg
                if isinstance(inner, type) and issubclass(inner, BaseModel):
                    out |= _fields(inner)
    return out


def test_every_setting_is_documented() -> None:
    doc = (ROOT / "docs/incidents.md").read_text()
    missing = sorted(name for name in _fields(IncidentsConfig) if name not in doc)
    assert not missing, f"incidents settings missing from docs/incidents.md: {missing}"


def test_manifest_scopes_are_explained() -> None:
    manifest = yaml.safe_load((ROOT / "src/autoheal/incidents/slack/manifest.yaml").read_text())
    doc = (ROOT / "docs/incidents.md").read_text()
    scopes = manifest["oauth_config"]["scopes"]["bot"]
    assert scopes and all(f"`{scope}`" in doc for scope in scopes)


def test_the_example_loads_with_secrets_from_the_environment() -> None:
    from autoheal.config import load_settings

    env = {
        "AUTOHEAL_SLACK_BOT_TOKEN": "xoxb-1-secret",
        "AUTOHEAL_SLACK_SIGNING_SECRET": "signing-secret",
        "AUTOHEAL_PAGERDUTY_ROUTING_KEY": "routing-secret",
    }
    settings = load_settings(ROOT / "examples/incidents.yaml", env)
    assert settings.incidents.slack.enabled and settings.incidents.paging.provider == "pagerduty"
    shown = repr(settings) + settings.model_dump_json()
    assert not any(secret in shown for secret in env.values())

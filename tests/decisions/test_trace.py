"""An incident's timeline as a decision trace, and `autoheal incidents trace`."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from autoheal.cli.main import root
from autoheal.decisions import Action, TargetKind
from autoheal.decisions.trace import services_of, trace

T0 = datetime(2026, 1, 6, 10, 0, tzinfo=UTC)


@dataclass
class Event:
    kind: str
    actor: str
    source: str
    data: dict[str, Any] = field(default_factory=dict)
    at: datetime = T0


def test_human_events_become_typed_steps_and_the_rest_is_skipped() -> None:
    events = [
        Event("opened", "autoheal", "pipeline", {"text": "HighErrorRate on checkout"}),
        Event("investigation_finding", "autoheal", "pipeline", {"cause": "bad_deploy on checkout"}),
        Event("note", "slack:U1", "slack", {"text": "checked checkout, fine"}),
        Event("ruled_out", "slack:U1", "slack", {"text": "postgres", "evidence": ["ev3"]}),
        Event("slack_message", "slack:U2", "slack", {"text": "rolled back checkout to v2.3.1"}),
        Event("note", "cli:bob", "cli", {"text": "thanks all"}),
        Event("resolved", "cli:bob", "cli", {"text": "root cause: the v2.4.0 deploy on checkout"}),
        Event("page_sent", "pagerduty", "pager", {}),
    ]
    steps = trace(events, services_of(["checkout", "postgres"]))
    assert [s.action for s in steps] == [
        Action.CHECKED,
        Action.RULED_OUT,
        Action.MITIGATED,
        Action.NOTE,
        Action.RESOLVED,
    ]
    assert steps[1].service == "postgres" and steps[1].evidence == ("ev3",)
    assert steps[2].target is not None and steps[2].target.kind is TargetKind.CHANGE
    assert steps[4].target is not None and steps[4].target.value == "v2.4.0"
    assert steps[0].who == "slack:U1" and steps[0].source == "slack"


def test_incidents_trace_command(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'i.db'}"
    runner = CliRunner()
    opened = runner.invoke(
        root, ["incidents", "open", "checkout errors", "--service", "checkout", "--db", url, "--json"]
    )
    assert opened.exit_code == 0, opened.output
    ref = json.loads(opened.output.strip().splitlines()[-1])["ref"]
    for text in ("not the DB", "rolled back checkout to v2.3.1", "coffee?"):
        noted = runner.invoke(root, ["incidents", "note", ref, text, "--db", url])
        assert noted.exit_code == 0, noted.output
    out = runner.invoke(root, ["incidents", "trace", ref, "--json", "--db", url])
    assert out.exit_code == 0, out.output
    steps = [json.loads(line) for line in out.output.strip().splitlines()]
    assert [s["action"] for s in steps] == ["ruled_out", "mitigated", "note"]
    assert steps[1]["service"] == "checkout" and steps[1]["target"]["value"] == "v2.3.1"
    table = runner.invoke(root, ["incidents", "trace", ref, "--db", url])
    assert table.exit_code == 0 and "decision trace (3 steps)" in table.output
    missing = runner.invoke(root, ["incidents", "trace", "INC-999", "--db", url])
    assert missing.exit_code == 1

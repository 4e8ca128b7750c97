"""docs/sources.md must keep up with the code: every source, the Datadog template, the generic fields."""

from __future__ import annotations

import json
import re
from pathlib import Path

from autoheal.sources import LabelRules, get_source, source_names
from autoheal.sources.datadog import PAYLOAD_TEMPLATE, TRANSITIONS
from autoheal.sources.generic import GenericAlert
from autoheal.sources.pagerduty import EVENT_STATUS

DOC = (Path(__file__).resolve().parents[2] / "docs" / "sources.md").read_text(encoding="utf-8")


def test_every_source_is_documented() -> None:
    assert "POST /api/v1/alerts/{source}" in DOC
    for name in source_names():
        assert f"`{name}`" in DOC
        assert f"/api/v1/alerts/{name}" in DOC or name == "generic"


def test_datadog_template_in_the_docs_is_the_one_the_code_reads() -> None:
    blocks = re.findall(r"```json\n(\{.*?\})\n```", DOC, flags=re.S)
    assert PAYLOAD_TEMPLATE in [json.loads(b) for b in blocks if '"$ALERT_ID"' in b]
    for transition in TRANSITIONS:
        assert transition in DOC.lower()


def test_generic_fields_and_pagerduty_events_are_documented() -> None:
    for field in GenericAlert.model_fields:
        assert f"| `{field}` |" in DOC
    for event_type in EVENT_STATUS:
        assert f"`{event_type}`" in DOC


def test_generic_example_in_the_docs_normalises() -> None:
    example = next(b for b in re.findall(r"```json\n(\{.*?\})\n```", DOC, flags=re.S) if '"alerts"' in b)
    alerts = get_source("generic").normalise(json.loads(example), LabelRules())
    assert [a.name for a in alerts] == ["BackupJobFailed", "PodCrashLooping"]


def test_label_rules_fields_are_documented() -> None:
    for field in LabelRules.model_fields:
        assert f"{field}:" in DOC

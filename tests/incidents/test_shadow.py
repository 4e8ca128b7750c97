"""Shadow mode (``pipeline.mode: shadow``): the same story as live — the demo's bad checkout deploy,
its webhooks through the real endpoint, triage, investigation, an incident, an acknowledgement —
reaches the fake Slack and the fake PagerDuty in live mode and makes zero calls to either in
shadow mode, where the page and the post are recorded as ``would_page`` / ``would_post`` on the
timeline and in the audit trail, and the shadow report counts them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from autoheal.sim import load_scenario, simulate
from autoheal.sim.export import export
from autoheal.sim.story_incidents import IncidentStory

ADMIN = "ah_admin_shadow-test-token-0123456789"
SOURCE = "shadow-source-token"


@dataclass
class Played:
    mode: str
    story: IncidentStory
    app: Any
    client: TestClient
    db: Path


@pytest.fixture(scope="module")
def demo_export(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Path]:
    run = simulate(load_scenario("demo-story"))
    folder = tmp_path_factory.mktemp("demo-export")
    export(run, folder)
    return run, folder


def _play(mode: str, demo_export: tuple[Any, Path], workdir: Path) -> Iterator[Played]:
    from autoheal.api.app import create_app
    from autoheal.app import Autoheal
    from autoheal.clock import ManualClock
    from autoheal.config import Settings
    from autoheal.jobs import InlineQueue

    run, folder = demo_export
    story = IncidentStory.start()
    raw = yaml.safe_load((folder / "autoheal.yaml").read_text())
    db = workdir / f"{mode}.db"
    raw |= {
        "database": {"url": f"sqlite:///{db}"},
        "auth": {"admin_token": ADMIN},
        "sources": {"alertmanager": {"auth": {"type": "bearer", "token": SOURCE}}},
        "incidents": story.config,
        "pipeline": {"mode": mode},
        "fixes": {"on_resolution": False},
    }
    clock = ManualClock(run.deliveries[0].at)
    app = Autoheal.create(
        Settings.model_validate(raw), clock=clock, jobs=InlineQueue(), **story.create_kwargs
    )
    try:
        with TestClient(create_app(app)) as client:
            headers = {"Authorization": f"Bearer {SOURCE}", "Content-Type": "application/json"}
            for d in run.deliveries:
                app.advance_clock(max(d.at, clock.now()))  # held investigations run on the way
                r = client.post("/api/v1/alerts/alertmanager", content=d.body(), headers=headers)
                assert r.status_code < 300, r.text
            while (due := app.scheduler.next_due()) is not None:
                app.advance_clock(due)
            client.headers["Authorization"] = f"Bearer {ADMIN}"
            yield Played(mode, story, app, client, db)
    finally:
        app.close()
        story.stop()


@pytest.fixture(scope="module")
def live(demo_export: tuple[Any, Path], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Played]:
    yield from _play("live", demo_export, tmp_path_factory.mktemp("live"))


@pytest.fixture(scope="module")
def shadow(demo_export: tuple[Any, Path], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Played]:
    yield from _play("shadow", demo_export, tmp_path_factory.mktemp("shadow"))


def _incidents(p: Played) -> list[dict[str, Any]]:
    r = p.client.get("/api/v1/incidents")
    assert r.status_code == 200, r.text
    return list(r.json()["incidents"])


def _timeline(p: Played, ref: str) -> list[dict[str, Any]]:
    r = p.client.get(f"/api/v1/incidents/{ref}/timeline")
    assert r.status_code == 200, r.text
    return list(r.json()["events"])


def test_live_mode_pages_and_posts(live: Played) -> None:
    incidents = _incidents(live)
    assert incidents, "the demo story's signal opens an incident"
    assert len(live.story.pagerduty.accepted("trigger")) == len(incidents)
    assert live.story.slack.calls_of("conversations.create") and live.story.slack.calls_of("chat.postMessage")
    kinds = {e["kind"] for e in _timeline(live, incidents[0]["ref"])}
    assert {"page_sent", "slack_channel"} <= kinds and not kinds & {"would_page", "would_post"}


def test_shadow_mode_makes_zero_calls_and_records_what_it_would_have_done(
    live: Played, shadow: Played
) -> None:
    assert shadow.story.slack.calls == []
    assert shadow.story.pagerduty.calls == []
    incidents = _incidents(shadow)
    # everything else ran: the same incidents were opened, with the same root cause
    assert [(i["title"], i["severity"], i["cause"]) for i in incidents] == [
        (i["title"], i["severity"], i["cause"]) for i in _incidents(live)
    ]
    ref = incidents[0]["ref"]
    events = _timeline(shadow, ref)
    kinds = [e["kind"] for e in events]
    assert "page_sent" not in kinds and "slack_channel" not in kinds
    would_page = [e for e in events if e["kind"] == "would_page"]
    assert [(e["data"]["provider"], e["data"]["action"]) for e in would_page] == [("pagerduty", "trigger")]
    assert would_page[0]["data"]["dedup_key"] == f"autoheal-{ref}"
    sent = live.story.pagerduty.accepted("trigger")[0]
    assert would_page[0]["data"]["summary"] == sent["payload"]["summary"][:300]
    posts = [e for e in events if e["kind"] == "would_post"]
    assert len(posts) == 1 and posts[0]["data"]["channel"].startswith(f"inc-{ref.split('-')[1]}-")
    assert "U0CHECKOUT" in posts[0]["data"]["invited"]
    audit = shadow.client.get("/api/v1/audit/records", params={"limit": 5000})
    assert audit.status_code == 200, audit.text
    audited = [r["kind"] for r in audit.json()["records"]]
    assert "incident.would_page" in audited and "incident.would_post" in audited


def test_an_acknowledgement_in_shadow_mode_is_recorded_not_sent(live: Played, shadow: Played) -> None:
    for played in (live, shadow):
        ref = _incidents(played)[0]["ref"]
        r = played.client.post(f"/api/v1/incidents/{ref}/ack", json={})
        assert r.status_code == 200, r.text
    assert len(live.story.pagerduty.accepted("acknowledge")) == 1
    assert shadow.story.pagerduty.calls == [] and shadow.story.slack.calls == []
    events = _timeline(shadow, _incidents(shadow)[0]["ref"])
    assert [e["data"]["action"] for e in events if e["kind"] == "would_page"] == ["trigger", "acknowledge"]


def test_the_shadow_report_counts_what_it_would_have_done(live: Played, shadow: Played) -> None:
    from autoheal.cli.main import root

    until = shadow.app.clock.now().isoformat()
    r = shadow.client.get("/api/v1/reports/shadow", params={"since": "30d", "until": until})
    assert r.status_code == 200, r.text
    s = r.json()["summary"]
    triggers = [p for p in r.json()["would_page"] if p["action"] == "trigger"]
    assert s["mode"] == "shadow" and s["pages_sent"] == 0 and s["slack_channels"] == 0
    assert len(triggers) == len(live.story.pagerduty.accepted("trigger")) == s["incidents"]
    assert s["would_post"] == len(live.story.slack.calls_of("conversations.create"))
    assert s["verdicts"] == s["would_page_verdicts"] + s["attached"] + s["suppressed"] > 0
    assert s["human_pages"] is None  # no PagerDuty webhook source: the report says it cannot know
    live_s = live.client.get("/api/v1/reports/shadow", params={"since": "30d", "until": until}).json()[
        "summary"
    ]
    assert live_s["pages_sent"] == len(triggers) and live_s["would_page"] == 0

    since = (shadow.app.clock.now() - timedelta(days=30)).isoformat()
    out = CliRunner().invoke(
        root, ["report", "shadow", "--since", since, "--until", until, "--db", f"sqlite:///{shadow.db}"]
    )
    assert out.exit_code == 0, out.output
    assert "pages it would have sent" in out.output

    last = json.loads(out.output.strip().splitlines()[-1])
    assert last["would_page"] == s["would_page"] and last["verdicts"] == s["verdicts"]


def test_the_report_lists_disagreements_with_the_humans(shadow: Played) -> None:
    """A responder says a paged verdict was not actionable: the report lists it."""
    verdicts = shadow.client.get("/api/v1/triage", params={"kind": "signal"}).json()["verdicts"]
    first = verdicts[-1]["id"]
    r = shadow.client.post(f"/api/v1/triage/{first}/outcome", json={"outcome": "not_actionable"})
    assert r.status_code == 200, r.text
    until = shadow.app.clock.now().isoformat()
    report = shadow.client.get("/api/v1/reports/shadow", params={"since": "30d", "until": until}).json()
    rows = report["disagreements"]["paged_but_not_actionable"]
    assert [row["verdict_id"] for row in rows] == [first]
    assert report["summary"]["with_outcome"] == 1 and report["summary"]["agreement"] == 0.0


def test_a_bad_window_is_a_clear_error(shadow: Played) -> None:
    r = shadow.client.get("/api/v1/reports/shadow", params={"since": "yesterday-ish"})
    assert r.status_code in (400, 422) and "duration" in r.text

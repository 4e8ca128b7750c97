"""The console's tests run on the demo's story: ``demo-story`` played through an embedded
Autoheal (real webhook endpoint, real triage and investigations), once per test session.

The story opens no incident and asks for no approval (the pipeline's opening rules and write
tools are not on this build's story), so the fixture adds them through the real services: an
incident for the signal group, linked to its investigation, as the opening rule will; and a pending
approval request for an Alertmanager silence, as the gateway makes for a write call.

Then, as ``autoheal demo`` does after the story: each fault's preventive fixes are generated and
checked (``fixes.demo.story_extras``: real promtool, the scripted responder accepting, merging and
rejecting some), and the context graph learns each resolved fault through the simulator's own
``learn_fault`` with the run's topology and changes (``record_changes``), so the graph, fixes and
report pages have the demo's data."""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from autoheal.api.app import create_app
from autoheal.incidents import IncidentService, IncidentSeverity, Source
from autoheal.reasoning import store as reasoning_store
from autoheal.store.tokens import Role, create_token


@dataclass
class Story:
    server: Any  # autoheal.sim.play.EmbeddedAutoheal
    tokens: dict[Role, str]
    signal_group_id: int
    investigation_id: str
    incidents: dict[str, int]  # purpose -> incident id
    approvals: dict[str, int]  # purpose -> approval request id
    fixes: dict[str, int]  # purpose -> id of a fix still proposed

    @property
    def url(self) -> str:
        return str(self.server.url)

    @property
    def app(self) -> Any:
        return self.server.autoheal


def _open_incident(app: Any, group_key: str, investigation_id: str, title: str) -> int:
    service = IncidentService(
        app.sessions, app.clock, redactor=app.governance.gateway.redactor, audit=app.governance.audit
    )
    incident = service.open(
        title,
        severity=IncidentSeverity.SEV2,
        actor="autoheal",
        source=Source.PIPELINE,
        service="checkout",
        group_keys=[group_key],
        investigation_id=investigation_id,
    )
    return incident.id


def learn_story(app: Any, run: Any) -> None:
    """The graph learns the story as ``autoheal demo`` teaches it: the declared topology, then
    each fault's resolution investigation (stored by ``story_extras``) with the run's changes up
    to its first alert, then the changes after (which lower what they made stale)."""
    from datetime import timedelta

    from autoheal.graph.memory import Memory
    from autoheal.sim.investigate import (
        ONSET_SECONDS,
        _ranked,
        domain_alert,
        investigation_id,
        learn_fault,
        record_changes,
    )

    memory = Memory(app.engine)
    memory.topology([(a, b) for a, b, _ in run.topology.edges()], run.start)
    for index, _fault in enumerate(run.scenario.faults):
        mine = sorted((a for a in run.alerts if a.cause == index), key=lambda a: a.starts_at)
        if not mine:
            continue
        first = mine[0].starts_at
        opening = [a for a in mine if a.starts_at <= first + timedelta(seconds=ONSET_SECONDS)]
        with app.sessions() as s:
            report = reasoning_store.get_investigation(s, f"{investigation_id(run, index)}-resolution").report
        ranked = _ranked(report or {})
        record_changes(memory, run, until=first)
        learn_fault(
            memory,
            run,
            index,
            [domain_alert(a) for a in opening],
            report or {},
            ranked[0] if ranked else None,
        )
    record_changes(memory, run, until=app.clock.now())


@pytest.fixture(scope="session")
def story() -> Iterator[Story]:
    from autoheal.sim import load_scenario, simulate
    from autoheal.sim.play import EmbeddedAutoheal, play
    from autoheal.store.models import AlertGroupRow

    with tempfile.TemporaryDirectory(prefix="autoheal-console-") as tmp:
        run = simulate(load_scenario("demo-story"))
        server = EmbeddedAutoheal.for_run(run, Path(tmp))
        try:
            play(run, server, investigate=False)
            app = server.autoheal
            with app.sessions() as s:
                tokens = {
                    role: create_token(s, role, f"console-{role.value}", app.clock.now()) for role in Role
                }
                verdict = s.scalars(
                    select(reasoning_store.TriageVerdictRow)
                    .where(
                        reasoning_store.TriageVerdictRow.kind == "signal",
                        reasoning_store.TriageVerdictRow.service == "checkout",  # the bad release
                        reasoning_store.TriageVerdictRow.investigation_id.is_not(None),
                    )
                    .order_by(reasoning_store.TriageVerdictRow.id)
                ).first()
                assert verdict is not None and verdict.investigation_id, "the demo story has a signal"
                group = s.scalars(select(AlertGroupRow).where(AlertGroupRow.key == verdict.group_key)).one()
                group_key, group_id, inv = group.key, group.id, verdict.investigation_id
            incidents = {
                purpose: _open_incident(app, group_key, inv, f"checkout 5xx after the release ({purpose})")
                for purpose in ("browser", "http", "viewer")
            }
            approvals = {}
            for purpose in ("browser", "http"):
                req = app.governance.approvals.request(
                    tool="alertmanager.create_silence",
                    args_digest=f"digest-{purpose}",
                    args={"matchers": [{"name": "service", "value": "checkout"}], "duration_minutes": 30},
                    caller="investigation",
                    investigation_id=inv,
                    reason=f"write action needs approval ({purpose})",
                )
                approvals[purpose] = req.id
            from autoheal.fixes.demo import story_extras

            story_extras(server, run)
            learn_story(app, run)
            with app.sessions() as s:
                from autoheal.fixes import store as fixes_store

                proposed = [f.id for f in fixes_store.list_fixes(s, status="proposed", limit=100)]
            purposes = ("browser-accept", "browser-reject", "http", "viewer")
            assert len(proposed) >= len(purposes), f"the demo story offers fixes: {proposed}"
            fixes = dict(zip(purposes, sorted(proposed), strict=False))
            yield Story(server, tokens, group_id, inv, incidents, approvals, fixes)
        finally:
            server.stop()


# --- HTTP clients logged in as a role (test_pages.py, test_context_pages.py) ---------------------
def _csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "the page carries a CSRF token"
    return found.group(1)


def _client(story: Story, base_url: str = "http://testserver") -> TestClient:
    return TestClient(create_app(story.app), base_url=base_url, follow_redirects=False)


def login(client: TestClient, token: str) -> str:
    page = client.get("/console/login")
    answer = client.post(
        "/console/login", data={"csrf": _csrf(page.text), "token": token, "next": "/console/alerts"}
    )
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == "/console/alerts"
    return _csrf(client.get("/console/alerts").text)


@pytest.fixture
def as_viewer(story: Story) -> Iterator[tuple[TestClient, str]]:
    with _client(story) as c:
        yield c, login(c, story.tokens[Role.VIEWER])


@pytest.fixture
def as_responder(story: Story) -> Iterator[tuple[TestClient, str]]:
    with _client(story) as c:
        yield c, login(c, story.tokens[Role.RESPONDER])

"""The console's tests run on the demo's story: ``demo-story`` played through an embedded
Autoheal (real webhook endpoint, real triage and investigations), once per test session.

The story opens no incident and asks for no approval (the pipeline's opening rules and write
tools are not on this build's story), so the fixture adds them through the real services: an
incident for the signal group, linked to its investigation, as the opening rule will; and a pending
approval request for an Alertmanager silence, as the gateway makes for a write call."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

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
            yield Story(server, tokens, group_id, inv, incidents, approvals)
        finally:
            server.stop()

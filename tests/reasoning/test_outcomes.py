"""People say what an alert turned out to be; triage learns from it; the decision is audited."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from autoheal.api.app import create_app
from autoheal.audit.verify import verify_chain
from autoheal.cli.main import root
from autoheal.reasoning import store as rstore
from autoheal.store.tokens import Role, create_token
from tests.pipeline.conftest import am_payload
from tests.pipeline.test_followups import app  # noqa: F401  (the wired-app fixture)


def fire(autoheal, fp: str, starts_at: str) -> rstore.TriageVerdictRow:  # type: ignore[no-untyped-def]
    autoheal.ingestor.ingest(
        "alertmanager",
        am_payload(
            {"fp": fp, "labels": {"service": "checkout", "severity": "warning"}, "startsAt": starts_at}
        ),
    )
    with autoheal.sessions() as s:
        return s.scalars(select(rstore.TriageVerdictRow).order_by(rstore.TriageVerdictRow.id.desc())).first()


def test_known_issue_outcome_makes_the_next_firing_a_known_issue(app):  # noqa: F811
    first = fire(app, "k1", "2026-11-25T11:56:00Z")
    assert first.kind == "signal"
    with app.sessions() as s:
        tokens = {role: create_token(s, role, f"t-{role.value}", app.clock.now()) for role in Role}
    auth = {role: {"Authorization": f"Bearer {t}"} for role, t in tokens.items()}
    url = f"/api/v1/triage/{first.id}/outcome"
    with TestClient(create_app(app)) as client:
        assert client.post(url, json={"outcome": "known_issue", "reference": "INC-7"}).status_code == 401
        viewer = client.post(
            url, json={"outcome": "known_issue", "reference": "INC-7"}, headers=auth[Role.VIEWER]
        )
        assert viewer.status_code == 403
        bad = client.post(url, json={"outcome": "fixed"}, headers=auth[Role.RESPONDER])
        assert bad.status_code == 400 and "expected one of" in bad.json()["detail"]
        missing = client.post(url, json={"outcome": "known_issue"}, headers=auth[Role.RESPONDER])
        assert missing.status_code == 400 and "reference" in missing.json()["detail"]
        unknown = client.post(
            "/api/v1/triage/9999/outcome", json={"outcome": "actionable"}, headers=auth[Role.RESPONDER]
        )
        assert unknown.status_code == 404
        assert (
            client.get(f"/api/v1/triage/{first.id}", headers=auth[Role.VIEWER]).json()["outcome"] == "unknown"
        )

        ok = client.post(
            url, json={"outcome": "known_issue", "reference": "INC-7"}, headers=auth[Role.RESPONDER]
        )
        assert ok.status_code == 200, ok.text
        assert ok.json()["outcome"] == "known_issue" and ok.json()["previous"] == "unknown"
        shown = client.get(f"/api/v1/triage/{first.id}", headers=auth[Role.VIEWER]).json()
        assert shown["outcome"] == "known_issue" and shown["reference"] == "INC-7"

    # the alert resolves and fires again an hour later: triage now points at the known issue
    app.ingestor.ingest(
        "alertmanager",
        am_payload(
            {
                "fp": "k1",
                "status": "resolved",
                "labels": {"service": "checkout", "severity": "warning"},
                "startsAt": "2026-11-25T11:56:00Z",
                "endsAt": "2026-11-25T12:10:00Z",
            }
        ),
    )
    app.clock.advance(timedelta(hours=1))
    again = fire(app, "k1", "2026-11-25T13:00:00Z")
    assert again.id != first.id
    assert again.kind == "known_issue" and again.related == "INC-7"

    app.governance.audit.flush()
    decisions = [r for r in app.governance.audit.records() if r.kind == "decision"]
    assert len(decisions) == 1
    payload = decisions[0].payload_obj()
    assert payload["outcome"] == "known_issue" and payload["verdict_id"] == first.id
    assert decisions[0].actor.startswith("api-token:") and tokens[Role.RESPONDER] not in decisions[0].actor
    assert verify_chain(app.engine).ok


def test_cli_lists_shows_and_records_outcomes(app, tmp_path):  # noqa: F811
    verdict = fire(app, "c1", "2026-11-25T11:56:00Z")
    db = str(app.engine.url)
    runner = CliRunner()
    listed = runner.invoke(root, ["triage", "list", "--json", "--db", db])
    assert listed.exit_code == 0, listed.output
    assert str(verdict.id) in listed.output and '"kind": "signal"' in listed.output

    refused = runner.invoke(root, ["triage", "outcome", str(verdict.id), "known_issue", "--db", db])
    assert refused.exit_code == 1 and "reference" in refused.output
    recorded = runner.invoke(
        root, ["triage", "outcome", str(verdict.id), "not_actionable", "--by", "alice", "--db", db]
    )
    assert recorded.exit_code == 0, recorded.output
    shown = runner.invoke(root, ["triage", "show", str(verdict.id), "--json", "--db", db])
    assert '"outcome": "not_actionable"' in shown.output
    missing = runner.invoke(root, ["triage", "show", "9999", "--db", db])
    assert missing.exit_code == 1 and "no triage verdict 9999" in missing.output

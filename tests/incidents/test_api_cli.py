"""REST endpoints with roles (viewer reads, responder acts, admin sees the configuration), 409 on an
illegal transition, the OpenAPI document, and the `autoheal incidents` / `autoheal oncall` CLI."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from autoheal.api.app import create_app
from autoheal.app import Autoheal
from autoheal.cli.main import root
from autoheal.config import Settings
from autoheal.jobs import InlineQueue
from autoheal.store.tokens import Role, create_token

ONCALL = {
    "schedules": [
        {
            "name": "primary",
            "time_zone": "Europe/Berlin",
            "start": "2026-03-02",
            "people": ["ann", "ben"],
            "rotation": {"type": "weekly", "handoff": "09:00"},
        }
    ],
    "policies": [{"name": "p", "levels": [{"targets": ["schedule:primary"]}]}],
    "services": {"checkout": "p"},
}


@pytest.fixture
def api(tmp_path) -> Iterator[tuple[TestClient, dict[Role, dict[str, str]]]]:  # type: ignore[no-untyped-def]
    settings = Settings.model_validate(
        {
            "database": {"url": f"sqlite:///{tmp_path / 'api.db'}"},
            "incidents": {
                "oncall": ONCALL,
                "paging": {
                    "provider": "pagerduty",
                    "pagerduty": {"routing_key": "R-secret-routing-key-000000000000"},
                },
            },
        }
    )
    pagerduty = httpx.MockTransport(
        lambda r: httpx.Response(202, json={"status": "success", "message": "Event processed"})
    )
    app = Autoheal.create(settings, jobs=InlineQueue(), paging_transport=pagerduty)
    with app.sessions() as s:
        headers = {
            role: {"Authorization": f"Bearer {create_token(s, role, role.value, app.clock.now())}"}
            for role in Role
        }
    with TestClient(create_app(app)) as client:
        yield client, headers
    app.close()


def test_roles_lifecycle_and_409(api) -> None:  # type: ignore[no-untyped-def]
    client, h = api
    assert client.get("/api/v1/incidents").status_code == 401
    body = {"title": "checkout down", "severity": "SEV1", "service": "checkout"}
    assert client.post("/api/v1/incidents", json=body, headers=h[Role.VIEWER]).status_code == 403
    created = client.post("/api/v1/incidents", json=body, headers=h[Role.RESPONDER])
    assert created.status_code == 201
    ref = created.json()["ref"]
    assert [p["status"] for p in created.json()["pages"]] == ["sent"]
    assert client.get("/api/v1/incidents", headers=h[Role.VIEWER]).json()["incidents"][0]["ref"] == ref
    assert client.post(f"/api/v1/incidents/{ref}/ack", headers=h[Role.VIEWER]).status_code == 403
    assert (
        client.post(f"/api/v1/incidents/{ref}/ack", headers=h[Role.RESPONDER]).json()["status"]
        == "investigating"
    )
    note = client.post(
        f"/api/v1/incidents/{ref}/notes",
        json={"text": "pool ok", "kind": "checked"},
        headers=h[Role.RESPONDER],
    )
    assert note.status_code == 201 and note.json()["kind"] == "checked"
    assert client.post(
        f"/api/v1/incidents/{ref}/roles",
        json={"role": "commander", "person": "ann"},
        headers=h[Role.RESPONDER],
    ).json()["roles"] == {"commander": ["ann"]}
    assert (
        client.post(
            f"/api/v1/incidents/{ref}/severity", json={"severity": "SEV2"}, headers=h[Role.RESPONDER]
        ).json()["severity"]
        == "SEV2"
    )
    assert (
        client.post(
            f"/api/v1/incidents/{ref}/status", json={"status": "mitigated"}, headers=h[Role.RESPONDER]
        ).json()["status"]
        == "mitigated"
    )
    assert (
        client.post(
            f"/api/v1/incidents/{ref}/resolve", json={"summary": "rolled back"}, headers=h[Role.RESPONDER]
        ).json()["status"]
        == "resolved"
    )
    before = client.get(f"/api/v1/incidents/{ref}/timeline", headers=h[Role.VIEWER]).json()["events"]
    illegal = client.post(
        f"/api/v1/incidents/{ref}/status", json={"status": "mitigated"}, headers=h[Role.RESPONDER]
    )
    assert illegal.status_code == 409 and "cannot become mitigated" in illegal.json()["detail"]
    assert client.get(f"/api/v1/incidents/{ref}/timeline", headers=h[Role.VIEWER]).json()["events"] == before
    assert (
        client.post(
            f"/api/v1/incidents/{ref}/status", json={"status": "bogus"}, headers=h[Role.RESPONDER]
        ).status_code
        == 400
    )
    assert (
        client.post(f"/api/v1/incidents/{ref}/reopen", json={}, headers=h[Role.RESPONDER]).json()["status"]
        == "reopened"
    )
    assert client.get("/api/v1/incidents/INC-99", headers=h[Role.VIEWER]).status_code == 404
    assert client.get("/api/v1/incidents/nope", headers=h[Role.VIEWER]).status_code == 400
    detail = client.get(f"/api/v1/incidents/{ref}", headers=h[Role.VIEWER]).json()
    assert [p["action"] for p in detail["pages"]] == ["trigger", "acknowledge", "resolve", "trigger"]
    kinds = [e["kind"] for e in detail["timeline"]]
    assert kinds[:3] == ["opened", "page_sent", "acknowledged"] and "reopened" in kinds
    assert client.get("/api/v1/incidents/nope/timeline", headers=h[Role.VIEWER]).status_code == 400


def test_admin_configuration_oncall_and_openapi(api) -> None:  # type: ignore[no-untyped-def]
    client, h = api
    assert client.get("/api/v1/incidents-config", headers=h[Role.RESPONDER]).status_code == 403
    config = client.get("/api/v1/incidents-config", headers=h[Role.ADMIN])
    assert config.status_code == 200 and "R-secret-routing-key" not in config.text
    who = client.get(
        "/api/v1/oncall/who",
        params={"service": "checkout", "at": "2026-03-09T08:30:00+00:00"},
        headers=h[Role.VIEWER],
    ).json()
    assert [p["person"] for p in who["on_call"]] == ["ben"]  # 09:30 Berlin on the second Monday
    assert (
        client.get("/api/v1/oncall/who", params={"service": "cart"}, headers=h[Role.VIEWER]).status_code
        == 404
    )
    paths = client.get("/api/v1/openapi.json", headers=h[Role.VIEWER]).json()["paths"]
    for path in (
        "/api/v1/incidents",
        "/api/v1/incidents/{ref}/ack",
        "/api/v1/incidents/{ref}/status",
        "/api/v1/oncall/who",
        "/api/v1/slack/events",
    ):
        assert path in paths
    assert client.post("/api/v1/slack/events", content=b"x").status_code == 404  # Slack not enabled


def test_cli(tmp_path) -> None:  # type: ignore[no-untyped-def]
    runner = CliRunner()
    db = ["--db", f"sqlite:///{tmp_path / 'cli.db'}"]
    opened = runner.invoke(
        root,
        [
            "incidents",
            "open",
            "payment timeouts",
            "--sev",
            "SEV2",
            "--service",
            "payment",
            "--by",
            "ann",
            "--json",
            *db,
        ],
    )
    assert opened.exit_code == 0, opened.output
    ref = json.loads(opened.output)["ref"]
    assert runner.invoke(root, ["incidents", "ack", ref, "--by", "ann", *db]).exit_code == 0
    note = runner.invoke(root, ["incidents", "note", ref, "checked the gateway", "--kind", "checked", *db])
    assert json.loads(note.output)["kind"] == "checked"
    assert (
        runner.invoke(root, ["incidents", "status", ref, "identified", "--reason", "gateway", *db]).exit_code
        == 0
    )
    bad = runner.invoke(root, ["incidents", "status", ref, "triggered", *db])
    assert bad.exit_code == 1 and "cannot become triggered" in bad.output
    assert runner.invoke(root, ["incidents", "resolve", ref, "--cause", "gateway TLS", *db]).exit_code == 0
    listed = runner.invoke(root, ["incidents", "list", "--json", *db])
    assert json.loads(listed.output.splitlines()[0])["status"] == "resolved"
    shown = json.loads(runner.invoke(root, ["incidents", "show", ref, "--json", *db]).output)
    assert [e["kind"] for e in shown["timeline"]] == [
        "opened",
        "acknowledged",
        "checked",
        "status_changed",
        "resolved",
    ]
    assert shown["timeline"][1]["actor"] == "cli:ann"
    text = runner.invoke(root, ["incidents", "show", ref, *db])
    assert "gateway TLS" in text.output
    assert runner.invoke(root, ["incidents", "show", "INC-404", *db]).exit_code == 1
    cfg = tmp_path / "c.yaml"
    import yaml

    cfg.write_text(yaml.safe_dump({"incidents": {"oncall": ONCALL}}))
    who = runner.invoke(root, ["oncall", "who", "checkout", "--at", "2026-03-02T08:30:00Z", "-c", str(cfg)])
    assert who.exit_code == 0 and json.loads(who.output)["on_call"][0]["person"] == "ann"
    assert (
        runner.invoke(root, ["oncall", "who", "checkout", "--at", "yesterday", "-c", str(cfg)]).exit_code == 1
    )

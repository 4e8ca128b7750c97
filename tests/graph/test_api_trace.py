"""``GET /api/v1/incidents/{ref}/trace``: the decision trace over REST (viewer role, RFC 9457
errors, in the OpenAPI document), and closing an incident as noise over the API."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from autoheal.api.app import create_app
from autoheal.app import Autoheal
from autoheal.config import Settings
from autoheal.graph.model import NodeKind
from autoheal.graph.store import GraphStore
from autoheal.jobs import InlineQueue
from autoheal.store.tokens import Role, create_token


@pytest.fixture
def api(tmp_path: Path) -> Iterator[tuple[TestClient, dict[Role, dict[str, str]], Autoheal]]:
    settings = Settings.model_validate({"database": {"url": f"sqlite:///{tmp_path / 'api.db'}"}})
    app = Autoheal.create(settings, jobs=InlineQueue())
    with app.sessions() as s:
        headers = {
            role: {"Authorization": f"Bearer {create_token(s, role, role.value, app.clock.now())}"}
            for role in Role
        }
    with TestClient(create_app(app)) as client:
        yield client, headers, app
    app.close()


def test_the_trace_types_what_people_did_for_a_viewer(api) -> None:  # type: ignore[no-untyped-def]
    client, h, _ = api
    body = {"title": "checkout errors", "severity": "SEV2", "service": "checkout"}
    ref = client.post("/api/v1/incidents", json=body, headers=h[Role.RESPONDER]).json()["ref"]
    for text in ("checked checkout error rate, elevated", "rolled back checkout to v1.4", "thanks all"):
        r = client.post(f"/api/v1/incidents/{ref}/notes", json={"text": text}, headers=h[Role.RESPONDER])
        assert r.status_code == 201
    assert client.get(f"/api/v1/incidents/{ref}/trace").status_code == 401
    got = client.get(f"/api/v1/incidents/{ref}/trace", headers=h[Role.VIEWER])
    assert got.status_code == 200
    out = got.json()
    assert out["incident"] == ref
    assert [s["action"] for s in out["steps"]] == ["checked", "mitigated", "note"]
    assert out["steps"][1]["service"] == "checkout" and out["steps"][1]["who"].startswith("api-token:")
    assert out["steps"][2]["text"] == "thanks all"  # not typed: kept as a note, nothing guessed


def test_trace_errors_are_problem_details(api) -> None:  # type: ignore[no-untyped-def]
    client, h, _ = api
    missing = client.get("/api/v1/incidents/INC-999/trace", headers=h[Role.VIEWER])
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")
    assert "INC-999" in missing.json()["detail"] or "999" in missing.json()["detail"]
    bad = client.get("/api/v1/incidents/abc/trace", headers=h[Role.VIEWER])
    assert bad.status_code in (400, 422)
    assert bad.headers["content-type"].startswith("application/problem+json")
    assert "not an incident reference" in bad.json()["detail"]


def test_the_trace_is_in_the_openapi_document(api) -> None:  # type: ignore[no-untyped-def]
    client, h, _ = api
    paths = client.get("/api/v1/openapi.json", headers=h[Role.VIEWER]).json()["paths"]
    op = paths["/api/v1/incidents/{ref}/trace"]["get"]
    assert {"200", "401", "403", "404"} <= set(op["responses"])


def test_closing_as_noise_over_the_api_is_learned(api) -> None:  # type: ignore[no-untyped-def]
    client, h, app = api
    body = {"title": "probe slow", "severity": "SEV4", "service": "shipping"}
    ref = client.post("/api/v1/incidents", json=body, headers=h[Role.RESPONDER]).json()["ref"]
    r = client.post(
        f"/api/v1/incidents/{ref}/resolve",
        json={"summary": "synthetic probe", "noise": True},
        headers=h[Role.RESPONDER],
    )
    assert r.status_code == 200
    bad = client.post(f"/api/v1/incidents/{ref}/resolve", json={"noise": "maybe"}, headers=h[Role.RESPONDER])
    assert bad.status_code == 422
    with app.sessions() as s:
        node = GraphStore(s).find(NodeKind.INCIDENT, ref)
        assert (
            node is not None
            and node.attrs["outcome"] == "noise"
            and node.attrs["closed_by"].startswith("api-token:")
        )

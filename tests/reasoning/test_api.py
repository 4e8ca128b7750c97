from __future__ import annotations

from pathlib import Path

import yaml
from fastapi.testclient import TestClient

from autoheal.api.app import create_app
from autoheal.api.routes.investigations import router
from autoheal.app import Autoheal
from autoheal.config import Settings
from autoheal.jobs import InlineQueue
from autoheal.store.tokens import Role, create_token

from .test_cli import setup


def test_start_read_and_follow(tmp_path: Path) -> None:
    settings = Settings.model_validate(yaml.safe_load(setup(tmp_path).read_text()))
    autoheal = Autoheal.create(settings, jobs=InlineQueue())
    api = create_app(autoheal)
    if not any(getattr(r, "path", "") == "/api/v1/investigations" for r in api.routes):
        api.include_router(router)
    with autoheal.sessions() as s:
        tokens = {role: create_token(s, role, f"t-{role.value}", autoheal.clock.now()) for role in Role}
    try:
        with TestClient(api) as client:
            viewer = {"Authorization": f"Bearer {tokens[Role.VIEWER]}"}
            responder = {"Authorization": f"Bearer {tokens[Role.RESPONDER]}"}
            assert (
                client.post("/api/v1/investigations", json={"target": "fp-1"}, headers=viewer).status_code
                == 403
            )
            started = client.post("/api/v1/investigations", json={"target": "fp-1"}, headers=responder)
            assert started.status_code == 202, started.text
            inv = started.json()["id"]

            got = client.get(f"/api/v1/investigations/{inv}", headers=viewer).json()
            assert got["status"] == "finished" and got["top_service"] == "payments"
            assert got["report"]["causes"][0]["hypothesis"]["kind"] == "bad_deploy"

            events = client.get(f"/api/v1/investigations/{inv}/events", headers=viewer).json()["events"]
            assert events[0]["kind"] == "started" and events[-1]["kind"] == "report"
            later = client.get(f"/api/v1/investigations/{inv}/events?after=3", headers=viewer).json()[
                "events"
            ]
            assert later[0]["seq"] == 4

            sse = client.get(
                f"/api/v1/investigations/{inv}/events", headers={**viewer, "Accept": "text/event-stream"}
            )
            assert sse.headers["content-type"].startswith("text/event-stream")
            assert sse.text.count("event: report") == 1 and sse.text.startswith("id: 0\nevent: started")

            listed = client.get("/api/v1/investigations", headers=viewer).json()["investigations"]
            assert [i["id"] for i in listed] == [inv]
            assert client.get("/api/v1/investigations/nope", headers=viewer).status_code == 404
            assert (
                client.post("/api/v1/investigations", json={"target": "nope"}, headers=responder).status_code
                == 404
            )
    finally:
        autoheal.close()

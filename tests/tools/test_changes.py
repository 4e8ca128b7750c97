"""changes.list from the store and from git history; the POST /api/v1/changes webhook."""

from __future__ import annotations

import os
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from autoheal.api.routes import changes as route
from autoheal.clock import ManualClock
from autoheal.domain.tools import ToolStatus
from autoheal.telemetry.embedded import EmbeddedTelemetry
from autoheal.telemetry.model import ChangeEvent, ChangeKind
from autoheal.tools.changes import ChangesArgs, ChangesList, StoreChanges
from autoheal.tools.changes_git import GitChanges

T0 = datetime(2026, 1, 1, 12, tzinfo=UTC)


def _git(repo: Path, *args: str, when: datetime | None = None) -> None:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "Jane",
        "GIT_AUTHOR_EMAIL": "j@x",
        "GIT_COMMITTER_NAME": "Jane",
        "GIT_COMMITTER_EMAIL": "j@x",
    }
    if when is not None:
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = f"@{int(when.timestamp())} +0000"
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, env=env)


def _commit(repo: Path, path: str, message: str, when: datetime) -> None:
    (repo / path).parent.mkdir(parents=True, exist_ok=True)
    (repo / path).write_text(message)
    _git(repo, "add", path)
    _git(repo, "commit", "-q", "-m", message, when=when)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    _git(tmp_path, "init", "-q")
    _commit(tmp_path, "services/api/main.py", "api: old change", T0 - timedelta(days=1))
    _commit(tmp_path, "services/checkout/pay.py", "checkout: retry payments", T0 + timedelta(minutes=5))
    _commit(tmp_path, "config/flags.yaml", "flags: enable new-cart", T0 + timedelta(minutes=10))
    _commit(tmp_path, "README.md", "docs only", T0 + timedelta(minutes=15))
    return tmp_path


def test_git_changes_map_paths_to_services(repo: Path) -> None:
    source = GitChanges(
        repo,
        {"services/api/**": "api", "services/checkout/**": "checkout", "config/flags.yaml": "*"},
        kind_map={"config/flags.yaml": "feature_flag"},
    )
    tool = ChangesList([source])
    result = tool.invoke(ChangesArgs(start=T0, end=T0 + timedelta(hours=1)))
    assert [(c["service"], c["kind"], c["summary"]) for c in result.data] == [
        ("checkout", "deploy", "checkout: retry payments"),
        ("api", "feature_flag", "flags: enable new-cart"),
        ("checkout", "feature_flag", "flags: enable new-cart"),
    ]
    assert result.data[0]["author"] == "Jane" and result.data[0]["source"] == "git"
    api_only = tool.invoke(
        ChangesArgs(start=T0 - timedelta(days=2), end=T0 + timedelta(hours=1), service="api")
    )
    assert [c["summary"] for c in api_only.data] == ["api: old change", "flags: enable new-cart"]


def test_git_failure_is_data_and_other_sources_still_answer(tmp_path: Path) -> None:
    tel = EmbeddedTelemetry()
    tel.changes.record_change(ChangeEvent("c1", T0, "api", ChangeKind.CONFIG, "pool size 10 -> 2"))
    broken = GitChanges(tmp_path / "missing", {"**": "api"})
    result = ChangesList([StoreChanges(tel.changes), broken]).invoke(
        ChangesArgs(start=T0, end=T0 + timedelta(1))
    )
    assert result.ok and result.data[0]["summary"] == "pool size 10 -> 2"
    assert "git" in result.meta["failed_sources"][0]
    alone = ChangesList([broken]).invoke(ChangesArgs(start=T0, end=T0 + timedelta(1)))
    assert alone.status is ToolStatus.ERROR and "git log" in alone.message


@pytest.fixture
def client() -> tuple[TestClient, EmbeddedTelemetry]:
    tel = EmbeddedTelemetry()
    app = FastAPI()
    app.include_router(route.router)
    app.dependency_overrides[route.get_change_store] = lambda: tel.changes
    app.dependency_overrides[route.get_clock] = lambda: ManualClock(T0)
    return TestClient(app), tel


def test_generic_change_is_recorded_and_listed(client: tuple[TestClient, EmbeddedTelemetry]) -> None:
    http, tel = client
    body = {"service": "checkout", "kind": "config", "summary": "pool 50 -> 5", "version": "cfg-7"}
    answer = http.post("/api/v1/changes", json=body)
    assert answer.status_code == 201
    again = http.post("/api/v1/changes", json=body)  # a re-delivery is idempotent
    assert again.json() == answer.json()
    result = ChangesList([StoreChanges(tel.changes)]).invoke(
        ChangesArgs(start=T0 - timedelta(1), end=T0 + timedelta(1))
    )
    assert [(c["service"], c["kind"], c["at"]) for c in result.data] == [
        ("checkout", "config", "2026-01-01T12:00:00Z")
    ]
    batch = http.post(
        "/api/v1/changes",
        json={
            "changes": [
                {"service": "a", "summary": "x", "at": "2026-01-01T11:00:00Z"},
                {"service": "b", "summary": "y"},
            ]
        },
    )
    assert batch.status_code == 201 and len(batch.json()["recorded"]) == 2


GITHUB_STATUS = {
    "action": "created",
    "deployment_status": {
        "id": 42,
        "state": "success",
        "created_at": "2026-01-01T11:58:00Z",
        "description": "rolled out",
        "environment": "production",
        "creator": {"login": "octocat"},
    },
    "deployment": {
        "id": 7,
        "sha": "9f1c2e3",
        "ref": "v1.4.2",
        "task": "deploy",
        "environment": "production",
        "payload": {"service": "checkout"},
        "created_at": "2026-01-01T11:55:00Z",
        "creator": {"login": "octocat"},
    },
    "repository": {"name": "shop", "full_name": "acme/shop"},
}


def test_github_deployment_then_status_is_one_change(client: tuple[TestClient, EmbeddedTelemetry]) -> None:
    http, tel = client
    created = {k: v for k, v in GITHUB_STATUS.items() if k != "deployment_status"}
    assert (
        http.post("/api/v1/changes", json=created, headers={"X-GitHub-Event": "deployment"}).status_code
        == 201
    )
    answer = http.post("/api/v1/changes", json=GITHUB_STATUS, headers={"X-GitHub-Event": "deployment_status"})
    assert answer.status_code == 201 and answer.json() == {"recorded": ["github-deployment-7"]}
    (change,) = tel.changes.changes(start=T0 - timedelta(hours=1), end=T0)
    assert change.service == "checkout" and change.version == "9f1c2e3" and change.author == "octocat"
    assert change.attributes["state"] == "success" and change.at == datetime(2026, 1, 1, 11, 58, tzinfo=UTC)
    assert (
        http.post("/api/v1/changes", json={"zen": "hi"}, headers={"X-GitHub-Event": "ping"}).status_code
        == 200
    )


@pytest.mark.parametrize(
    ("body", "headers", "status", "says"),
    [
        (b"not json", {}, 400, "not JSON"),
        (b'{"summary": "no service"}', {}, 422, "service"),
        (b'{"service": "a", "summary": "x", "kind": "reboot"}', {}, 422, "kind"),
        (b'{"service": "a", "summary": "x", "bogus": 1}', {}, 422, "bogus"),
        (b'{"service": "a", "summary": "x", "at": "yesterday"}', {}, 422, "at"),
        (b"[]", {}, 422, "no changes"),
        (b'{"action": "opened"}', {"X-GitHub-Event": "push"}, 422, "not a change"),
        (b'{"action": "created"}', {"X-GitHub-Event": "deployment"}, 422, "deployment"),
    ],
)
def test_bad_input_gets_a_clear_4xx(
    client: tuple[TestClient, EmbeddedTelemetry], body: bytes, headers: dict[str, str], status: int, says: str
) -> None:
    http, _ = client
    answer = http.post(
        "/api/v1/changes", content=body, headers={"Content-Type": "application/json", **headers}
    )
    assert answer.status_code == status
    assert says in answer.json()["detail"]

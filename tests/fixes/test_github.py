"""A fix delivered as a GitHub pull request, against the in-repo fake GitHub REST API (recorded calls)."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from autoheal.api.app import create_app
from autoheal.app import Autoheal
from autoheal.clock import ManualClock
from autoheal.config import Settings
from autoheal.errors import InputError
from autoheal.fixes import store
from autoheal.fixes.decisions import decide
from autoheal.fixes.delivery import open_pull_request
from autoheal.fixes.github import GitHubConfig
from autoheal.fixes.github_fake import FakeGitHub
from autoheal.fixes.model import Fix, FixKind
from autoheal.jobs import InlineQueue
from autoheal.store.tokens import Role, create_token
from tests.fixes.conftest import T0

TOKEN = "ghp_test_token_never_logged"
EXISTING = "groups:\n- name: shop\n  rules:\n  - alert: HighLatencyP99\n    for: 2m\n"


@pytest.fixture
def github():
    fake = FakeGitHub.start(TOKEN, repository="acme/rules", files={"rules/shop.yml": EXISTING})
    yield fake
    fake.stop()


def _app(tmp_path, github):
    settings = Settings.model_validate(
        {
            "database": {"url": f"sqlite:///{tmp_path / 'gh.db'}"},
            "fixes": {
                "github": {
                    "repository": "acme/rules",
                    "token": TOKEN,
                    "api_url": github.api_url,
                    "path_prefix": "rules",
                }
            },
        }
    )
    return Autoheal.create(settings, clock=ManualClock(T0 + timedelta(hours=3)), jobs=InlineQueue())


def _fix(app, files):
    with app.sessions() as s, s.begin():
        return store.save_fix(
            s,
            Fix(FixKind.NOISY_ALERT_TUNING, "checkout", "HighLatencyP99 for: 5m", "quieter", "x", "s", files),
            source_ref="inv-1",
            at=app.clock.now(),
        ).id


def test_pull_request_updates_an_existing_file_and_adds_a_new_one(tmp_path, github):
    app = _app(tmp_path, github)
    try:
        fix_id = _fix(app, {"shop.yml": EXISTING.replace("2m", "5m"), "shop.test.yml": "tests: []\n"})
        out = open_pull_request(
            app.sessions, app.governance.audit, app.clock, fix_id, app.settings.fixes.github, by="alice"
        )
        assert (
            out["url"] == "https://github.com/acme/rules/pull/1" and out["branch"] == f"autoheal/fix-{fix_id}"
        )
        calls = [(c.method, c.path.split("?")[0], c.status) for c in github.calls]
        assert calls == [
            ("GET", "/repos/acme/rules/git/ref/heads/main", 200),
            ("POST", "/repos/acme/rules/git/refs", 201),
            ("GET", "/repos/acme/rules/contents/rules/shop.test.yml", 404),
            ("PUT", "/repos/acme/rules/contents/rules/shop.test.yml", 201),
            ("GET", "/repos/acme/rules/contents/rules/shop.yml", 200),
            ("PUT", "/repos/acme/rules/contents/rules/shop.yml", 200),  # updated with the blob sha
            ("POST", "/repos/acme/rules/pulls", 201),
        ]
        put = github.calls[5].body
        assert put is not None and "sha" in put and base64.b64decode(put["content"]).decode().count("for: 5m")
        branch = github.branches[f"autoheal/fix-{fix_id}"]
        assert (
            branch["rules/shop.yml"].count("for: 5m") == 1
            and github.branches["main"]["rules/shop.yml"] == EXISTING
        )
        assert github.pulls[0]["base"] == {"ref": "main"} and "quieter" in github.pulls[0]["body"]
        with app.sessions() as s:
            assert store.get_fix(s, fix_id).history[-1]["delivered"]["number"] == 1
        # the same fix again: GitHub refuses the existing branch, and the error says so
        with pytest.raises(InputError, match="422: Reference already exists"):
            open_pull_request(
                app.sessions, app.governance.audit, app.clock, fix_id, app.settings.fixes.github, by="alice"
            )
        decide(app.sessions, app.governance.audit, app.clock, fix_id, "reject", by="bob", reason="no")
        with pytest.raises(InputError, match="only a proposed or accepted fix"):
            open_pull_request(
                app.sessions, app.governance.audit, app.clock, fix_id, app.settings.fixes.github, by="alice"
            )
        assert TOKEN not in repr(app.settings.fixes.github)
    finally:
        app.close()


def test_bad_credentials_and_missing_configuration_are_clear_errors(tmp_path, github):
    app = _app(tmp_path, github)
    try:
        fix_id = _fix(app, {"x.yml": "x\n"})
        wrong = GitHubConfig(repository="acme/rules", token="nope", api_url=github.api_url)
        with pytest.raises(InputError, match="401: Bad credentials"):
            open_pull_request(app.sessions, app.governance.audit, app.clock, fix_id, wrong, by="alice")
        with pytest.raises(InputError, match="must be set"):
            open_pull_request(
                app.sessions, app.governance.audit, app.clock, fix_id, GitHubConfig(), by="alice"
            )
        assert not github.pulls
    finally:
        app.close()


def test_api_opens_the_pull_request_for_a_responder(tmp_path, github):
    app = _app(tmp_path, github)
    try:
        fix_id = _fix(app, {"x.yml": "x\n"})
        with app.sessions() as s:
            viewer = create_token(s, Role.VIEWER, "v", app.clock.now())
            responder = create_token(s, Role.RESPONDER, "r", app.clock.now())
        with TestClient(create_app(app)) as client:
            url = f"/api/v1/fixes/{fix_id}/pull-request"
            assert client.post(url, headers={"Authorization": f"Bearer {viewer}"}).status_code == 403
            r = client.post(url, headers={"Authorization": f"Bearer {responder}"})
            assert r.status_code == 200 and r.json()["number"] == 1
    finally:
        app.close()

"""How the application wires its dependencies: no per-request re-derivation, no thread hop on the
webhook path (both measured as a share of the ingest benchmark's interpreter time)."""

from __future__ import annotations

import inspect
from datetime import UTC, datetime, timedelta

from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from autoheal.api.app import create_app
from autoheal.api.routes import webhooks
from autoheal.app import Autoheal
from autoheal.clock import ManualClock
from autoheal.config import Settings
from autoheal.jobs import InlineQueue


def _calls(dependant):
    for sub in dependant.dependencies:
        yield sub.call
        yield from _calls(sub)


def test_the_application_sets_no_dependency_overrides(autoheal):
    # While any override is set, FastAPI re-derives every dependency of every request.
    assert create_app(autoheal).dependency_overrides == {}


def test_the_webhook_dependencies_run_on_the_event_loop():
    [route] = [r for r in webhooks.router.routes if isinstance(r, APIRoute)]
    calls = list(_calls(route.dependant))
    assert calls, "the webhook route lost its dependencies"
    # a plain ``def`` dependency is run in the thread pool: a thread hop per delivery
    assert [c.__name__ for c in calls if not inspect.iscoroutinefunction(c)] == []


def test_approvals_use_the_applications_service(client, autoheal, tokens):
    from autoheal.store.tokens import Role

    autoheal.governance.approvals.request(
        tool="k8s.restart", args_digest="d1", args={"deployment": "checkout"}, caller="test",
        investigation_id=None, reason="restart checkout",
    )  # fmt: skip
    listed = client.get("/api/v1/approvals", headers={"Authorization": f"Bearer {tokens[Role.VIEWER]}"})
    assert listed.status_code == 200, listed.text
    assert [r["tool"] for r in listed.json()] == ["k8s.restart"]


def test_changes_go_to_the_applications_store_at_its_clock(tmp_path):
    settings = Settings.model_validate(
        {
            "database": {"url": f"sqlite:///{tmp_path / 'c.db'}"},
            "sources": {"changes": {"auth": {"type": "none"}}},
        }
    )
    clock = ManualClock(datetime(2026, 3, 1, 12, 0, tzinfo=UTC))
    app = Autoheal.create(settings, jobs=InlineQueue(), clock=clock)
    try:
        with TestClient(create_app(app)) as client:
            r = client.post(
                "/api/v1/changes",
                json={"service": "cart", "kind": "deploy", "version": "1.2", "summary": "cart 1.2"},
            )
        assert r.status_code == 201, r.text
        stored = app.telemetry.changes.changes(start=clock.now() - timedelta(minutes=1), end=clock.now())
        assert [(c.service, c.at) for c in stored] == [
            ("cart", clock.now())
        ]  # the app's clock, not the wall's
    finally:
        app.close()

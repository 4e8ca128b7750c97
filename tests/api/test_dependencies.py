"""How the application wires its dependencies: no per-request re-derivation, no thread hop on the
webhook path (both measured as a share of the ingest benchmark's interpreter time)."""

from __future__ import annotations

import inspect

from fastapi.routing import APIRoute

from autoheal.api.app import create_app
from autoheal.api.routes import webhooks


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


def test_changes_and_approvals_use_the_applications_services(client, autoheal, tokens):
    from autoheal.store.tokens import Role

    listed = client.get("/api/v1/approvals", headers={"Authorization": f"Bearer {tokens[Role.VIEWER]}"})
    assert listed.status_code == 200, listed.text
    assert listed.json() == []

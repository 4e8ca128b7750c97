from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from autoheal.app import Autoheal
from autoheal.clock import ManualClock
from autoheal.config import Settings
from autoheal.jobs import InlineQueue
from autoheal.servers import Postgres


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2026, 11, 25, 12, 0, tzinfo=UTC))


@pytest.fixture
def make_app(db_url: str, clock: ManualClock) -> Iterator[Callable[..., Autoheal]]:
    created: list[Autoheal] = []

    def factory(**pipeline: Any) -> Autoheal:
        settings = Settings.model_validate(
            {
                "database": {"url": db_url},
                "pipeline": pipeline,
                "sources": {"alertmanager": {"auth": {"type": "bearer", "token": "t0ken"}}},
            }
        )
        app = Autoheal.create(settings, clock=clock, jobs=InlineQueue())
        created.append(app)
        return app

    yield factory
    for app in created:
        app.close()


def am_payload(*alerts: dict[str, Any], status: str | None = None) -> bytes:
    """An Alertmanager webhook v4 body in the exact shape Alertmanager 0.25 sends."""
    items = []
    for a in alerts:
        firing = a.get("status", "firing") == "firing"
        items.append(
            {
                "status": a.get("status", "firing"),
                "labels": {"alertname": a.get("name", "HighErrorRate"), **a.get("labels", {})},
                "annotations": a.get("annotations", {"summary": "errors"}),
                "startsAt": a.get("startsAt", "2026-11-25T11:59:00Z"),
                "endsAt": "0001-01-01T00:00:00Z" if firing else a.get("endsAt", "2026-11-25T12:01:00Z"),
                "generatorURL": "http://prometheus:9090/graph?g0.expr=up",
                "fingerprint": a["fp"],
            }
        )
    overall = status or ("firing" if any(i["status"] == "firing" for i in items) else "resolved")
    body = {
        "receiver": "autoheal",
        "status": overall,
        "alerts": items,
        "groupLabels": {},
        "commonLabels": {},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager:9093",
        "version": "4",
        "groupKey": "{}:{}",
        "truncatedAlerts": 0,
    }
    return json.dumps(body).encode()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """procrastinate runs on PostgreSQL only: its SQLite cases are not collected (not skipped)."""
    keep, drop = [], []
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        if params.get("job_engine") == "procrastinate" and params.get("db_url") == "sqlite":
            drop.append(item)
        else:
            keep.append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.fixture(params=["table", "procrastinate"])
def job_engine(request: pytest.FixtureRequest) -> str:
    """The durable job engine under test: the ``jobs`` table or procrastinate (PostgreSQL)."""
    return str(request.param)


@pytest.fixture
def postgres_db(postgres_server: Postgres, _migrated_pg_template: str) -> Iterator[str]:
    """A migrated, empty PostgreSQL database (for what runs on PostgreSQL only)."""
    from tests.conftest import _fresh_database

    name, url = _fresh_database(postgres_server, _migrated_pg_template)
    yield url
    postgres_server.drop_database(name)

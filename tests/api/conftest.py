from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from autoheal.api.app import create_app
from autoheal.app import Autoheal
from autoheal.config import Settings
from autoheal.jobs import InlineQueue
from autoheal.store.tokens import Role, create_token

SOURCE_TOKEN = "am-s3cret-token"
HMAC_SECRET = "grafana-hmac-secret"


@pytest.fixture
def autoheal(tmp_path) -> Iterator[Autoheal]:
    settings = Settings.model_validate(
        {
            "database": {"url": f"sqlite:///{tmp_path / 'api.db'}"},
            "pipeline": {"max_body_bytes": 64_000},
            "sources": {
                "alertmanager": {"auth": {"type": "bearer", "token": SOURCE_TOKEN}},
                "grafana": {"auth": {"type": "hmac", "secret": HMAC_SECRET}},
                "generic": {"auth": {"type": "none"}},
            },
        }
    )
    app = Autoheal.create(settings, jobs=InlineQueue())
    yield app
    app.close()


@pytest.fixture
def client(autoheal: Autoheal) -> Iterator[TestClient]:
    with TestClient(create_app(autoheal)) as c:
        yield c


@pytest.fixture
def tokens(autoheal: Autoheal) -> dict[Role, str]:
    with autoheal.sessions() as s:
        return {role: create_token(s, role, f"test-{role.value}", autoheal.clock.now()) for role in Role}

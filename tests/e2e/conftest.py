"""End-to-end fixtures: ``autoheal serve`` as a real subprocess, and a tiny app exposing metrics."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from autoheal.servers import AutohealServer, ServerUnavailable
from tests.e2e.support import MetricsApp

AutohealFactory = Callable[..., AutohealServer]


@pytest.fixture
def autoheal_factory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AutohealFactory]:
    """``autoheal_factory(config=None, db_url=None, env=None, workdir=None)``: a running
    ``autoheal serve``; every server started is stopped (or already killed) at the end."""
    started: list[AutohealServer] = []

    def factory(
        config: str | None = None,
        db_url: str | None = None,
        env: dict[str, str] | None = None,
        workdir: Any = None,
    ) -> AutohealServer:
        try:
            server = AutohealServer.start(
                workdir or tmp_path_factory.mktemp("autoheal"), db_url=db_url, config=config, env=env
            )
        except ServerUnavailable as exc:
            pytest.fail(str(exc), pytrace=False)
        started.append(server)
        return server

    yield factory
    for server in started:
        server.stop()


@pytest.fixture
def metrics_app() -> Iterator[Callable[[str], MetricsApp]]:
    apps: list[MetricsApp] = []

    def factory(service: str) -> MetricsApp:
        app = MetricsApp(service)
        apps.append(app)
        return app

    yield factory
    for app in apps:
        app.stop()

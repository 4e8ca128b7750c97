"""Root fixtures: real servers (PostgreSQL, Prometheus, Alertmanager, VictoriaMetrics) and ``db_url``.

* ``require(name)`` skips a test when a server binary is missing, with the Debian package to install,
  but fails it when ``CI=true`` or ``AUTOHEAL_REQUIRE_SERVICES=1`` (CI must never skip silently).
* Tests using any server fixture are marked ``realservice`` automatically, so
  ``pytest -m "not realservice"`` runs the quick offline suite.
* Area-specific fixtures belong in ``tests/<area>/conftest.py``, not here.
See docs/testing.md.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from autoheal.servers import (
    Alertmanager,
    Postgres,
    Prometheus,
    ServerUnavailable,
    VictoriaMetrics,
    available,
    debian_package,
)

SERVER_FIXTURES = frozenset(
    {
        "postgres_server",
        "postgres_url",
        "prometheus_factory",
        "prometheus_server",
        "alertmanager_factory",
        "victoria_server",
    }
)


def services_required() -> bool:
    """True in CI: a missing server is a failure, not a skip."""
    return os.environ.get("CI", "").lower() == "true" or os.environ.get("AUTOHEAL_REQUIRE_SERVICES") == "1"


def require(binary: str) -> None:
    """Skip (locally) or fail (CI) the calling test unless server ``binary`` is installed."""
    if available(binary):
        return
    message = (
        f"{binary} is not installed; install it with "
        f"`apt-get install -y --no-install-recommends {debian_package(binary)}` "
        "or run scripts/install-services.sh"
    )
    if services_required():
        pytest.fail(f"{message} (required because CI=true / AUTOHEAL_REQUIRE_SERVICES=1)", pytrace=False)
    pytest.skip(message)


def _start(factory: Callable[[], Any]) -> Any:
    """Start a server; a failure to start fails the test with the server's log tail."""
    try:
        return factory()
    except ServerUnavailable as exc:
        pytest.fail(str(exc), pytrace=False)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if SERVER_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.realservice)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    # "no tests collected" (5) is not a failure, e.g. `-m realservice` on an area without such tests.
    if exitstatus == pytest.ExitCode.NO_TESTS_COLLECTED:
        session.exitstatus = pytest.ExitCode.OK


# --- PostgreSQL -------------------------------------------------------------------------------

_db_counter = itertools.count(1)


@pytest.fixture(scope="session")
def postgres_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Postgres]:
    """One PostgreSQL cluster for the whole session."""
    require("postgres")
    server = _start(lambda: Postgres.start(tmp_path_factory.mktemp("postgres")))
    yield server
    server.stop()


def _fresh_database(server: Postgres, template: str = "template0") -> tuple[str, str]:
    name = f"t{os.getpid()}_{next(_db_counter)}"
    return name, server.create_database(name, template=template)


@pytest.fixture
def postgres_url(postgres_server: Postgres) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for this test (dropped afterwards)."""
    name, url = _fresh_database(postgres_server)
    yield url
    postgres_server.drop_database(name)


@pytest.fixture(scope="session")
def _migrated_pg_template(postgres_server: Postgres) -> str:
    """A database migrated once per session, copied (CREATE DATABASE ... TEMPLATE) for each test."""
    from autoheal.store.db import create_db_engine, migrate

    url = postgres_server.create_database("autoheal_template")
    engine = create_db_engine(url)
    try:
        migrate(engine)
    finally:
        engine.dispose()  # a template must have no open connections
    return "autoheal_template"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.realservice)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database URL; every test using it runs on SQLite and on PostgreSQL."""
    from autoheal.store.db import create_db_engine, migrate

    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'autoheal.db'}"
        engine = create_db_engine(url)
        try:
            migrate(engine)
        finally:
            engine.dispose()
        yield url
        return
    server: Postgres = request.getfixturevalue("postgres_server")
    template: str = request.getfixturevalue("_migrated_pg_template")
    name, url = _fresh_database(server, template)
    yield url
    server.drop_database(name)


# --- Prometheus, Alertmanager, VictoriaMetrics -------------------------------------------------

PrometheusFactory = Callable[..., Prometheus]
AlertmanagerFactory = Callable[[str], Alertmanager]


def _with_rules(config_yaml: str | None, rules_yaml: str | None, workdir: Path) -> str | None:
    if rules_yaml is None:
        return config_yaml
    rules_path = workdir / "rules.yml"
    rules_path.write_text(rules_yaml)
    config = yaml.safe_load(config_yaml) if config_yaml else None
    config = config or {"global": {"scrape_interval": "1s", "evaluation_interval": "1s"}}
    config.setdefault("rule_files", []).append(str(rules_path))
    return yaml.safe_dump(config, sort_keys=False)


@pytest.fixture(scope="session")
def prometheus_factory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrometheusFactory]:
    """``prometheus_factory(config_yaml=None, rules_yaml=None, tsdb_path=None, *, fresh=False)``.

    Prometheus waits ~5 s before its first scrape, so servers are shared for the session: the same
    arguments return the same running server (do not reconfigure a shared one; pass ``fresh=True``
    for a private server). ``rules_yaml`` is written beside the config and added to ``rule_files``.
    """
    require("prometheus")
    servers: dict[tuple[str | None, str | None, str | None], Prometheus] = {}
    started: list[Prometheus] = []

    def factory(
        config_yaml: str | None = None,
        rules_yaml: str | None = None,
        tsdb_path: Path | None = None,
        *,
        fresh: bool = False,
    ) -> Prometheus:
        key = (config_yaml, rules_yaml, str(tsdb_path) if tsdb_path else None)
        if not fresh and key in servers and servers[key].running:
            return servers[key]
        workdir = tmp_path_factory.mktemp("prometheus")
        config = _with_rules(config_yaml, rules_yaml, workdir)
        server: Prometheus = _start(lambda: Prometheus.start(workdir, config, tsdb_path=tsdb_path))
        started.append(server)
        if not fresh:
            servers[key] = server
        return server

    yield factory
    for server in started:
        server.stop()


@pytest.fixture(scope="session")
def prometheus_server(prometheus_factory: PrometheusFactory) -> Prometheus:
    """A shared Prometheus with the default config (1 s scrape and evaluation, no targets)."""
    return prometheus_factory()


@pytest.fixture
def alertmanager_factory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AlertmanagerFactory]:
    """``alertmanager_factory(config_yaml)``: a private Alertmanager (starts in ~0.1 s), clustering
    off, stopped at the end of the test."""
    require("alertmanager")
    started: list[Alertmanager] = []

    def factory(config_yaml: str) -> Alertmanager:
        workdir = tmp_path_factory.mktemp("alertmanager")
        server: Alertmanager = _start(lambda: Alertmanager.start(workdir, config_yaml))
        started.append(server)
        return server

    yield factory
    for server in started:
        server.stop()


@pytest.fixture(scope="session")
def victoria_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VictoriaMetrics]:
    require("victoria-metrics")
    server = _start(lambda: VictoriaMetrics.start(tmp_path_factory.mktemp("victoria")))
    yield server
    server.stop()

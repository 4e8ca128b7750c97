"""The real-server launchers: start, answer, reload, fail with a useful message, stop."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import psycopg
import pytest
from sqlalchemy import inspect

from autoheal.errors import AutohealError
from autoheal.servers import (
    Alertmanager,
    Postgres,
    Prometheus,
    ServerUnavailable,
    VictoriaMetrics,
    available,
    debian_package,
    find_binary,
)
from autoheal.store.db import create_db_engine
from tests.conftest import AlertmanagerFactory, PrometheusFactory, require, services_required

AM_CONFIG = """\
route: {receiver: blackhole, group_wait: 1s, group_interval: 2s}
receivers: [{name: blackhole}]
"""

RULES = """\
groups:
  - name: t
    rules:
      - alert: AlwaysFiring
        expr: vector(1)
        labels: {severity: warning, service: checkout}
"""


def test_server_unavailable_is_in_the_error_tree() -> None:
    assert issubclass(ServerUnavailable, AutohealError)


def test_names_and_packages() -> None:
    assert debian_package("alertmanager") == "prometheus-alertmanager"
    assert debian_package("postgresql") == "postgresql"
    assert debian_package("promtool") == "prometheus"
    with pytest.raises(ValueError, match="unknown server binary"):
        available("nginx")


def test_find_binary_returns_an_executable_when_available() -> None:
    for name in ("prometheus", "alertmanager", "postgres", "victoria-metrics"):
        path = find_binary(name)
        assert (path is not None) == available(name)
        if path is not None:
            assert path.is_file()


def test_services_required_reads_ci_flags(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("AUTOHEAL_REQUIRE_SERVICES", raising=False)
    assert not services_required()
    monkeypatch.setenv("CI", "true")
    assert services_required()
    monkeypatch.delenv("CI")
    monkeypatch.setenv("AUTOHEAL_REQUIRE_SERVICES", "1")
    assert services_required()


def test_prometheus_evaluates_rules_and_reloads(prometheus_factory: PrometheusFactory) -> None:
    prom = prometheus_factory(rules_yaml=RULES)
    assert prom.url == f"http://127.0.0.1:{prom.port}"
    deadline = time.monotonic() + 15
    alerts: list[dict[str, object]] = []
    while time.monotonic() < deadline and not alerts:
        alerts = httpx.get(f"{prom.url}/api/v1/alerts", timeout=5).json()["data"]["alerts"]
        time.sleep(0.2)
    assert alerts and alerts[0]["labels"]["alertname"] == "AlwaysFiring"  # type: ignore[index]
    prom.reload()  # unchanged config reloads fine
    flags = httpx.get(f"{prom.url}/api/v1/status/flags", timeout=5).json()["data"]
    assert flags["web.external-url"] == prom.url


@pytest.mark.realservice
def test_prometheus_reports_why_it_did_not_start(tmp_path: Path) -> None:
    require("prometheus")
    with pytest.raises(ServerUnavailable) as info:
        Prometheus.start(tmp_path, "global: {scrape_interval: nonsense}\n", timeout=10)
    assert "nonsense" in str(info.value)  # the log tail says what is wrong


@pytest.mark.realservice
def test_prometheus_reload_of_a_bad_config_is_refused(tmp_path: Path) -> None:
    require("prometheus")
    with Prometheus.start(tmp_path) as prom:
        prom.write_config("global: {scrape_interval: nonsense}\n")
        with pytest.raises(ServerUnavailable, match="refused the reload"):
            prom.reload()
    assert not prom.running


def test_alertmanager_accepts_alerts_and_reloads(alertmanager_factory: AlertmanagerFactory) -> None:
    am = alertmanager_factory(AM_CONFIG)
    alert = [{"labels": {"alertname": "Probe", "service": "api"}, "annotations": {"summary": "x"}}]
    assert httpx.post(f"{am.url}/api/v2/alerts", json=alert, timeout=5).status_code == 200
    listed = httpx.get(f"{am.url}/api/v2/alerts", timeout=5).json()
    assert [a["labels"]["alertname"] for a in listed] == ["Probe"]
    status = httpx.get(f"{am.url}/api/v2/status", timeout=5).json()
    assert status["cluster"]["status"] == "disabled"  # clustering off: no 10 s peer wait
    am.reload()


def test_postgres_url_is_a_fresh_database(postgres_url: str) -> None:
    with psycopg.connect(postgres_url) as conn:
        tables = conn.execute("select count(*) from pg_tables where schemaname = 'public'").fetchone()
        assert tables == (0,)
        conn.execute("create table t (x int)")


def test_postgres_creates_and_drops_databases(postgres_server: Postgres) -> None:
    assert postgres_server.url.startswith("postgresql://autoheal@127.0.0.1:")
    url = postgres_server.create_database("launcher_probe")
    conn = psycopg.connect(url)
    try:
        assert conn.execute("select current_database()").fetchone() == ("launcher_probe",)
        postgres_server.drop_database("launcher_probe")  # WITH (FORCE): our open connection is cut
    finally:
        conn.close()
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(url, connect_timeout=2)
    with pytest.raises(ValueError):
        postgres_server.create_database("x; drop")


def test_db_url_is_migrated(db_url: str) -> None:
    engine = create_db_engine(db_url)
    try:
        assert {"alerts", "payloads", "api_tokens"} <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


@pytest.mark.realservice
def test_postgres_context_manager_stops_and_cleans_up(tmp_path: Path) -> None:
    require("postgres")
    with Postgres.start(tmp_path) as pg:
        with psycopg.connect(pg.url) as conn:
            assert conn.execute("select 1").fetchone() == (1,)
        cluster = pg.cluster
    assert not pg.running
    assert pg.process.returncode is not None
    if pg._owned_cluster:
        assert not cluster.exists()


def test_victoria_metrics_answers_promql(victoria_server: VictoriaMetrics) -> None:
    now_ms = int(time.time() * 1000)
    victoria_server.import_prometheus(f'probe_total{{service="api"}} 42 {now_ms}\n')
    victoria_server.flush()
    # Ingestion is asynchronous even after a flush: poll briefly (bounded) for the sample.
    deadline = time.monotonic() + 10
    result: list[dict[str, object]] = []
    while not result and time.monotonic() < deadline:
        result = httpx.get(
            f"{victoria_server.url}/api/v1/query",
            params={"query": 'probe_total{service="api"}', "time": now_ms / 1000},
            timeout=5,
        ).json()["data"]["result"]
        time.sleep(0.1)
    assert result and result[0]["value"] == [now_ms / 1000, "42"]


@pytest.mark.realservice
def test_alertmanager_context_manager(tmp_path: Path) -> None:
    require("alertmanager")
    with Alertmanager.start(tmp_path, AM_CONFIG) as am:
        assert httpx.get(f"{am.url}/-/healthy", timeout=5).status_code == 200
    assert not am.running

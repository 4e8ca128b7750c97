"""Datadog logs and monitors through the official client against a recorded-response fake
(tests/tools/datadog_fake.py), and through the governance gateway."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import text

pytest.importorskip("datadog_api_client")

from autoheal.audit.trail import AuditTrail
from autoheal.domain.tools import ToolStatus
from autoheal.governance.gateway import Gateway
from autoheal.governance.policy import default_policy, parse_policy
from autoheal.store.db import create_db_engine, migrate
from autoheal.tools.datadog.config import DatadogConfig
from autoheal.tools.datadog.tools import DatadogLogsSearch, DatadogMonitors, datadog_tools
from autoheal.tools.registry import ToolsConfig
from tests.tools.datadog_fake import FakeDatadog

API_KEY = "dd-api-0123456789abcdef0123456789abcdef"
APP_KEY = "dd-app-fedcba9876543210fedcba9876543210fedcba98"
WINDOW = {"start": "2026-12-01T11:30:00Z", "end": "2026-12-01T12:00:00Z"}


@pytest.fixture
def fake() -> Iterator[FakeDatadog]:
    with FakeDatadog(API_KEY, APP_KEY) as server:
        yield server


def _config(fake: FakeDatadog, **over: object) -> DatadogConfig:
    data = {"host": fake.url, "api_key": API_KEY, "app_key": APP_KEY, "max_retries": 0, **over}
    return DatadogConfig.model_validate(data)


def test_logs_search_pages_through_the_cursor_and_sends_the_documented_body(fake: FakeDatadog) -> None:
    tool = DatadogLogsSearch(_config(fake).api_client())
    result = tool.invoke(
        tool.args_model.model_validate({"query": "service:orders-api status:error", "limit": 50, **WINDOW})
    )
    assert result.ok, result.message
    assert [line["status"] for line in result.data["lines"]] == ["error", "error", "warn"]
    assert result.data["lines"][0]["at"] == "2026-12-01T11:52:03.120000Z"
    assert "deadlock detected" in result.data["lines"][0]["message"]
    first, second = fake.requests
    assert first["path"] == "/api/v2/logs/events/search" and first["method"] == "POST"
    assert first["body"]["filter"] == {
        "query": "service:orders-api status:error",
        "from": "2026-12-01T11:30:00Z",
        "to": "2026-12-01T12:00:00Z",
    }
    assert first["body"]["sort"] == "timestamp" and first["body"]["page"]["limit"] == 50
    assert second["body"]["page"]["cursor"] == "eyJhZnRlciI6IkFRQUFBWlBrM3haNDhRazJkQSJ9"
    assert second["body"]["page"]["limit"] == 48


def test_logs_limit_stops_paging(fake: FakeDatadog) -> None:
    tool = DatadogLogsSearch(_config(fake).api_client())
    result = tool.invoke(tool.args_model.model_validate({"query": "*", "limit": 2, **WINDOW}))
    assert len(result.data["lines"]) == 2 and result.data["truncated"] is True
    assert len(fake.requests) == 1


def test_monitors_list_by_tag_and_one_with_group_states(fake: FakeDatadog) -> None:
    tool = DatadogMonitors(_config(fake).api_client())
    listed = tool.invoke(tool.args_model.model_validate({"monitor_tags": ["team:dba", "service:orders-db"]}))
    assert listed.ok and [m["id"] for m in listed.data["monitors"]] == [12345678]
    assert fake.requests[-1]["query"]["monitor_tags"] == "team:dba,service:orders-db"
    one = tool.invoke(tool.args_model.model_validate({"monitor_id": 12345678}))
    assert one.ok
    groups = one.data["monitors"][0]["groups"]
    assert groups["dbinstanceidentifier:orders-db"]["status"] == "Alert"
    assert fake.requests[-1]["path"] == "/api/v1/monitor/12345678"
    assert fake.requests[-1]["query"]["group_states"] == "all"


def test_failures_are_data(fake: FakeDatadog) -> None:
    tools = {t.name: t for t in datadog_tools(_config(fake).api_client())}
    missing = tools["datadog.monitors"].invoke(
        tools["datadog.monitors"].args_model.model_validate({"monitor_id": 1})
    )
    assert missing.status is ToolStatus.NO_DATA
    wrong = DatadogMonitors(_config(fake, app_key="not-the-key").api_client())
    refused = wrong.invoke(wrong.args_model.model_validate({}))
    assert (
        refused.status is ToolStatus.ERROR
        and "HTTP 403" in refused.message
        and "Forbidden" in refused.message
    )
    fake.fail_with = 500
    broken = tools["datadog.logs_search"].invoke(
        tools["datadog.logs_search"].args_model.model_validate({"limit": 5, **WINDOW})
    )
    assert broken.status is ToolStatus.ERROR and "HTTP 500" in broken.message


def test_unreachable_host_is_an_error_not_an_exception() -> None:
    config = DatadogConfig.model_validate(
        {"host": "http://127.0.0.1:9", "api_key": API_KEY, "app_key": APP_KEY, "max_retries": 0, "timeout": 2}
    )
    tool = DatadogMonitors(config.api_client())
    result = tool.invoke(tool.args_model.model_validate({}))
    assert result.status is ToolStatus.ERROR and "cannot reach the Datadog API" in result.message


def test_keys_are_secret_and_settings_refuse_bad_input() -> None:
    config = ToolsConfig.model_validate({"datadog": {"api_key": API_KEY, "app_key": APP_KEY}})
    assert API_KEY not in repr(config) and APP_KEY not in str(config.model_dump())
    with pytest.raises(ValueError, match="host must be an http"):
        DatadogConfig.model_validate({"host": "ftp://x", "api_key": "a", "app_key": "b"})
    with pytest.raises(ValueError, match="app_key"):
        DatadogConfig.model_validate({"api_key": "a"})
    with pytest.raises(ValueError, match="end must be after start"):
        DatadogLogsSearch.args_model.model_validate({"start": WINDOW["end"], "end": WINDOW["start"]})


def test_through_the_gateway_guarded_redacted_audited_and_keys_never_recorded(fake: FakeDatadog) -> None:
    engine = create_db_engine("sqlite://")
    migrate(engine)
    audit = AuditTrail(engine)
    gateway = Gateway(datadog_tools(_config(fake).api_client()), default_policy(), audit=audit)
    result = gateway.call(
        "datadog.logs_search", {"query": "service:orders-api", "limit": 10, **WINDOW}, caller="investigation"
    )
    assert result.ok
    assert "dba@example.com" not in str(result.data)  # the default redaction (emails) ran
    assert result.meta["redactions"]
    too_wide = gateway.call(
        "datadog.logs_search",
        {"query": "*", "limit": 10, "start": "2026-11-01T00:00:00Z", "end": "2026-12-01T00:00:00Z"},
        caller="investigation",
    )
    assert too_wide.status is ToolStatus.DENIED and "log query window" in too_wide.message
    with engine.connect() as conn:
        dump = " ".join(str(r) for r in conn.execute(text("select * from audit_records")).fetchall())
    assert "datadog.logs_search" in dump and "dba@example.com" not in dump
    assert API_KEY not in dump and APP_KEY not in dump
    deny = parse_policy(
        "version: 1\ndefault: allow\nrules:\n  - {name: no-datadog, effect: deny, tools: ['datadog.*']}\n"
    )
    refused = Gateway(datadog_tools(_config(fake).api_client()), deny).call(
        "datadog.monitors", {}, caller="investigation"
    )
    assert refused.status is ToolStatus.DENIED and "no-datadog" in refused.message

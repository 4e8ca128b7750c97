"""A Datadog alert without its metric is routed by reading its monitor through the gateway
(the official client against the recorded-response fake of the Monitors API)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

pytest.importorskip("datadog_api_client")

from autoheal.clock import ManualClock
from autoheal.cloud.rds import monitor_target
from autoheal.cloud.targets import rds_target
from autoheal.governance.gateway import Gateway
from autoheal.governance.policy import default_policy
from autoheal.reasoning.base import InvestigationContext, Window
from autoheal.sources import LabelRules, get_source
from autoheal.tools.datadog.config import DatadogConfig
from autoheal.tools.datadog.tools import datadog_tools
from tests.tools.datadog_fake import FakeDatadog

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def _ctx(gateway: Gateway, alerts: list) -> InvestigationContext:  # type: ignore[type-arg]
    incident = Window(NOW - timedelta(minutes=30), NOW)
    return InvestigationContext(
        investigation_id="inv-1", subject="x", alerts=alerts, incident=incident,
        reference=Window(incident.start - timedelta(hours=1), incident.start), tools=gateway,
        clock=ManualClock(NOW),
    )  # fmt: skip


def test_monitor_query_names_the_metric_the_webhook_left_out() -> None:
    payload = {
        "alert_id": "12345678",
        "transition": "Triggered",
        "title": "[P2] [Triggered on {dbinstanceidentifier:orders-db}] orders-db paging",
        "scope": "dbinstanceidentifier:orders-db",
        "date": "1796126040000",
    }
    (alert,) = get_source("datadog").normalise(payload, LabelRules())
    assert rds_target(alert) is None
    with FakeDatadog("k1", "k2") as fake:
        config = DatadogConfig.model_validate(
            {"host": fake.url, "api_key": "k1", "app_key": "k2", "max_retries": 0}
        )
        gateway = Gateway(datadog_tools(config.api_client()), default_policy())
        ctx = _ctx(gateway, [alert])
        target = monitor_target(alert, ctx)
        assert fake.requests[-1]["path"] == "/api/v1/monitor/12345678"
        assert target is not None and (target.db_instance, target.metric, target.via) == (
            "orders-db",
            "CPUUtilization",
            "datadog",
        )
        assert [e.tool for e in ctx.evidence] == ["datadog.monitors"]
        other = get_source("datadog").normalise(
            {**payload, "alert_id": "999", "scope": "host:web-1"}, LabelRules()
        )[0]
        assert monitor_target(other, ctx) is None  # names no RDS instance: not even asked
        assert len(fake.requests) == 1

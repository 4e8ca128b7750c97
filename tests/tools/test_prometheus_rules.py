"""prometheus.rules / prometheus.alerts against a real Prometheus with a rule file."""

from __future__ import annotations

import pytest

from autoheal.domain.tools import ToolStatus
from autoheal.tools.http import HttpApi
from autoheal.tools.prometheus import NoArgs, PrometheusAlerts, PrometheusHttp, PrometheusRules, RulesArgs

RULES = """
groups:
  - name: checkout
    rules:
      - alert: CheckoutDown
        expr: vector(1) > 0
        labels: {severity: critical, service: checkout}
      - record: job:up:sum
        expr: sum(vector(1))
"""


@pytest.mark.realservice
def test_rules_and_alerts(prometheus_factory) -> None:  # type: ignore[no-untyped-def]
    server = prometheus_factory(rules_yaml=RULES)
    backend = PrometheusHttp(HttpApi(server.url, name="prometheus", timeout=5))
    every = PrometheusRules(backend).invoke(RulesArgs())
    assert every.ok and every.data[0]["name"] == "checkout"
    assert [r["name"] for r in every.data[0]["rules"]] == ["CheckoutDown", "job:up:sum"]
    alerting = PrometheusRules(backend).invoke(RulesArgs(type="alert"))
    assert [r["type"] for r in alerting.data[0]["rules"]] == ["alerting"]
    alerts = PrometheusAlerts(backend).invoke(NoArgs())
    assert alerts.status in (ToolStatus.OK, ToolStatus.NO_DATA)  # depends on whether the first evaluation ran
    if alerts.ok:
        assert alerts.data[0]["labels"]["alertname"] == "CheckoutDown"

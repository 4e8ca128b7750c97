"""The whole path with real servers: app -> Prometheus (rule fires) -> Alertmanager (bearer
credentials) -> ``autoheal serve`` -> stored with service and severity; the app stops, Prometheus
resolves the alert, Alertmanager sends the resolved notification, and Autoheal closes the alert."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.conftest import AlertmanagerFactory, PrometheusFactory
from tests.e2e.conftest import AutohealFactory
from tests.e2e.support import MetricsApp, poll

pytestmark = [pytest.mark.realservice, pytest.mark.slow]

WEBHOOK_TOKEN = "e2e-s3cret-token"

AUTOHEAL_CONFIG = f"""\
sources:
  alertmanager:
    auth: {{type: bearer, token: "{WEBHOOK_TOKEN}"}}
pipeline:
  group_by: [alertname, service]
"""

RULES = """\
groups:
  - name: demo
    rules:
      - alert: DemoErrorsRising
        expr: rate(demo_errors_total[4s]) > 0
        for: 0s
        labels:
          severity: critical
        annotations:
          summary: "{{ $labels.service }} is serving errors"
"""


def alertmanager_config(webhook_url: str) -> str:
    return f"""\
route:
  receiver: autoheal
  group_by: [alertname, service]
  group_wait: 1s
  group_interval: 2s
  repeat_interval: 1h
receivers:
  - name: autoheal
    webhook_configs:
      - url: "{webhook_url}"
        send_resolved: true
        http_config:
          authorization:
            credentials: "{WEBHOOK_TOKEN}"
"""


def prometheus_config(alertmanager_port: int, target: str) -> str:
    return f"""\
global:
  scrape_interval: 1s
  evaluation_interval: 1s
alerting:
  alertmanagers:
    - static_configs:
        - targets: ["127.0.0.1:{alertmanager_port}"]
scrape_configs:
  - job_name: demo
    static_configs:
      - targets: ["{target}"]
"""


def test_alert_fires_is_stored_and_resolves(
    autoheal_factory: AutohealFactory,
    alertmanager_factory: AlertmanagerFactory,
    prometheus_factory: PrometheusFactory,
    metrics_app: Callable[[str], MetricsApp],
) -> None:
    autoheal = autoheal_factory(config=AUTOHEAL_CONFIG)
    token = autoheal.create_token("viewer")
    alertmanager = alertmanager_factory(alertmanager_config(f"{autoheal.url}/api/v1/alerts/alertmanager"))
    app = metrics_app("checkout")
    prometheus_factory(prometheus_config(alertmanager.port, app.target), RULES, fresh=True)

    with httpx.Client(base_url=autoheal.url, headers={"Authorization": f"Bearer {token}"}, timeout=5) as api:

        def demo_alerts() -> list[dict[str, Any]]:
            response = api.get("/api/v1/alerts", params={"source": "alertmanager"})
            response.raise_for_status()
            return [a for a in response.json()["alerts"] if a["name"] == "DemoErrorsRising"]

        # Prometheus waits ~5 s before its first scrape; measured 7 s to the first webhook.
        firing = poll(demo_alerts, lambda alerts: bool(alerts), timeout=45, what="the firing alert")
        assert len(firing) == 1
        alert = firing[0]
        assert alert["status"] == "firing"
        assert alert["service"] == "checkout"
        assert alert["severity"] == "critical"
        assert alert["labels"]["job"] == "demo"
        assert alert["annotations"]["summary"] == "checkout is serving errors"
        assert alert["generator_url"].startswith("http://127.0.0.1:")

        app.stop()  # the target goes down: rate() has no samples, the rule resolves

        resolved = poll(
            demo_alerts,
            lambda alerts: bool(alerts) and alerts[0]["status"] == "resolved",
            timeout=45,
            what="the resolved notification",
        )
        assert len(resolved) == 1, "the resolved notification must close the alert it opened, not add one"
        assert resolved[0]["id"] == alert["id"]
        assert resolved[0]["resolved_at"] is not None
        assert resolved[0]["ends_at"] is not None

    # Without the bearer credentials, the webhook is refused.
    refused = httpx.post(f"{autoheal.url}/api/v1/alerts/alertmanager", json={}, timeout=5)
    assert refused.status_code == 401

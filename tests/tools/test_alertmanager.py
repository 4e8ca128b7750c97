"""Alertmanager tools against a real Alertmanager 0.25 (API v2)."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from autoheal.clock import SystemClock
from autoheal.domain.tools import Access, ToolStatus
from autoheal.tools.alertmanager import (
    AlertmanagerAlerts,
    AlertmanagerCreateSilence,
    AlertmanagerSilences,
    AlertsArgs,
    CreateSilenceArgs,
    SilencesArgs,
)
from autoheal.tools.http import HttpApi

CONFIG = """
route: {receiver: blackhole, group_wait: 1s, group_interval: 2s}
receivers: [{name: blackhole}]
"""


@pytest.mark.realservice
def test_list_alerts_create_silence_list_silences(alertmanager_factory) -> None:  # type: ignore[no-untyped-def]
    server = alertmanager_factory(CONFIG)
    now = SystemClock().now()
    alert = {
        "labels": {"alertname": "HighErrorRate", "service": "checkout", "severity": "critical"},
        "annotations": {"summary": "5xx above 5%"},
        "startsAt": now.isoformat(),
        "endsAt": (now + timedelta(minutes=10)).isoformat(),
    }
    httpx.post(f"{server.url}/api/v2/alerts", json=[alert], timeout=5).raise_for_status()
    api = HttpApi(server.url, name="alertmanager", timeout=5)

    listed = AlertmanagerAlerts(api).invoke(AlertsArgs(filter=['service="checkout"']))
    assert listed.ok and listed.data[0]["labels"]["alertname"] == "HighErrorRate"
    assert listed.data[0]["state"] == "active"
    assert AlertmanagerAlerts(api).invoke(AlertsArgs(filter=['service="nope"'])).status is ToolStatus.NO_DATA

    assert AlertmanagerCreateSilence.access is Access.WRITE
    created = AlertmanagerCreateSilence(api).invoke(
        CreateSilenceArgs(
            matchers=[{"name": "service", "value": "checkout"}],
            duration_minutes=30,
            comment="deploying fix",
            created_by="test",
        )
    )
    assert created.ok, created.message
    silences = AlertmanagerSilences(api).invoke(SilencesArgs(state="active"))
    assert [s["id"] for s in silences.data] == [created.data["silence_id"]]
    assert silences.data[0]["comment"] == "deploying fix"
    after = AlertmanagerAlerts(api).invoke(AlertsArgs())
    assert after.data[0]["state"] == "suppressed" and after.data[0]["silenced_by"] == [
        created.data["silence_id"]
    ]

    bad = AlertmanagerAlerts(api).invoke(AlertsArgs(filter=["not a matcher"]))
    assert bad.status is ToolStatus.ERROR and "400" in bad.message
    api.close()


def test_a_silence_matching_everything_is_refused() -> None:
    with pytest.raises(ValueError, match="every alert"):
        CreateSilenceArgs(matchers=[{"name": "alertname", "value": ".*", "isRegex": True}], comment="x")

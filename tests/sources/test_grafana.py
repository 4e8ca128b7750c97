from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest

from autoheal.domain.alerts import AlertStatus
from autoheal.errors import PayloadError
from autoheal.sources import LabelRules, grafana

RULES = LabelRules()


def _payload(sample: str = "firing_two_alerts") -> dict[str, Any]:
    return copy.deepcopy(grafana.source.load_sample(sample))


def test_firing_alerts_keep_grafana_fingerprint_and_links() -> None:
    first, second = grafana.normalise(_payload(), RULES)
    assert first.fingerprint == "5f4c0e2f9a1b7d63"
    assert first.starts_at == datetime(2026, 11, 25, 16, 2, 10, tzinfo=UTC)  # +01:00 -> UTC
    assert first.ends_at is None
    assert first.service == "checkout"  # from the pod name
    assert first.annotations["dashboard_url"] == "https://grafana.example.com/d/shop-checkout?orgId=1"
    assert first.annotations["values"] == '{"A": 2.4137, "C": 1}'
    assert first.annotations["runbook_url"].startswith("https://runbooks")
    assert "dashboard_url" not in second.annotations  # empty URLs are not copied


def test_resolved_closes_the_firing_alert() -> None:
    (resolved,) = grafana.normalise(_payload("resolved"), RULES)
    firing = grafana.normalise(_payload(), RULES)[0]
    assert resolved.status is AlertStatus.RESOLVED
    assert resolved.fingerprint == firing.fingerprint
    assert resolved.ends_at == datetime(2026, 11, 25, 16, 19, 40, tzinfo=UTC)


def test_rule_annotation_wins_over_grafana_extra() -> None:
    payload = _payload()
    payload["alerts"][0]["annotations"]["dashboard_url"] = "https://mine"
    assert grafana.normalise(payload, RULES)[0].annotations["dashboard_url"] == "https://mine"


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (
            lambda p: p["alerts"][1].update(values=[1, 2]),
            "alerts[1].values: expected a JSON object, got array",
        ),
        (lambda p: p["alerts"][1]["values"].update(B="high"), "alerts[1].values.B: expected a number"),
        (lambda p: p["alerts"][1].update(dashboardURL=7), "alerts[1].dashboardURL: expected a string"),
        (lambda p: p["alerts"][1].update(endsAt="soon"), "alerts[1].endsAt: not an RFC 3339 time"),
        (lambda p: p["alerts"].append("x"), "alerts[2]: expected a JSON object, got string"),
    ],
)
def test_bad_payloads_name_the_field(mutate: Any, message: str) -> None:
    payload = _payload()
    mutate(payload)
    with pytest.raises(PayloadError) as caught:
        grafana.normalise(payload, RULES)
    assert message in str(caught.value)

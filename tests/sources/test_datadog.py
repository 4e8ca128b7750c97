from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest

from autoheal.domain.alerts import AlertStatus, Severity
from autoheal.errors import PayloadError
from autoheal.sources import LabelRules, datadog

RULES = LabelRules()


def _payload(sample: str = "triggered") -> dict[str, Any]:
    return copy.deepcopy(datadog.source.load_sample(sample))


def test_tags_and_scope_become_labels() -> None:
    (alert,) = datadog.normalise(_payload(), RULES)
    assert alert.labels["service"] == "checkout"
    assert alert.labels["env"] == "prod"
    assert alert.labels["team"] == "payments"
    assert alert.labels["monitor"] == ""  # a tag without a value
    assert alert.labels["monitor_id"] == "148203775"
    assert alert.labels["alertname"] == alert.name == "Checkout 5xx error rate above 5%"


@pytest.mark.parametrize(
    ("tags", "labels"),
    [
        ("service:checkout,env:prod", {"service": "checkout", "env": "prod"}),
        (" service:checkout , env:prod ", {"service": "checkout", "env": "prod"}),
        ("team:b,team:a,team:a", {"team": "a,b"}),
        ("url:http://x:80/y", {"url": "http://x:80/y"}),
        ("canary,,:orphan", {"canary": ""}),
        (["service:cart", "env:dev"], {"service": "cart", "env": "dev"}),
        ("", {}),
    ],
)
def test_tag_parsing(tags: Any, labels: dict[str, str]) -> None:
    assert datadog.parse_tags(tags, "tags") == labels


@pytest.mark.parametrize(
    ("title", "name"),
    [
        ("[Triggered on {host:web-1}] Host is down", "Host is down"),
        ("[P1] [Re-Triggered] Memory high", "Memory high"),
        ("[Recovered] [TEST] not a prefix", "[TEST] not a prefix"),
        ("[No Data on {service:x}] Heartbeat missing", "Heartbeat missing"),
        ("[Triggered]", "[Triggered]"),
        ("[team-a] Disk full", "[team-a] Disk full"),
    ],
)
def test_title_prefix_is_stripped_for_a_stable_name(title: str, name: str) -> None:
    assert datadog.strip_title(title) == name


def test_recovered_resolves_with_date_as_end_and_same_fingerprint() -> None:
    (firing,) = datadog.normalise(_payload(), RULES)
    (resolved,) = datadog.normalise(_payload("recovered"), RULES)
    assert resolved.status is AlertStatus.RESOLVED
    assert resolved.fingerprint == firing.fingerprint
    assert resolved.ends_at == datetime(2026, 11, 26, 17, 15, tzinfo=UTC)
    assert resolved.name == firing.name


@pytest.mark.parametrize(
    "transition", ["Triggered", "Re-Triggered", "Warn", "Re-Warn", "No Data", "Renotify"]
)
def test_other_transitions_are_firing(transition: str) -> None:
    payload = _payload()
    payload["transition"] = transition
    assert datadog.normalise(payload, RULES)[0].status is AlertStatus.FIRING


def test_severity_tag_beats_priority_and_alert_type_is_the_last_resort() -> None:
    payload = _payload()
    payload["tags"] += ",severity:warning"
    assert datadog.normalise(payload, RULES)[0].severity is Severity.WARNING
    payload = _payload()
    payload["priority"] = ""
    assert datadog.normalise(payload, RULES)[0].severity is Severity.HIGH  # alert_type error


def test_without_aggregation_key_fingerprint_is_monitor_and_scope() -> None:
    a = _payload()
    b = _payload("recovered")
    for p in (a, b):
        p["aggreg_key"] = ""
    assert datadog.normalise(a, RULES)[0].fingerprint == datadog.normalise(b, RULES)[0].fingerprint
    b["scope"] = "env:prod,service:cart"
    assert datadog.normalise(a, RULES)[0].fingerprint != datadog.normalise(b, RULES)[0].fingerprint


def test_date_may_be_a_number_or_rfc3339() -> None:
    payload = _payload()
    payload["date"] = 1795712400000
    first = datadog.normalise(payload, RULES)[0].starts_at
    payload["date"] = "2026-11-26T17:00:00Z"
    assert datadog.normalise(payload, RULES)[0].starts_at == first


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda p: p.update(transition="Exploded"), "transition: unknown transition 'Exploded'"),
        (lambda p: p.pop("title"), "title: missing"),
        (lambda p: p.update(date="$DATE"), "date: not an RFC 3339 time"),
        (lambda p: p.update(date="-5000"), "date: 1969-12-31T23:59:55+00:00 is before 1970"),
        (lambda p: p.update(date=1e300), "date: not a usable epoch-milliseconds time"),
        (lambda p: p.update(tags={"service": "x"}), "tags: expected a string, got object"),
        (lambda p: p.update(alert_id=None), "alert_id: missing"),
        (lambda p: p.update(tags="k:" + "v" * 5000), "tags.k: longer than 4096 bytes"),
    ],
)
def test_bad_payloads_name_the_field(mutate: Any, message: str) -> None:
    payload = _payload()
    mutate(payload)
    with pytest.raises(PayloadError) as caught:
        datadog.normalise(payload, RULES)
    assert message in str(caught.value)

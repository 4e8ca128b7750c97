from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from autoheal.domain.alerts import AlertStatus, Severity
from autoheal.errors import PayloadError
from autoheal.sources import LabelRules, generic

RULES = LabelRules()
MINIMAL = {"name": "DiskFull", "starts_at": "2026-11-25T10:00:00Z"}


def test_minimal_alert() -> None:
    (alert,) = generic.normalise(dict(MINIMAL), RULES)
    assert alert.status is AlertStatus.FIRING
    assert alert.starts_at == datetime(2026, 11, 25, 10, tzinfo=UTC)
    assert alert.severity is RULES.default_severity
    assert alert.service is None
    assert len(alert.fingerprint) == 16


def test_explicit_service_and_severity_win_over_labels() -> None:
    payload = {**MINIMAL, "labels": {"app": "x", "severity": "info"}, "service": "orders", "severity": "P1"}
    (alert,) = generic.normalise(payload, RULES)
    assert alert.service == "orders" and alert.labels["service"] == "orders"
    assert alert.severity is Severity.CRITICAL


def test_resolved_needs_and_keeps_its_end() -> None:
    payload = {**MINIMAL, "status": "resolved", "ends_at": "2026-11-25T10:05:00+02:00"}
    with pytest.raises(PayloadError, match="ends_at: 2026-11-25T08:05:00"):
        generic.normalise(payload, RULES)  # before the start once in UTC
    payload["ends_at"] = "2026-11-25T12:05:00+02:00"
    (alert,) = generic.normalise(payload, RULES)
    assert alert.ends_at == datetime(2026, 11, 25, 10, 5, tzinfo=UTC)


def test_fingerprint_is_stable_and_label_order_free() -> None:
    a = generic.normalise({**MINIMAL, "labels": {"a": "1", "b": "2"}}, RULES)[0]
    b = generic.normalise(
        {**MINIMAL, "labels": {"b": "2", "a": "1"}, "starts_at": "2026-11-26T00:00:00Z"}, RULES
    )[0]
    assert a.fingerprint == b.fingerprint


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"starts_at": "2026-11-25T10:00:00Z"}, "name: Field required"),
        ({**MINIMAL, "startsAt": "x"}, "startsAt: unknown field"),
        ({**MINIMAL, "status": "pending"}, "status: Input should be 'firing' or 'resolved'"),
        ({**MINIMAL, "starts_at": "2026-11-25T10:00:00"}, "starts_at: Input should have timezone info"),
        (
            {**MINIMAL, "starts_at": "1960-01-01T00:00:00Z"},
            "starts_at: 1960-01-01T00:00:00+00:00 is before 1970",
        ),
        ({**MINIMAL, "labels": {"a": 1}}, "labels.a: Input should be a valid string"),
        ({**MINIMAL, "severity": "apocalyptic"}, "severity: unknown severity 'apocalyptic'"),
        ({**MINIMAL, "status": "resolved"}, "ends_at: missing"),
        ({"alerts": [MINIMAL, {**MINIMAL, "name": ""}]}, "alerts[1].name: String should have at least 1"),
        ({"alerts": [MINIMAL] * 5001}, "alerts: 5001 items"),
        ({"alerts": [], "receiver": "x"}, "receiver: unknown field next to 'alerts'"),
        ({**MINIMAL, "labels": {"k" * 5000: "v"}}, "longer than 4096 bytes"),
    ],
)
def test_bad_payloads_name_the_field(payload: dict[str, Any], message: str) -> None:
    with pytest.raises(PayloadError) as caught:
        generic.normalise(payload, RULES)
    assert message in str(caught.value)


def test_schema_is_published() -> None:
    schema = generic.GenericAlert.model_json_schema()
    assert set(schema["required"]) == {"name", "starts_at"}

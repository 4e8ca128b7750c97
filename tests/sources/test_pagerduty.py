from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest

from autoheal.domain.alerts import AlertStatus, Severity
from autoheal.errors import PayloadError
from autoheal.sources import LabelRules, pagerduty

RULES = LabelRules()


def _payload(sample: str = "incident_triggered") -> dict[str, Any]:
    return copy.deepcopy(pagerduty.source.load_sample(sample))


def test_triggered_incident_becomes_a_firing_alert() -> None:
    (alert,) = pagerduty.normalise(_payload(), RULES)
    assert alert.status is AlertStatus.FIRING
    assert alert.fingerprint == "Q2KX8N5RTB1YHV"
    assert alert.name == "Checkout payment authorisations failing (card processor timeouts)"
    assert alert.service == "checkout"
    assert alert.labels["priority"] == "P1" and alert.labels["urgency"] == "high"
    assert alert.labels["team"] == "Payments"
    assert alert.starts_at == datetime(2026, 11, 25, 18, 4, 12, tzinfo=UTC)  # created_at
    assert alert.generator_url == "https://acme.pagerduty.com/incidents/Q2KX8N5RTB1YHV"


@pytest.mark.parametrize(
    ("event_type", "status"),
    [
        ("incident.triggered", AlertStatus.FIRING),
        ("incident.acknowledged", AlertStatus.FIRING),
        ("incident.unacknowledged", AlertStatus.FIRING),
        ("incident.reopened", AlertStatus.FIRING),
        ("incident.escalated", AlertStatus.FIRING),
        ("incident.delegated", AlertStatus.FIRING),
        ("incident.reassigned", AlertStatus.FIRING),
        ("incident.priority_updated", AlertStatus.FIRING),
        ("incident.resolved", AlertStatus.RESOLVED),
    ],
)
def test_event_types_map_to_status(event_type: str, status: AlertStatus) -> None:
    payload = _payload()
    payload["event"]["event_type"] = event_type
    (alert,) = pagerduty.normalise(payload, RULES)
    assert alert.status is status
    assert alert.annotations["event_type"] == event_type
    assert (alert.ends_at is not None) == (status is AlertStatus.RESOLVED)


def test_resolved_closes_with_occurred_at() -> None:
    (alert,) = pagerduty.normalise(_payload("incident_resolved"), RULES)
    assert alert.status is AlertStatus.RESOLVED
    assert alert.ends_at == datetime(2026, 11, 25, 18, 41, 3, 527000, tzinfo=UTC)


def test_unknown_incident_event_type_follows_the_incident_status() -> None:
    payload = _payload("incident_resolved")
    payload["event"]["event_type"] = "incident.custom_field_values.updated"
    assert pagerduty.normalise(payload, RULES)[0].status is AlertStatus.RESOLVED


@pytest.mark.parametrize(
    ("event_type", "data"),
    [
        ("pagey.ping", {"type": "ping", "message": "Hello from your friend Pagey!"}),
        ("incident.annotated", {"type": "incident_note", "id": "P2LA89X", "content": "checked the db"}),
        ("incident.responder.added", {"type": "incident_responder", "state": "pending"}),
        ("service.updated", {"type": "service", "id": "PSVC7Q2"}),
    ],
)
def test_events_without_an_incident_yield_nothing(event_type: str, data: dict[str, Any]) -> None:
    payload = {
        "event": {"id": "e1", "event_type": event_type, "occurred_at": "2026-11-25T18:00:00Z", "data": data}
    }
    assert pagerduty.normalise(payload, RULES) == []


def test_severity_from_priority_else_urgency() -> None:
    payload = _payload()
    payload["event"]["data"]["priority"] = None
    assert pagerduty.normalise(payload, RULES)[0].severity is Severity.HIGH
    payload["event"]["data"]["urgency"] = "low"
    assert pagerduty.normalise(payload, RULES)[0].severity is Severity.INFO
    custom = LabelRules(severity_map={"p1": Severity.HIGH})
    assert pagerduty.normalise(_payload(), custom)[0].severity is Severity.HIGH


def test_without_created_at_start_is_the_event_time() -> None:
    payload = _payload()
    del payload["event"]["data"]["created_at"]
    assert pagerduty.normalise(payload, RULES)[0].starts_at == datetime(
        2026, 11, 25, 18, 4, 12, 391000, tzinfo=UTC
    )


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda p: p.pop("event"), "event: missing"),
        (lambda p: p["event"].update(data="x"), "event.data: expected a JSON object, got string"),
        (lambda p: p["event"]["data"].update(status="snoozed"), "event.data.status: unknown incident status"),
        (lambda p: p["event"]["data"].update(urgency="urgent"), "event.data.urgency: unknown urgency"),
        (lambda p: p["event"]["data"].pop("title"), "event.data.title: missing"),
        (lambda p: p["event"].update(occurred_at=17), "event.occurred_at: not an RFC 3339 time"),
        (
            lambda p: p["event"]["data"].update(created_at="2026-11-27T18:04:12Z"),
            "event.data.created_at: 2026-11-27T18:04:12+00:00 is more than a day after the event",
        ),
        (lambda p: p["event"]["data"].update(service=[]), "event.data.service: expected a JSON object"),
        (
            lambda p: p["event"].update(event_type="incident.new_thing") or p["event"]["data"].pop("status"),
            "event.data.status: missing, and event type 'incident.new_thing' is not known",
        ),
    ],
)
def test_bad_payloads_name_the_field(mutate: Any, message: str) -> None:
    payload = _payload()
    mutate(payload)
    with pytest.raises(PayloadError) as caught:
        pagerduty.normalise(payload, RULES)
    assert message in str(caught.value)

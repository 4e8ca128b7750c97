from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest

from autoheal.domain.alerts import AlertStatus
from autoheal.errors import PayloadError
from autoheal.sources import LabelRules, alertmanager

RULES = LabelRules()


def _payload(sample: str = "alertmanager_payload") -> dict[str, Any]:
    return copy.deepcopy(alertmanager.source.load_sample(sample))


def test_firing_has_no_end_and_keeps_alertmanager_fingerprint() -> None:
    (alert,) = alertmanager.normalise(_payload(), RULES)
    assert alert.status is AlertStatus.FIRING
    assert alert.ends_at is None  # Go's zero time
    assert alert.fingerprint == "de21849eb39329c4"
    assert alert.starts_at == datetime(2026, 11, 25, 16, 51, 43, 348000, tzinfo=UTC)
    assert alert.generator_url and alert.generator_url.startswith("http://vm:19090/graph")
    assert alert.summary == "Queue depth 9 > 5"


def test_resolved_closes_with_end_time_and_same_fingerprint() -> None:
    (firing,) = alertmanager.normalise(_payload(), RULES)
    (resolved,) = alertmanager.normalise(_payload("alertmanager_payload_resolved"), RULES)
    assert resolved.status is AlertStatus.RESOLVED
    assert resolved.ends_at == datetime(2026, 11, 25, 16, 52, 7, 348000, tzinfo=UTC)
    assert resolved.fingerprint == firing.fingerprint


def test_missing_fingerprint_gets_a_stable_hash_of_labels() -> None:
    first = _payload()
    del first["alerts"][0]["fingerprint"]
    second = copy.deepcopy(first)
    second["alerts"][0]["labels"] = dict(reversed(list(second["alerts"][0]["labels"].items())))
    (a,) = alertmanager.normalise(first, RULES)
    (b,) = alertmanager.normalise(second, RULES)
    assert a.fingerprint == b.fingerprint and len(a.fingerprint) == 16
    int(a.fingerprint, 16)


def test_nanosecond_times_and_offsets_become_utc() -> None:
    payload = _payload()
    payload["alerts"][0]["startsAt"] = "2026-11-25T17:51:43.123456789+01:00"
    (alert,) = alertmanager.normalise(payload, RULES)
    assert alert.starts_at == datetime(2026, 11, 25, 16, 51, 43, 123456, tzinfo=UTC)


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda p: p["alerts"][0].update(startsAt="yesterday"), "alerts[0].startsAt: not an RFC 3339 time"),
        (
            lambda p: p["alerts"][0].update(startsAt="2026-11-25T16:51:43"),
            "alerts[0].startsAt: not an RFC 3339",
        ),
        (lambda p: p["alerts"][0].update(startsAt="1969-12-31T23:59:59Z"), "alerts[0].startsAt: 1969"),
        (lambda p: p["alerts"][0].update(status="pending"), "alerts[0].status: unknown status 'pending'"),
        (lambda p: p["alerts"][0]["labels"].pop("alertname"), "alerts[0].labels.alertname: missing"),
        (
            lambda p: p["alerts"][0]["labels"].update(job=3),
            "alerts[0].labels.job: expected a string, got number",
        ),
        (lambda p: p["alerts"][0]["labels"].update(job="x" * 5000), "alerts[0].labels.job: longer than 4096"),
        (lambda p: p["alerts"][0].pop("startsAt"), "alerts[0].startsAt: missing"),
        (lambda p: p.pop("alerts"), "alerts: missing"),
        (lambda p: p.update(alerts={}), "alerts: expected an array, got object"),
        (lambda p: p.update(version="3"), 'version: expected "4"'),
        (lambda p: p.update(alerts=p["alerts"] * 5001), "alerts: 5001 items, more than the limit of 5000"),
        (
            lambda p: p["alerts"][0].update(status="resolved"),
            "alerts[0].endsAt: missing (a resolved alert needs its end time)",
        ),
        (
            lambda p: p["alerts"][0].update(endsAt="2026-11-25T16:00:00Z"),
            "alerts[0].endsAt: 2026-11-25T16:00:00+00:00 is before the start",
        ),
    ],
)
def test_bad_payloads_name_the_field(mutate: Any, message: str) -> None:
    payload = _payload()
    mutate(payload)
    with pytest.raises(PayloadError) as caught:
        alertmanager.normalise(payload, RULES)
    assert message in str(caught.value)


@pytest.mark.parametrize("payload", [None, [], "alerts", 4, True])
def test_non_object_payload_is_refused(payload: Any) -> None:
    with pytest.raises(PayloadError, match="expected a JSON object"):
        alertmanager.normalise(payload, RULES)

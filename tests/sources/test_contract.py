"""One contract, every source x every sample payload shipped beside it."""

from __future__ import annotations

import copy

import pytest

from autoheal.domain.alerts import Alert, AlertStatus, Severity
from autoheal.sources import LabelRules, get_source, source_names

# (source, sample) -> [(fingerprint, status, service, severity), ...] in payload order.
# A sample without an entry here fails the contract: say what it must normalise to.
EXPECTED: dict[tuple[str, str], list[tuple[str, AlertStatus, str | None, Severity]]] = {
    ("alertmanager", "alertmanager_payload"): [
        ("de21849eb39329c4", AlertStatus.FIRING, "demo-app", Severity.WARNING)
    ],
    ("alertmanager", "alertmanager_payload_firing_errorrate"): [
        ("0ff75511c4b700a8", AlertStatus.FIRING, "demo-app", Severity.CRITICAL)
    ],
    ("alertmanager", "alertmanager_payload_resolved"): [
        ("de21849eb39329c4", AlertStatus.RESOLVED, "demo-app", Severity.WARNING)
    ],
    ("grafana", "firing_two_alerts"): [
        ("5f4c0e2f9a1b7d63", AlertStatus.FIRING, "checkout", Severity.CRITICAL),
        ("a0e91b3c77d24f18", AlertStatus.FIRING, "postgres-main", Severity.WARNING),
    ],
    ("grafana", "resolved"): [("5f4c0e2f9a1b7d63", AlertStatus.RESOLVED, "checkout", Severity.CRITICAL)],
    ("datadog", "triggered"): [
        ("8f1e7c8f2a3b4d5e6f708192a3b4c5d6", AlertStatus.FIRING, "checkout", Severity.CRITICAL)
    ],
    ("datadog", "recovered"): [
        ("8f1e7c8f2a3b4d5e6f708192a3b4c5d6", AlertStatus.RESOLVED, "checkout", Severity.CRITICAL)
    ],
    ("datadog", "warn_host_disk"): [
        ("0c2d4e6f8a1b3c5d7e9f0a2b4c6d8e0f", AlertStatus.FIRING, "orders-db", Severity.WARNING)
    ],
    ("pagerduty", "incident_triggered"): [
        ("Q2KX8N5RTB1YHV", AlertStatus.FIRING, "checkout", Severity.CRITICAL)
    ],
    ("pagerduty", "incident_acknowledged"): [
        ("Q2KX8N5RTB1YHV", AlertStatus.FIRING, "checkout", Severity.CRITICAL)
    ],
    ("pagerduty", "incident_resolved"): [
        ("Q2KX8N5RTB1YHV", AlertStatus.RESOLVED, "checkout", Severity.CRITICAL)
    ],
    ("pagerduty", "incident_triggered_low_urgency"): [
        ("Q0LW3M7ZD9C4PE", AlertStatus.FIRING, "search-indexer", Severity.INFO)
    ],
    ("generic", "single_firing"): [("daeb435f6a5302de", AlertStatus.FIRING, "nightly-backup", Severity.HIGH)],
    ("generic", "batch"): [
        ("cert-api.example.com", AlertStatus.FIRING, "api-gateway", Severity.WARNING),
        ("d40e9e410b03d6ec", AlertStatus.RESOLVED, "cart", Severity.CRITICAL),
    ],
}

CASES = [(name, sample) for name in source_names() for sample in get_source(name).samples]


def test_every_source_ships_samples() -> None:
    for name in source_names():
        assert get_source(name).samples, f"source {name} has no sample payloads"


def test_every_sample_has_an_expectation() -> None:
    assert sorted(CASES) == sorted(EXPECTED)


@pytest.mark.parametrize(("name", "sample"), CASES, ids=[f"{n}-{s}" for n, s in CASES])
def test_sample_normalises_per_contract(name: str, sample: str) -> None:
    source = get_source(name)
    payload = source.load_sample(sample)
    pristine = copy.deepcopy(payload)
    rules = LabelRules()

    alerts = list(source.normalise(payload, rules))

    assert alerts, "a sample must yield at least one alert"
    assert payload == pristine, "the normaliser mutated its input"
    assert list(source.normalise(payload, rules)) == alerts, "same input must give the same output"
    for alert in alerts:
        assert isinstance(alert, Alert)
        assert alert.source == name
        assert alert.fingerprint and len(alert.fingerprint) <= 256
        assert alert.name
        assert alert.starts_at.utcoffset() is not None and alert.starts_at.utcoffset().total_seconds() == 0
        if alert.ends_at is not None:
            assert alert.ends_at.utcoffset().total_seconds() == 0
            assert alert.ends_at >= alert.starts_at
        if alert.status is AlertStatus.RESOLVED:
            assert alert.ends_at is not None, "a resolved alert carries its end"
        assert all(isinstance(k, str) and isinstance(v, str) for k, v in alert.labels.items())
        assert all(isinstance(k, str) and isinstance(v, str) for k, v in alert.annotations.items())
        alert.to_dict()  # serialisable
    got = [(a.fingerprint, a.status, a.service, a.severity) for a in alerts]
    assert got == EXPECTED[(name, sample)]

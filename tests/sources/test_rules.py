from __future__ import annotations

import pytest
from pydantic import ValidationError

from autoheal.domain.alerts import Severity
from autoheal.sources import LabelRules, ServicePattern

RULES = LabelRules()


@pytest.mark.parametrize(
    ("labels", "service"),
    [
        ({"service": "checkout", "app": "other"}, "checkout"),
        ({"app_kubernetes_io_name": "cart"}, "cart"),
        ({"job": "node-exporter"}, "node-exporter"),
        ({"pod": "checkout-7d9f8b6c5d-x2k4q"}, "checkout"),  # Deployment pod
        ({"pod": "payments-api-5c8d7f9b4-7hq2m"}, "payments-api"),
        ({"pod": "postgres-main-0"}, "postgres-main"),  # StatefulSet pod
        ({"pod": "standalone"}, None),
        ({"service": "", "app": "fallback"}, "fallback"),
        ({}, None),
    ],
)
def test_default_service_rules(labels: dict[str, str], service: str | None) -> None:
    assert RULES.service_for(labels) == service


def test_configured_service_labels_and_patterns() -> None:
    rules = LabelRules(
        service_labels=["component"],
        service_patterns=[ServicePattern(label="instance", regex=r"^(?P<service>[a-z-]+)-\d+\.prod:\d+$")],
    )
    assert rules.service_for({"component": "ledger", "service": "x"}) == "ledger"
    assert rules.service_for({"instance": "ledger-api-3.prod:9100"}) == "ledger-api"
    assert rules.service_for({"service": "ignored now"}) is None


@pytest.mark.parametrize(
    ("labels", "fallback", "severity"),
    [
        ({"severity": "critical"}, None, Severity.CRITICAL),
        ({"severity": "Page"}, None, Severity.CRITICAL),
        ({"severity": "warning"}, "P1", Severity.WARNING),  # the label wins over the fallback
        ({"priority": "P2"}, None, Severity.HIGH),
        ({}, "low", Severity.INFO),
        ({}, None, Severity.WARNING),
        ({"severity": "bananas"}, None, Severity.WARNING),
    ],
)
def test_default_severity_rules(labels: dict[str, str], fallback: str | None, severity: Severity) -> None:
    assert RULES.severity_for(labels, fallback) is severity


def test_configured_severity_map_overrides_builtin_and_is_case_free() -> None:
    rules = LabelRules(
        severity_map={"P1": Severity.HIGH, "disaster": Severity.CRITICAL}, default_severity=Severity.INFO
    )
    assert rules.severity_for({"severity": "p1"}) is Severity.HIGH
    assert rules.severity_for({"severity": "DISASTER"}) is Severity.CRITICAL
    assert rules.severity_for({"severity": "unheard-of"}) is Severity.INFO
    assert rules.lookup_severity("unheard-of") is None
    assert "disaster" in rules.known_severity_values()


def test_rules_load_from_config_mapping() -> None:
    rules = LabelRules.model_validate(
        {
            "service_labels": ["service"],
            "service_patterns": [{"label": "pod", "regex": "^(?P<service>.+)-[0-9]+$"}],
            "severity_map": {"sev0": "critical"},
            "default_severity": "info",
        }
    )
    assert rules.service_for({"pod": "kafka-2"}) == "kafka"
    assert rules.severity_for({"severity": "sev0"}) is Severity.CRITICAL


@pytest.mark.parametrize(
    "config",
    [
        {"service_patterns": [{"label": "pod", "regex": "("}]},
        {"service_patterns": [{"label": "pod", "regex": "^(.+)-0$"}]},  # no (?P<service>...)
        {"default_severity": "apocalyptic"},
        {"unknown_key": 1},
    ],
)
def test_bad_rules_config_is_refused(config: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        LabelRules.model_validate(config)

from __future__ import annotations

import pytest

import autoheal.sources as sources
from autoheal.errors import UnknownSourceError
from autoheal.sources import get_source, source_names


def test_known_sources() -> None:
    assert source_names() == ["alertmanager", "datadog", "generic", "grafana", "pagerduty"]
    for name in source_names():
        assert get_source(name).name == name
        assert get_source(name).description


def test_lookup_ignores_case_and_spaces() -> None:
    assert get_source(" Alertmanager ").name == "alertmanager"


def test_unknown_source_lists_the_known_ones() -> None:
    with pytest.raises(UnknownSourceError) as caught:
        get_source("nagios")
    assert "nagios" in str(caught.value)
    assert "alertmanager, datadog, generic, grafana, pagerduty" in str(caught.value)
    assert caught.value.status_code == 404


def test_public_surface() -> None:
    assert sorted(sources.__all__) == [
        "BuiltinSource",
        "LabelRules",
        "Normaliser",
        "ServicePattern",
        "Source",
        "get_source",
        "source_names",
    ]


def test_unknown_sample_is_a_key_error() -> None:
    with pytest.raises(KeyError, match="no sample"):
        get_source("generic").load_sample("nope")

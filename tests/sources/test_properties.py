"""Property: whatever JSON arrives, a normaliser returns alerts or raises PayloadError — nothing else."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autoheal.domain.alerts import Alert
from autoheal.errors import PayloadError
from autoheal.sources import LabelRules, get_source, source_names

RULES = LabelRules()

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30)
    | st.sampled_from(
        [
            "firing",
            "resolved",
            "Recovered",
            "incident.resolved",
            "0001-01-01T00:00:00Z",
            "2026-11-25T10:00:00Z",
        ]
    )
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=20,
)


def _mutations(sample: Any) -> st.SearchStrategy[Any]:
    """A real sample with one value somewhere replaced by arbitrary JSON (deeper coverage)."""

    def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        found = [prefix]
        if isinstance(value, dict):
            for key, item in value.items():
                found += paths(item, (*prefix, key))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                found += paths(item, (*prefix, index))
        return found

    def replace(path: tuple[Any, ...], new: Any) -> Any:
        if not path:
            return new
        clone = copy.deepcopy(sample)
        target = clone
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = new
        return clone

    return st.builds(replace, st.sampled_from(paths(sample)), json_values)


def _check(name: str, payload: Any) -> None:
    try:
        alerts = get_source(name).normalise(payload, RULES)
    except PayloadError as exc:
        assert str(exc)
        return
    assert all(isinstance(alert, Alert) for alert in alerts)


SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize("name", source_names())
@SETTINGS
@given(payload=json_values)
def test_arbitrary_json_only_ever_raises_payload_error(name: str, payload: Any) -> None:
    _check(name, payload)


@pytest.mark.parametrize(
    ("name", "sample"), [(n, s) for n in source_names() for s in list(get_source(n).samples)[:1]]
)
@SETTINGS
@given(data=st.data())
def test_mutated_samples_only_ever_raise_payload_error(name: str, sample: str, data: st.DataObject) -> None:
    payload = data.draw(_mutations(get_source(name).load_sample(sample)))
    _check(name, payload)


LONE_SURROGATE_AT = {
    "alertmanager": ("alertmanager_payload", ("alerts", 0, "labels", "service")),
    "grafana": ("firing_two_alerts", ("alerts", 1, "annotations", "summary")),
    "datadog": ("triggered", ("title",)),
    "pagerduty": ("incident_triggered", ("event", "data", "title")),
    "generic": ("single_firing", ("labels", "team")),
}


@pytest.mark.parametrize("name", source_names())
def test_lone_surrogates_are_refused_not_passed_on(name: str) -> None:
    sample, path = LONE_SURROGATE_AT[name]
    payload = get_source(name).load_sample(sample)
    target = payload
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = "bad \ud800 text"
    with pytest.raises(PayloadError, match="lone surrogate"):
        get_source(name).normalise(payload, RULES)

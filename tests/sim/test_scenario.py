"""Scenario files: validation errors name the field; the catalogue is complete and consistent."""

from __future__ import annotations

from pathlib import Path

import pytest

from autoheal.errors import ScenarioError
from autoheal.sim import catalogue, load_scenario, parse_scenario
from autoheal.sim.kinds import FaultKind, NoiseKind, RedHerringKind
from autoheal.sim.timeparse import parse_duration

BASE = {"name": "t", "duration": "30m", "step": "15s"}


def _error(data: dict) -> str:
    with pytest.raises(ScenarioError) as info:
        parse_scenario(data)
    return str(info.value)


def test_unknown_fault_kind_names_the_field_and_the_choices() -> None:
    msg = _error({**BASE, "faults": [{"kind": "oom", "service": "checkout", "at": "5m"}]})
    assert "faults[0].kind: unknown fault kind 'oom'; expected one of bad_deploy," in msg


def test_unknown_service_and_param_typo_name_their_fields() -> None:
    msg = _error({**BASE, "faults": [{"kind": "bad_deploy", "service": "chekout", "at": "5m"}]})
    assert "faults[0].service: unknown service 'chekout'" in msg
    msg = _error(
        {
            **BASE,
            "faults": [
                {"kind": "bad_deploy", "service": "checkout", "at": "5m", "params": {"eror_ratio": 1}}
            ],
        }
    )
    assert "faults[0].params.eror_ratio: extra inputs are not permitted" in msg
    msg = _error({**BASE, "noise": [{"kind": "flapping", "service": "cart", "params": {"period": "soon"}}]})
    assert "noise[0].params.period: invalid duration 'soon'" in msg


def test_bad_durations_and_unknown_keys() -> None:
    assert "duration: invalid duration '2 hours'" in _error({**BASE, "duration": "2 hours"})
    assert "seeed: extra inputs are not permitted" in _error({**BASE, "seeed": 3})
    assert "ground_truth.root_causes[0].kind: unknown fault kind 'boom'" in _error(
        {**BASE, "ground_truth": {"root_causes": [{"service": "cart", "kind": "boom"}]}}
    )
    assert "noise[0]: a flapping noise needs a service" in _error({**BASE, "noise": [{"kind": "flapping"}]})


def test_maintenance_noise_needs_a_window_and_topology_is_checked() -> None:
    assert "outside every declared maintenance window" in _error(
        {**BASE, "noise": [{"kind": "maintenance", "service": "postgres", "at": "5m"}]}
    )
    msg = _error({**BASE, "topology": {"services": [{"name": "a", "depends_on": [{"service": "b"}]}]}})
    assert "depends on unknown service 'b'" in msg


def test_files_and_names(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nduration: [1\n")
    with pytest.raises(ScenarioError, match="not valid YAML"):
        load_scenario(bad)
    with pytest.raises(ScenarioError, match="no scenario named 'nope'"):
        load_scenario("nope")
    assert load_scenario("bad-deploy-checkout").name == "bad-deploy-checkout"


def test_durations() -> None:
    assert parse_duration("1d6h") == 108000
    assert parse_duration("90s") == 90
    assert parse_duration(12) == 12
    with pytest.raises(ValueError):
        parse_duration("-")


def test_catalogue_covers_every_kind_and_recurrences() -> None:
    scenarios = catalogue()
    assert len(scenarios) >= 20
    names = {s.name for s in scenarios}
    assert len(names) == len(scenarios)
    faults = {f.kind for s in scenarios for f in s.faults}
    noise = {n.kind for s in scenarios for n in s.noise}
    herrings = {r.kind for s in scenarios for r in s.red_herrings}
    assert faults == set(FaultKind)
    assert noise == set(NoiseKind)
    assert herrings == set(RedHerringKind)
    recurrences = [s for s in scenarios if "recurrence" in s.tags]
    assert len(recurrences) >= 3
    assert all(len({(f.kind, f.service) for f in s.faults}) < len(s.faults) for s in recurrences)
    days_apart = [s for s in recurrences if s.name.startswith("recurrence-")]
    assert len(days_apart) >= 3
    assert all(
        min(b.at - a.at for a, b in zip(s.faults, s.faults[1:], strict=False)) >= 86400 for s in days_apart
    )
    for s in scenarios:
        truth = [(c.service, c.kind) for c in s.ground_truth.root_causes]
        assert truth == [(f.service, f.kind) for f in s.faults], s.name

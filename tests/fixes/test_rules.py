from __future__ import annotations

import pytest

from autoheal.errors import ConfigError
from autoheal.fixes.rules import duration, firings, load_rules, parse_duration, resample


def test_durations_round_trip():
    assert duration(90) == "1m30s"
    assert duration(0) == "0s"
    assert duration(3600 * 25) == "1d1h"
    assert parse_duration("1h30m") == 5400
    assert parse_duration(None) == 0


def test_a_bad_duration_says_what_is_wrong():
    with pytest.raises(ConfigError, match="not a Prometheus duration"):
        parse_duration("5 minutes")


def test_firings_follow_prometheus_for_semantics():
    # true from index 2 on: with for = 60 s on a 30 s grid it fires at index 4, once per episode
    values = [0, 0, 1, 1, 1, 1, 0, 1, 1, 1]
    assert firings(values, ">", 0.5, 60, 30) == [4, 9]
    assert firings(values, ">", 0.5, 0, 30) == [2, 7]
    assert firings([None, 1, 1], ">", 0.5, 30, 30) == [2]


def test_resample_takes_the_last_sample_within_five_minutes():
    samples = [(0.0, 1.0), (45.0, 2.0)]
    assert resample(samples, 0, 90, 30) == [1.0, 1.0, 2.0, 2.0]
    assert resample(samples, 0, 400, 200) == [1.0, 2.0, None]  # 355 s old at 400: stale
    assert resample([(0.0, 1.0)], 0, 600, 600) == [1.0, None]


def test_load_rules_reads_a_repository_and_refuses_a_broken_rule(tmp_path):
    (tmp_path / "a.yml").write_text(
        "groups:\n- name: g\n  rules:\n  - alert: X\n    expr: up == 0\n    for: 5m\n    labels: {severity: page}\n"
    )
    (tmp_path / "a.test.yml").write_text("rule_files: [a.yml]\ntests: []\n")
    rules = load_rules(tmp_path)
    assert [(r.name, r.for_seconds, r.labels["severity"]) for r in rules] == [("X", 300, "page")]
    (tmp_path / "b.yml").write_text("groups:\n- name: g\n  rules:\n  - alert: Y\n")
    with pytest.raises(ConfigError, match="no alert/record or expr"):
        load_rules(tmp_path)
    with pytest.raises(ConfigError, match="not a directory"):
        load_rules(tmp_path / "missing")

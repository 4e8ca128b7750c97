"""Durations as people and Prometheus write them: one parser (promql-parser's) for every edge."""

from __future__ import annotations

from datetime import timedelta

import pytest

from autoheal.clock import format_duration, parse_duration


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("90s", 90),
        ("15m", 900),
        ("1h30m", 5400),
        ("7d", 604800),
        ("2w", 1209600),
        ("0s", 0),
        ("0m", 0),
        ("0", 0),
        ("500ms", 0.5),
    ],
)
def test_parse_duration(text: str, seconds: float) -> None:
    assert parse_duration(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize("bad", ["", "d", "-1d", "5 minutes", "1h 30m"])
def test_bad_durations_name_the_forms(bad: str) -> None:
    with pytest.raises(ValueError, match=r"use e\.g\. 90s, 15m"):
        parse_duration(bad)


def test_format_is_the_inverse() -> None:
    for seconds in (0, 59, 90, 3600, 5400, 86400 + 61):
        assert parse_duration(format_duration(seconds)) == timedelta(seconds=seconds)
    assert format_duration(-5) == "0s"

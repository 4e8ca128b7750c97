"""The built-in on-call: rotations, handoffs across daylight saving changes, overrides, policies."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from autoheal.errors import InputError, NotFoundError
from autoheal.incidents.config import OnCallConfig, Schedule
from autoheal.incidents.paging.oncall import OnCallDirectory, next_handoff, on_call


def _schedule(**kw: object) -> Schedule:
    data: dict[str, object] = {
        "name": "primary",
        "time_zone": "Europe/London",
        "start": "2026-03-23",
        "people": ["alice", "bob", "carol"],
        "rotation": {"type": "daily", "handoff": "09:00"},
    }
    data.update(kw)
    return Schedule.model_validate(data)


def test_daily_handoff_stays_at_local_nine_across_the_spring_change() -> None:
    # Europe/London moves from GMT to BST at 01:00 UTC on Sunday 29 March 2026
    s = _schedule()
    # Saturday 28 March 09:00 GMT = 09:00 UTC: the shift of day 5 (index 5 % 3 = carol) begins
    assert on_call(s, datetime(2026, 3, 28, 8, 59, tzinfo=UTC)).person == "bob"
    assert on_call(s, datetime(2026, 3, 28, 9, 0, tzinfo=UTC)).person == "carol"
    # Sunday 29 March 09:00 BST = 08:00 UTC: the handoff follows local time, an hour earlier in UTC
    assert on_call(s, datetime(2026, 3, 29, 7, 59, tzinfo=UTC)).person == "carol"
    assert on_call(s, datetime(2026, 3, 29, 8, 0, tzinfo=UTC)).person == "alice"
    # that Saturday-to-Sunday shift lasted 23 hours
    assert next_handoff(s, datetime(2026, 3, 28, 12, 0, tzinfo=UTC)) == datetime(
        2026, 3, 29, 8, 0, tzinfo=UTC
    )


def test_autumn_change_makes_a_25_hour_shift() -> None:
    s = _schedule(start="2026-10-20")  # BST ends 01:00 UTC on Sunday 25 October 2026
    begin = datetime(2026, 10, 24, 8, 0, tzinfo=UTC)  # 09:00 BST on the Saturday
    end = next_handoff(s, begin)
    assert end == datetime(2026, 10, 25, 9, 0, tzinfo=UTC)  # 09:00 GMT on the Sunday
    assert end - begin == timedelta(hours=25)
    assert on_call(s, end - timedelta(seconds=1)).person == on_call(s, begin).person
    assert on_call(s, end).person != on_call(s, begin).person


def test_weekly_and_custom_rotations_and_before_start() -> None:
    weekly = _schedule(rotation={"type": "weekly", "handoff": "10:00"}, time_zone="America/New_York")
    monday = datetime(2026, 3, 23, 14, 0, tzinfo=UTC)  # 10:00 EDT
    assert on_call(weekly, monday).person == "alice"
    assert on_call(weekly, monday + timedelta(days=6, hours=23)).person == "alice"
    assert on_call(weekly, monday + timedelta(days=7)).person == "bob"
    assert on_call(weekly, monday - timedelta(minutes=1)) is None
    custom = _schedule(time_zone="UTC", rotation={"type": "custom", "handoff": "00:00", "length_hours": 12})
    origin = datetime(2026, 3, 23, tzinfo=UTC)
    assert [on_call(custom, origin + timedelta(hours=h)).person for h in (0, 11, 12, 24, 36)] == [
        "alice",
        "alice",
        "bob",
        "carol",
        "alice",
    ]


def test_overrides_win_and_bad_schedules_are_refused() -> None:
    s = _schedule(
        overrides=[
            {"person": "dave", "start": "2026-03-25T12:00:00+00:00", "end": "2026-03-25T18:00:00+00:00"}
        ]
    )
    assert on_call(s, datetime(2026, 3, 25, 13, 0, tzinfo=UTC)).person == "dave"
    assert on_call(s, datetime(2026, 3, 25, 13, 0, tzinfo=UTC)).override
    assert on_call(s, datetime(2026, 3, 25, 18, 0, tzinfo=UTC)).person != "dave"
    with pytest.raises(InputError):
        on_call(s, datetime(2026, 3, 25, 13, 0))  # naive time
    with pytest.raises(ValidationError, match="unknown time zone"):
        _schedule(time_zone="Mars/Olympus")
    with pytest.raises(ValidationError, match="needs length_hours"):
        _schedule(rotation={"type": "custom"})
    with pytest.raises(ValidationError, match="end must be after"):
        _schedule(overrides=[{"person": "x", "start": "2026-03-25T12:00:00Z", "end": "2026-03-25T11:00:00Z"}])


def test_directory_levels_repeat_and_lookup() -> None:
    config = OnCallConfig.model_validate(
        {
            "schedules": [_schedule().model_dump(mode="json")],
            "policies": [
                {
                    "name": "shop",
                    "repeat": 1,
                    "levels": [
                        {"targets": ["schedule:primary"], "delay_minutes": 5},
                        {"targets": ["person:lead"], "delay_minutes": 10},
                    ],
                }
            ],
            "services": {"checkout": "shop"},
        }
    )
    d = OnCallDirectory(config)
    at = datetime(2026, 3, 23, 10, 0, tzinfo=UTC)
    policy = d.policy_for("checkout")
    assert policy is not None and d.levels(policy) == 4
    assert [o.person for o in d.targets(policy, 0, at)] == ["alice"]
    assert [o.person for o in d.targets(policy, 1, at)] == ["lead"]
    assert [o.person for o in d.targets(policy, 2, at)] == ["alice"]  # the repeat
    assert d.delay(policy, 1) == timedelta(minutes=10)
    assert [o.person for o in d.who("checkout", at)] == ["alice"]
    with pytest.raises(NotFoundError, match="no escalation policy"):
        d.who("payment", at)
    with pytest.raises(ValidationError, match="no schedule named"):
        OnCallConfig.model_validate({"policies": [{"name": "p", "levels": [{"targets": ["schedule:nope"]}]}]})
    with pytest.raises(ValidationError, match="no escalation policy named"):
        OnCallConfig.model_validate({"services": {"checkout": "ghost"}})

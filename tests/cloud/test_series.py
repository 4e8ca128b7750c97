"""Missing is not zero: series statistics and statement values of a metric with no datapoints."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from autoheal.cloud.limits import class_memory_gib, default_max_connections
from autoheal.cloud.series import Series, fmt

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def test_missing_series_has_no_level_and_reads_not_reported() -> None:
    empty = Series("CPUUtilization", ())
    assert empty.missing and empty.mean() is None and empty.peak() is None and empty.last() is None
    assert fmt(empty.mean(), " %") == "not reported"
    zero = Series("CPUUtilization", ((NOW, 0.0),))
    assert not zero.missing and zero.mean() == 0.0 and fmt(zero.mean(), " %") == "0 %"


def test_trend_and_steadiness() -> None:
    climb = Series(
        "DatabaseConnections", tuple((NOW + timedelta(minutes=m), 100.0 + 10 * m) for m in range(30))
    )
    assert round(climb.slope_per_hour() or 0) == 600 and climb.steadiness() > 0.99
    step = Series("x", tuple((NOW + timedelta(minutes=m), 0.0 if m < 15 else 1.0) for m in range(30)))
    assert step.steadiness() < 0.8
    assert climb.above(300) == (NOW + timedelta(minutes=21), NOW + timedelta(minutes=29))


def test_instance_class_limits() -> None:
    assert class_memory_gib("db.r6g.large") == 16 and class_memory_gib("db.t3.micro") == 1
    assert class_memory_gib("db.m5.4xlarge") == 64 and class_memory_gib("cache.m5.large") is None
    assert default_max_connections("db.r6g.large", "postgres") == 1802
    assert default_max_connections("db.m6g.large", "mysql") == 682
    assert default_max_connections("db.r6g.large", "sqlserver-ee") is None


def test_rds_windows_daily_weekly_and_across_midnight() -> None:
    from autoheal.cloud.findings import in_window

    assert in_window("11:30-12:00", datetime(2026, 12, 1, 11, 38, tzinfo=UTC))
    assert not in_window("11:30-12:00", datetime(2026, 12, 1, 12, 38, tzinfo=UTC))
    assert in_window("23:30-00:30", datetime(2026, 12, 6, 0, 3, tzinfo=UTC))
    assert in_window("sun:04:00-sun:04:30", datetime(2026, 12, 6, 4, 3, tzinfo=UTC))  # a Sunday
    assert not in_window("sun:04:00-sun:04:30", datetime(2026, 12, 7, 4, 3, tzinfo=UTC))
    assert not in_window("whenever", datetime(2026, 12, 7, 4, 3, tzinfo=UTC))

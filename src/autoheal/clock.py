"""Time is a parameter: every component takes a :class:`Clock` instead of calling ``datetime.now``.

Tests use :class:`ManualClock` and move time forward explicitly; they never sleep.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock:
    """A clock that moves only when told to (tests, simulation, backtests)."""

    def __init__(self, start: datetime | None = None) -> None:
        start = start or datetime(2026, 1, 1, tzinfo=UTC)
        if start.tzinfo is None:
            raise ValueError("ManualClock needs a timezone-aware start time")
        self._now = start
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, delta: timedelta | float) -> datetime:
        if not isinstance(delta, timedelta):
            delta = timedelta(seconds=delta)
        with self._lock:
            self._now += delta
            return self._now

    def set(self, when: datetime) -> None:
        if when.tzinfo is None:
            raise ValueError("ManualClock.set needs a timezone-aware time")
        with self._lock:
            self._now = when


def utc(dt: datetime) -> datetime:
    """Return ``dt`` as timezone-aware UTC (naive values are taken to be UTC)."""
    if dt.tzinfo is None:
        return dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC)


def zulu(dt: datetime) -> str:
    """``dt`` as ISO 8601 UTC text with a ``Z`` (naive values are taken to be UTC)."""
    return utc(dt).isoformat().replace("+00:00", "Z")


def parse_duration(text: str) -> timedelta:
    """A duration as Prometheus writes it (``90s``, ``15m``, ``1h30m``, ``7d``, ``2w``, ``1y``), read
    by promql-parser's own parser (the one the query guards use); ``0``/``0s`` is zero. Raises
    ValueError naming the accepted forms."""
    import promql_parser

    value = str(text).strip()
    if (
        value.rstrip("smhdwy").strip("0") == "" and value[:1] == "0"
    ):  # 0, 0s, 0m... (promql-parser refuses zero)
        return timedelta(0)
    try:
        return promql_parser.parse_duration(value)
    except ValueError:
        raise ValueError(f"{text!r} is not a duration: use e.g. 90s, 15m, 1h30m, 7d") from None


def format_duration(seconds: float) -> str:
    """Seconds as a Prometheus duration (``90`` -> ``1m30s``; zero or less -> ``0s``)."""
    total = round(seconds)
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if total >= size:
            parts.append(f"{total // size}{unit}")
            total %= size
    return "".join(parts) or "0s"

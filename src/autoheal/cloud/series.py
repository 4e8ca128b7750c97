"""CloudWatch series as the RDS investigator reads them: windows, levels, trends, spikes.

A series with no datapoints stays empty: every statistic of it is None ("not reported"), never
0, so no statement can turn a missing metric into a zero.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from autoheal.clock import utc


@dataclass(frozen=True, slots=True)
class Series:
    metric: str
    points: tuple[tuple[datetime, float], ...]

    @classmethod
    def from_result(cls, data: Mapping[str, Any] | None) -> dict[str, Series]:
        """Every series of an ``aws.cloudwatch_metrics`` result by metric name."""
        out: dict[str, Series] = {}
        for s in (data or {}).get("series", []):
            times = [utc(datetime.fromisoformat(t.replace("Z", "+00:00"))) for t in s["timestamps"]]
            out[s["metric"]] = cls(
                s["metric"], tuple(zip(times, [float(v) for v in s["values"]], strict=True))
            )
        return out

    @property
    def missing(self) -> bool:
        return not self.points

    def between(self, start: datetime, end: datetime) -> Series:
        return Series(self.metric, tuple(p for p in self.points if start <= p[0] <= end))

    def values(self) -> list[float]:
        return [v for _, v in self.points]

    def mean(self) -> float | None:
        vs = self.values()
        return sum(vs) / len(vs) if vs else None

    def peak(self) -> float | None:
        return max(self.values(), default=None)

    def low(self) -> float | None:
        return min(self.values(), default=None)

    def first(self) -> float | None:
        return self.points[0][1] if self.points else None

    def last(self) -> float | None:
        return self.points[-1][1] if self.points else None

    def tail_mean(self, n: int = 5) -> float | None:
        vs = self.values()[-n:]
        return sum(vs) / len(vs) if vs else None

    def when_peak(self) -> datetime | None:
        return max(self.points, key=lambda p: p[1])[0] if self.points else None

    def above(self, level: float) -> tuple[datetime, datetime] | None:
        """First and last time the series is above ``level``."""
        hits = [t for t, v in self.points if v > level]
        return (hits[0], hits[-1]) if hits else None

    def slope_per_hour(self) -> float | None:
        """Least-squares slope in units per hour (None with fewer than 3 points)."""
        if len(self.points) < 3:
            return None
        t0 = self.points[0][0]
        xs = [(t - t0).total_seconds() / 3600 for t, _ in self.points]
        ys = self.values()
        mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
        sxx = sum((x - mx) ** 2 for x in xs)
        if sxx == 0:
            return None
        return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sxx

    def steadiness(self) -> float:
        """R² of the linear fit (1.0: a straight climb or fall; near 0: noise or a step)."""
        slope = self.slope_per_hour()
        if slope is None:
            return 0.0
        t0 = self.points[0][0]
        xs = [(t - t0).total_seconds() / 3600 for t, _ in self.points]
        ys = self.values()
        mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
        sst = sum((y - my) ** 2 for y in ys)
        if sst == 0:
            return 0.0
        sse = sum((y - (my + slope * (x - mx))) ** 2 for x, y in zip(xs, ys, strict=True))
        return max(0.0, 1 - sse / sst)


def hhmm(when: datetime | None) -> str:
    return utc(when).strftime("%H:%M") if when else "?"


def fmt(value: float | None, unit: str = "", digits: int = 0) -> str:
    """A value for a statement; a missing one reads "not reported", never 0."""
    if value is None:
        return "not reported"
    return f"{value:,.{digits}f}{unit}"


GIB = 1024**3
MIB = 1024**2

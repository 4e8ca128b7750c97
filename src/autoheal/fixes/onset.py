"""When did a metric leave its healthy band, and how far: the analysis behind the leading
indicator (pure functions over samples on one grid).

A metric's healthy band is its reference window's range widened by a margin (three robust
deviations, at least 2 % of the median): a sample outside it is *beyond*. Its onset is the first
of ``PERSIST`` consecutive beyond samples in the same direction, and its level the median of the
samples from the onset on. A metric that never stays beyond the band has no onset.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass

PERSIST = 3  # consecutive samples beyond the band that make an onset
MAD_SCALE = 1.4826  # MAD -> standard deviation of a normal distribution
MARGIN_MADS = 3.0
MARGIN_SHARE = 0.02


@dataclass(frozen=True, slots=True)
class Band:
    median: float
    deviation: float  # robust standard deviation
    low: float  # the lowest healthy value
    high: float  # the highest healthy value

    @property
    def margin(self) -> float:
        return max(MARGIN_MADS * self.deviation, MARGIN_SHARE * abs(self.median), 1e-9)

    @property
    def upper(self) -> float:
        return self.high + self.margin

    @property
    def lower(self) -> float:
        return self.low - self.margin


def band(values: Sequence[float | None]) -> Band | None:
    seen = [v for v in values if v is not None]
    if len(seen) < 10:
        return None
    median = statistics.median(seen)
    mad = statistics.median(abs(v - median) for v in seen) * MAD_SCALE
    return Band(median, mad, min(seen), max(seen))


@dataclass(frozen=True, slots=True)
class Onset:
    index: int  # grid index of the first beyond sample
    op: str  # ">" (rose above the band) or "<" (fell below it)
    level: float  # median of the samples from the onset on
    shift: float  # |level - healthy median| in robust deviations (or relative, when flat)


def onset(values: Sequence[float | None], healthy: Band, until: int | None = None) -> Onset | None:
    """The first onset at or before grid index ``until`` (default: anywhere)."""
    last = len(values) - 1 if until is None else min(until, len(values) - 1)
    for i in range(0, last + 1):
        for op in (">", "<"):
            window = values[i : i + PERSIST]
            if len(window) < PERSIST or not all(_beyond(v, op, healthy) for v in window):
                continue
            after = [v for v in values[i:] if v is not None]
            level = statistics.median(after)
            scale = healthy.deviation or abs(healthy.median) * MARGIN_SHARE or 1e-9
            return Onset(i, op, level, abs(level - healthy.median) / scale)
    return None


def _beyond(value: float | None, op: str, healthy: Band) -> bool:
    if value is None:
        return False
    return value > healthy.upper if op == ">" else value < healthy.lower


def threshold(healthy: Band, found: Onset) -> float:
    """Halfway between the band's edge and the incident's level, rounded to two significant
    digits when the rounded value stays strictly between the healthy extreme and the level."""
    if found.op == ">":
        edge, extreme = healthy.upper, healthy.high
    else:
        edge, extreme = healthy.lower, healthy.low
    raw = edge + 0.5 * (found.level - edge)
    rounded = float(f"{raw:.2g}")
    inside = extreme < rounded < found.level if found.op == ">" else found.level < rounded < extreme
    return rounded if inside else raw

"""Small helpers shared by the metric, log and trace generators (benchmark colleague's area)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from autoheal.reasoning.base import Window


def iso(when: datetime) -> str:
    return when.astimezone(UTC).isoformat().replace("+00:00", "Z")


def window_args(window: Window, **extra: Any) -> dict[str, Any]:
    return {"start": iso(window.start), "end": iso(window.end), **extra}


def epoch(value: Any) -> float:
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, int | float):
        return float(value)
    return datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp()

"""Small helpers shared by the metric, log and trace generators (benchmark colleague's area)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from autoheal.analysis.ranking import calibrate
from autoheal.reasoning.base import InvestigationContext, Window


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


def calibrated(ctx: InvestigationContext, scores: Mapping[str, float]) -> dict[str, float]:
    """:func:`autoheal.analysis.ranking.calibrate` over the investigation's dependency graph
    (declared dependencies and the call graph seen in traces, one governed call shared with the
    engine and the checks)."""
    from autoheal.reasoning import probe

    graph, _ = probe.graph(ctx)
    return calibrate(scores, graph.edges)

"""Small helpers shared by the metric, log and trace generators (benchmark colleague's area)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from autoheal.analysis.ranking import calibrate
from autoheal.domain.investigation import Evidence
from autoheal.reasoning.base import InvestigationContext, Window


def iso(when: datetime) -> str:
    return when.astimezone(UTC).isoformat().replace("+00:00", "Z")


def reference_windows(reference: Window | Sequence[Window] | None) -> list[Window]:
    """A generator's fixed fault-free windows (none: use the investigation's own reference)."""
    if reference is None:
        return []
    return [reference] if isinstance(reference, Window) else list(reference)


def window_args(window: Window, **extra: Any) -> dict[str, Any]:
    return {"start": iso(window.start), "end": iso(window.end), **extra}


def epoch(value: Any) -> float:
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, int | float):
        return float(value)
    return datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp()


def calibrated(
    ctx: InvestigationContext, scores: Mapping[str, float], *, half: float, floor: float | None = None
) -> dict[str, float]:
    """:func:`autoheal.analysis.ranking.calibrate` (absolute, ``half`` = the generator's raw score
    that counts as 0.5; ``floor`` = the generator's own significance threshold, if it has one)
    over the investigation's dependency graph (declared dependencies and the call graph seen in
    traces, one governed call shared with the engine and the checks)."""
    from autoheal.reasoning import probe

    graph, _ = probe.graph(ctx)
    return calibrate(scores, graph.edges, half=half, floor=floor)


# A window whose answer was truncated is split in halves and asked again, at most this many calls
# per window (the policy's line and span limits stay as they are: each call is within them).
MAX_CALLS_PER_WINDOW = 8


def fetch_all(
    ctx: InvestigationContext,
    tool: str,
    window: Window,
    key: str,
    summary: str,
    *,
    max_calls: int = MAX_CALLS_PER_WINDOW,
    **extra: Any,
) -> tuple[list[dict[str, Any]], list[Evidence], bool]:
    """Every item (``data[key]``) of ``tool`` over ``window``: a truncated answer is split in two
    halves of time and each asked again, until nothing is truncated or ``max_calls`` calls were
    made. Returns the items, the evidence of the successful calls and whether all were complete."""
    pending = [window]
    items: list[dict[str, Any]] = []
    cited: list[Evidence] = []
    complete = True
    calls = 0
    while pending:
        part = pending.pop(0)
        calls += 1
        result, ev = ctx.call(
            tool, window_args(part, **extra), f"{summary} ({iso(part.start)} to {iso(part.end)})"
        )
        if not result.ok:
            if result.status.value != "no_data":
                complete = False
            continue
        data = result.data or {}
        truncated = bool(data.get("truncated"))
        if truncated and calls + len(pending) + 2 <= max_calls and part.seconds >= 2.0:
            middle = part.start + (part.end - part.start) / 2
            pending += [Window(part.start, middle), Window(middle, part.end)]
            continue
        complete = complete and not truncated
        items.extend(data.get(key, []))
        cited.append(ev)
    return items, cited, complete

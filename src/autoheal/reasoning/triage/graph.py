"""Triage's ``graph`` signal: an alert whose past occurrences were all closed as noise by people.

The lookup is given to :class:`~autoheal.reasoning.triage.Triage` (``graph=``; the app passes
:func:`autoheal.graph.noise.noise_lookup`) and answers, for a group's alerts and the time, whether
the context graph's rule calls them noise and why (docs/graph.md "Triage from the graph"). Without
a lookup, or when it fails, the signal is neutral: it never pushes towards noise.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

from autoheal.domain.alerts import Alert
from autoheal.domain.investigation import Evidence
from autoheal.domain.tools import ToolStatus
from autoheal.reasoning.base import InvestigationContext
from autoheal.reasoning.triage.model import Lean, TriageSignal
from autoheal.reasoning.triage.signals import fingerprint_args

log = logging.getLogger(__name__)

GRAPH_TOOL = "autoheal.context_graph"
NOISE_WEIGHT = -1.5  # log-odds towards noise: people said so each time, after the last change


class PastOccurrences(Protocol):
    noise: bool
    reason: str

    def to_dict(self) -> Mapping[str, Any]: ...


GraphLookup = Callable[[Sequence[Alert], datetime], PastOccurrences]


def past_occurrences(
    lookup: GraphLookup | None, alerts: Sequence[Alert], now: datetime, ctx: InvestigationContext
) -> TriageSignal:
    if lookup is None:
        return TriageSignal("graph", Lean.NEUTRAL, 0.0, "no context graph")
    try:
        found = lookup(alerts, now)
    except Exception as exc:  # the graph is advice: triage goes on without it
        log.exception("the context graph lookup failed; triage goes on without it")
        return TriageSignal("graph", Lean.NEUTRAL, 0.0, f"context graph unavailable ({type(exc).__name__})")
    facts = dict(found.to_dict())
    ev = Evidence(
        id=f"ev{len(ctx.evidence) + 1}",
        tool=GRAPH_TOOL,
        args={"read": "past_occurrences", **fingerprint_args(alerts)},
        summary=found.reason,
        observed_at=now,
    )
    ctx.evidence.append(ev)
    ctx.statuses[ev.id] = ToolStatus.OK
    if found.noise:
        return TriageSignal("graph", Lean.NOISE, NOISE_WEIGHT, found.reason, (ev,), facts)
    return TriageSignal("graph", Lean.NEUTRAL, 0.0, found.reason, (ev,), facts)

"""Which evidence an investigation did not get, and what that leaves unjudged.

Read from the investigation's own tool calls (``ctx.evidence`` and ``ctx.statuses``; nothing is
asked again): each modality (metrics = ``prometheus.*`` and the cloud metric tools
``aws.cloudwatch_metrics`` / ``aws.pi_*``, logs = ``logs.*`` and ``datadog.logs_search``,
traces = ``traces.*``)
that was asked for and never answered with data, or whose incident or reference window came back
empty while the other answered, is a gap. Each gap says what the engine could not judge without it,
so a reader weighs the conclusion accordingly (the report lists them under ``evidence_gaps`` and
its narrative ends with them). A modality never asked for is no gap: no generator wanted it.

The **call graph** is a gap too (``topology``, :func:`call_graph_gap`): when the dependency checks
asked for it (the declared ``topology.graph`` and the traces' ``traces.service_graph``) and neither
gave a single edge, those checks abstained, and no cause's place in the call chain was judged. It is
evidence of another kind than the three modalities: it does not enter the confidence scale.

**Confidence is priced for what is missing** (:func:`scale`): every cause's confidence is multiplied
by the share of the modalities asked for that answered (two of three: 2/3). The engine's confidence
is a judgement among the causes the answered evidence can show; a fault visible only in the missing
modality (a code-level fault without logs) was never a candidate, so the conclusion is worth less
by the share of the evidence kinds that could not be read. One factor for the whole report: the
ranking does not change, and with every modality answered the factor is 1. It has no parameter.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from autoheal.domain.tools import ToolStatus
from autoheal.reasoning import probe, reading
from autoheal.reasoning.base import InvestigationContext

# tool-name prefixes of each modality: any source of it that answers counts
PREFIXES: dict[str, tuple[str, ...]] = {
    "metrics": ("prometheus.", "aws.cloudwatch_metrics", "aws.pi_"),
    "logs": ("logs.", "datadog.logs_search"),
    "traces": ("traces.",),
}

# What the engine cannot judge without each modality (the limit on the conclusion).
LIMITS = {
    "metrics": (
        "symptom shifts, saturation and the checks' metric comparisons (timing, peers, specificity) "
        "could not be judged; causes rest on logs and traces alone"
    ),
    "logs": (
        "error templates and changed code paths could not be read: a code-level fault (an exception, "
        "an early return) shows only through its effect on metrics or spans, or not at all"
    ),
    "traces": (
        "the call graph seen in traces and per-service span latency were not available: the "
        "dependency checks rest on the declared topology alone (they abstain where it says nothing), "
        "and a fault visible only in request latency may rank lower or be missed"
    ),
}

TOPOLOGY = "topology"  # the gap of a missing call graph (not a modality: it scales nothing)
TOPOLOGY_LIMIT = (
    "no dependency was declared and the traces showed no call between services: the dependency "
    "checks (topological consistency, peers) abstained, so no cause's place in the call chain was "
    "judged, a caller failing because of its dependency could not be told from a cause, and the "
    "ranking rests on each service's own evidence"
)


@dataclass(frozen=True, slots=True)
class Gap:
    modality: str
    what: str  # "none" | "incident" | "reference"
    detail: str

    def to_dict(self) -> dict[str, str]:
        return {"modality": self.modality, "missing": self.what, "detail": self.detail}


def _in_incident(ctx: InvestigationContext, args: Mapping[str, Any]) -> bool | None:
    """Whether a call's window lies inside the incident window (None: the call has no window)."""
    start, end = args.get("start"), args.get("end")
    if start is None or end is None:
        return None
    try:
        lo, hi = (datetime.fromisoformat(str(v).replace("Z", "+00:00")).timestamp() for v in (start, end))
    except ValueError:
        return None
    return lo >= ctx.incident.start.timestamp() - 1.0 and hi <= ctx.incident.end.timestamp() + 1.0


def gaps(ctx: InvestigationContext) -> list[Gap]:
    out: list[Gap] = []
    for modality, prefixes in PREFIXES.items():
        calls = [e for e in ctx.evidence if "." not in e.id and e.tool.startswith(prefixes)]
        if not calls:
            continue
        ok = [e for e in calls if ctx.statuses.get(e.id) is ToolStatus.OK]
        if not ok:
            out.append(Gap(modality, "none", f"no {modality} answered with data: {LIMITS[modality]}"))
            continue
        if modality == "metrics":  # one query spans both windows
            continue
        answered = {_in_incident(ctx, e.args) for e in ok}
        asked = {_in_incident(ctx, e.args) for e in calls} - {None}
        if True in asked and True not in answered:
            out.append(
                Gap(
                    modality,
                    "incident",
                    f"no {modality} in the incident window (they answered for the reference only): "
                    f"{LIMITS[modality]}",
                )
            )
        elif False in asked and False not in answered:
            out.append(
                Gap(
                    modality,
                    "reference",
                    f"no fault-free {modality} to compare the incident with: what is new or changed "
                    f"in them could not be told from what is usual",
                )
            )
    topology = call_graph_gap(ctx)
    return [*out, topology] if topology else out


def call_graph_gap(ctx: InvestigationContext) -> Gap | None:
    """The ``topology`` gap: both call-graph sources were asked (by the checks) and gave no edge.
    Read from the calls already made (:func:`probe.graph` answers from the context's cache)."""
    tools = {e.tool for e in ctx.evidence if "." not in e.id}
    if not {reading.TOPOLOGY, reading.SERVICE_GRAPH} <= tools:
        return None  # nothing asked for the call graph: no check wanted it
    graph, _ = probe.graph(ctx)
    return None if graph.edges else Gap(TOPOLOGY, "none", f"no call graph: {TOPOLOGY_LIMIT}")


def has_call_graph(found: list[Gap]) -> bool:
    """Whether the investigation had a call graph (no ``topology`` gap among ``found``)."""
    return all(g.modality != TOPOLOGY for g in found)


def asked(ctx: InvestigationContext) -> list[str]:
    """The modalities some generator or check asked for in this investigation."""
    return [
        m
        for m, prefixes in PREFIXES.items()
        if any("." not in e.id and e.tool.startswith(prefixes) for e in ctx.evidence)
    ]


def scale(ctx: InvestigationContext, found: list[Gap]) -> dict[str, Any]:
    """The report's confidence factor: answered / asked over the modalities (1.0 with no gap or
    nothing asked), with the modalities on each side, for ``evidence_coverage``."""
    wanted = asked(ctx)
    missing = {g.modality for g in found}
    answered = [m for m in wanted if m not in missing]
    factor = len(answered) / len(wanted) if wanted else 1.0
    return {"asked": wanted, "answered": answered, "confidence_scale": round(factor, 4)}


def report_scale(report: Mapping[str, Any] | None) -> float:
    """A report's confidence factor (``evidence_coverage.confidence_scale``; 1.0 when absent)."""
    return float(((report or {}).get("evidence_coverage") or {}).get("confidence_scale", 1.0))


def narrative(found: list[Gap], coverage: dict[str, Any] | None = None) -> str:
    """The narrative's closing lines for the gaps (empty when there are none), and how the
    confidence was scaled for them."""
    lines = [f"Evidence missing — {g.detail}." for g in found]
    if found and coverage and coverage.get("confidence_scale", 1.0) < 1.0:
        lines.append(
            f"Confidence scaled by {coverage['confidence_scale']:.2f} ({len(coverage['answered'])} of "
            f"{len(coverage['asked'])} kinds of evidence answered): the causes above are ranked among "
            f"what the answered evidence can show; a fault visible only in the missing evidence was "
            f"not a candidate."
        )
    return "\n".join(lines)

"""Request paths from spans alone, when there are no logs to read them from.

The log generator (:mod:`autoheal.reasoning.generators.logs`) reads broken execution paths from
log lines *and* spans: each unit of work's log events and its calls into other services
(:func:`autoheal.analysis.patterns.call_events`). Where logs are not shipped, sampled away or
missing from one of the windows, that analysis has nothing to stand on and the log generator
raises nothing, though the spans still show the paths: a request that stopped calling a service
(an early ``return``, an ``exception`` that skips the calls after it) or started calling a new one.

This generator runs the same path analysis (:func:`~autoheal.analysis.patterns.path_breaks`, same
``MIN_SUPPORT`` and ``Z_CAP``, calibrated with the log generator's ``HALF``) on the spans only:
every span is a unit that opens with ``span <operation>`` and holds its calls into other services.
It **abstains when logs answered for the incident window** (whatever the reference windows
hold): then the log generator reads these same paths, with the lines besides, and counting them
twice would reward the services that happen to have more evidence. (A first version also ran when
only a reference window lacked logs; in the simulator, whose reference windows can precede its
logs, that ran the span analysis in every investigation and slowed the pipeline past the sim's
30 s webhook timeout: it runs only where the incident has no logs at all.) Its hypotheses are ``code_error`` with the
same evidence (the governed ``traces.spans`` calls, answered once per investigation: the trace
generator asks the same questions).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from autoheal.analysis.patterns import END, CallSpan, break_onset, call_events, path_breaks, span_events
from autoheal.domain.investigation import Evidence, Hypothesis
from autoheal.reasoning.base import InvestigationContext, Window
from autoheal.reasoning.generators._windows import calibrated, epoch, fetch_all, reference_windows
from autoheal.reasoning.generators.logs import HALF, MAX_SPANS, incident_lines


def _call_spans(entries: Sequence[dict[str, Any]]) -> list[CallSpan]:
    return [
        CallSpan(
            str(e["trace_id"]),
            str(e["span_id"]),
            e.get("parent_id") or None,
            str(e.get("service") or ""),
            str(e.get("operation") or ""),
            epoch(e["start"]),
        )
        for e in entries
        if e.get("trace_id") and e.get("span_id") and e.get("start") is not None
    ]


class TracePathGenerator:
    name = "trace_paths"

    def __init__(self, *, reference: Window | Sequence[Window] | None = None) -> None:
        self.references = reference_windows(reference)

    def _logs_answered(self, ctx: InvestigationContext) -> bool:
        """Whether the incident window has log lines (the log generator's call: answered once)."""
        _, cited, _ = incident_lines(ctx)
        return bool(cited)

    def generate(self, ctx: InvestigationContext) -> list[Hypothesis]:
        references = self.references or [ctx.reference]
        if self._logs_answered(ctx):
            return []  # the log generator reads these paths, with the lines besides
        ref_spans: list[CallSpan] = []
        evidence: list[Evidence] = []
        for window in references:
            got, cited, _ = fetch_all(
                ctx, "traces.spans", window, "spans", "spans, reference window", limit=MAX_SPANS
            )
            ref_spans += _call_spans(got)
            evidence += cited[:2]
        got, inc_cited, _ = fetch_all(
            ctx, "traces.spans", ctx.incident, "spans", "spans, incident window", limit=MAX_SPANS
        )
        if not inc_cited or not evidence:
            return []
        evidence += inc_cited[:4]
        inc_spans = _call_spans(got)
        reference = span_events(ref_spans) + call_events(ref_spans)
        incident = span_events(inc_spans) + call_events(inc_spans)
        breaks = [b for b in path_breaks(reference, incident) if b.score > 0]
        if not breaks:
            return []
        weight = calibrated(ctx, {b.service: b.score for b in breaks}, half=HALF)
        out = []
        for b in sorted(breaks, key=lambda b: (-weight[b.service], b.service)):
            began = break_onset(incident, b)
            way = "no longer follows" if b.z < 0 else "now follows"
            where = b.target if b.z > 0 and b.target != END else b.source
            out.append(
                Hypothesis(
                    id=f"trace_paths:{b.service}",
                    service=b.service,
                    kind="code_error",
                    statement=(
                        f"{b.service}: its requests changed path (spans): {b.target[:100]!r} {way} "
                        f"{b.source[:100]!r} ({b.reference_share:.0%} of the time before, "
                        f"{b.incident_share:.0%} of {b.incident_source} now)"
                    ),
                    generator=self.name,
                    score=round(weight[b.service], 4),
                    component=where[:200],
                    evidence=list(evidence),
                    attributes={
                        "path_score": round(b.score, 3),
                        **({"cause_at": datetime.fromtimestamp(began, UTC).isoformat()} if began else {}),
                        "path_break": {
                            "source": b.source[:200],
                            "target": b.target[:200],
                            "reference_share": round(b.reference_share, 3),
                            "incident_share": round(b.incident_share, 3),
                            "incident_source": b.incident_source,
                            "z": round(b.z, 2),
                        },
                    },
                )
            )
        return out

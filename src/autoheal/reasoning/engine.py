"""The deep investigation, written once as a stream of events.

``Investigator(generators, checks, tools, clock, model=None).run(subject, alerts)`` yields
:class:`InvestigationEvent` objects — ``started``, ``step``, ``evidence``, ``hypothesis``,
``verification``, ``error`` — and ends with exactly one ``report`` event whose payload is the
report's ``to_dict()``. The CLI, the API, the web console and Slack all consume this same stream.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Generator, Iterator, Mapping, Sequence
from datetime import timedelta
from typing import Any

from autoheal.clock import Clock
from autoheal.domain.alerts import Alert
from autoheal.domain.investigation import Hypothesis, InvestigationEvent, InvestigationReport, Verification
from autoheal.domain.tools import ToolCaller
from autoheal.reasoning import probe, reading, report
from autoheal.reasoning.base import (
    FalsificationCheck,
    HypothesisGenerator,
    InvestigationContext,
    Window,
    record_step,
)
from autoheal.reasoning.calibration import default_map
from autoheal.reasoning.config import EngineConfig
from autoheal.reasoning.memory import anchored, explains_in, memory_section
from autoheal.reasoning.models.base import LanguageModel
from autoheal.reasoning.verifier import merge, verify


def windows(alerts: Sequence[Alert], now: Any, config: EngineConfig) -> tuple[Window, Window]:
    """The incident window around the onset (earliest alert start) and a fault-free reference
    window that ends ``reference_gap`` before the incident window starts."""
    onset = min((a.starts_at for a in alerts), default=now)
    start = onset - timedelta(seconds=config.incident_before_onset_seconds)
    end = min(now, onset + timedelta(seconds=config.incident_after_onset_seconds))
    end = max(end, onset + timedelta(seconds=60))
    ref_end = start - timedelta(seconds=config.reference_gap_seconds)
    return Window(start, end), Window(ref_end - timedelta(seconds=config.reference_seconds), ref_end)


def normalise(hypotheses: list[Hypothesis]) -> list[Hypothesis]:
    """Scores on an open scale (a robust z of 40) are squashed into 0..1 as s / (1 + s), order
    preserved; the raw score is kept in ``attributes["raw_score"]``."""
    for h in hypotheses:
        if h.score > 1.0:
            h.attributes.setdefault("raw_score", h.score)
            h.score = round(h.score / (1.0 + h.score), 4)
        h.score = max(0.0, h.score)
    return hypotheses


class Investigator:
    def __init__(
        self,
        generators: Sequence[HypothesisGenerator],
        checks: Sequence[FalsificationCheck],
        tools: ToolCaller,
        clock: Clock,
        model: LanguageModel | None = None,
        config: EngineConfig | None = None,
    ) -> None:
        self.config = config or EngineConfig()
        self.generators = list(generators)
        if model is not None and not any(getattr(g, "name", "") == "llm" for g in self.generators):
            from autoheal.reasoning.generators.llm import ModelGenerator

            self.generators.append(ModelGenerator(model))
        self.checks = list(checks)
        # the reported confidence is calibrated by the committed map (reasoning/calibration.py)
        self.confidence_map = default_map() if self.config.calibrated_confidence else None
        self.tools = tools
        self.clock = clock
        self.model = model
        # Events leave the engine for the API, the console and Slack: the alerts they carry (their
        # annotations are untrusted text) pass the gateway's redactor, as every tool result does.
        redactor = getattr(tools, "redactor", None)
        self._redact: Callable[[Any], Any] | None = getattr(redactor, "redact", None)

    def run(
        self,
        subject: str,
        alerts: Sequence[Alert],
        *,
        investigation_id: str | None = None,
        prior: Sequence[Mapping[str, Any]] = (),
    ) -> Iterator[InvestigationEvent]:
        started = self.clock.now()
        incident, reference = windows(alerts, started, self.config)
        buffer: list[InvestigationEvent] = []
        ctx = InvestigationContext(
            investigation_id=investigation_id or f"inv-{uuid.uuid4().hex[:12]}",
            subject=subject,
            alerts=alerts,
            incident=incident,
            reference=reference,
            tools=self.tools,
            clock=self.clock,
            emit=buffer.append,
            prior=prior,
        )

        def event(event_kind: str, **payload: Any) -> InvestigationEvent:
            if self._redact is not None:
                payload = self._redact(payload)
            return InvestigationEvent(event_kind, self.clock.now(), payload)

        def drain() -> Iterator[InvestigationEvent]:
            while buffer:
                yield buffer.pop(0)

        yield event(
            "started",
            investigation_id=ctx.investigation_id,
            subject=subject,
            alerts=[a.to_dict() for a in alerts],
            incident={"start": incident.start.isoformat(), "end": incident.end.isoformat()},
            reference={"start": reference.start.isoformat(), "end": reference.end.isoformat()},
        )
        ctx.services = self._candidate_services(ctx)
        yield from drain()
        yield event("step", step="services", services=list(ctx.services))

        # Memory first: a similar past incident's root cause is checked against current evidence
        # before anything else; the investigation stops there only when that evidence confirms it
        # unambiguously (reasoning/memory.py `anchored`), else it runs in full as without memory.
        memory = self._memory(ctx)
        final: InvestigationReport | None = None
        anchor_reason = ""
        if memory is not None:
            yield event("step", step="memory", priors=[dict(p) for p in ctx.prior])
            verified = yield from self._run_generators(ctx, [memory], event, drain)
            first = report.build(ctx, started, self.clock.now(), verified, self.confidence_map)
            graph, _ = probe.graph(ctx)  # answered from the setup's calls
            explains = explains_in(graph, probe.symptomatic(ctx), self.config.topology_depth)
            accepted, anchor_reason = anchored(first, ctx.prior, explains)
            yield event("step", step="anchor", accepted=accepted, reason=anchor_reason)
            if accepted:
                final = first
        if final is None:
            generators = [g for g in self.generators if getattr(g, "name", "") != "memory"]
            verified = yield from self._run_generators(ctx, generators, event, drain)
            final = report.build(ctx, started, self.clock.now(), verified, self.confidence_map)
        if ctx.prior and memory is None:
            anchor_reason = (
                "not checked first: no prior may anchor (validity weight, or a kind memory cannot check)"
            )
        if ctx.prior:
            final.memory = memory_section(final, ctx.prior, checked=memory is not None, reason=anchor_reason)
            summary = str(final.memory.get("summary", ""))
            final.narrative = f"{summary}\n{final.narrative}" if summary else final.narrative
        if self.model is not None:
            self._narrate(final, ctx)
            yield from drain()
        record_step(
            self.tools,
            "investigation",
            ctx.investigation_id,
            {
                "step": "report",
                "subject": subject,
                "causes": [
                    {
                        "service": c.hypothesis.service,
                        "kind": c.hypothesis.kind,
                        "confidence": round(c.confidence, 4),
                    }
                    for c in final.causes[:5]
                ],
                "ruled_out": len(final.ruled_out),
                "usage": final.usage,
            },
        )
        yield event("report", report=final.to_dict(), investigation_id=ctx.investigation_id)

    def _memory(self, ctx: InvestigationContext) -> HypothesisGenerator | None:
        """The similar-incidents generator, when a prior may anchor this investigation."""
        if not ctx.prior:
            return None
        for g in self.generators:
            if getattr(g, "name", "") == "memory" and any(g.anchorable(p) for p in ctx.prior):  # type: ignore[attr-defined]
                return g
        return None

    def _run_generators(
        self,
        ctx: InvestigationContext,
        generators: Sequence[HypothesisGenerator],
        event: Any,
        drain: Any,
    ) -> Generator[InvestigationEvent, None, list[tuple[Hypothesis, Verification]]]:
        """Run ``generators``, merge, verify every hypothesis; stream the events."""
        raised: list[Hypothesis] = []
        for generator in generators:
            yield event("step", step="generate", generator=generator.name)
            try:
                found = generator.generate(ctx)
            except Exception as exc:  # one broken generator must not hide the others' findings
                yield from drain()
                yield event("error", generator=generator.name, message=f"{type(exc).__name__}: {exc}")
                continue
            yield from drain()
            raised.extend(normalise(found))
            yield event("step", step="generated", generator=generator.name, hypotheses=len(found))

        hypotheses = merge(raised)
        for h in hypotheses:
            yield event("hypothesis", hypothesis=h.to_dict())

        verified: list[tuple[Hypothesis, Verification]] = []
        for h in hypotheses:
            verification = verify(h, self.checks, ctx, min_passed=self.config.supported_min_passed)
            yield from drain()
            verified.append((h, verification))
            record_step(
                self.tools,
                "investigation",
                ctx.investigation_id,
                {
                    "step": "verification",
                    "hypothesis": {"service": h.service, "kind": h.kind, "statement": h.statement},
                    "verdict": verification.verdict.value,
                    "reason": verification.reason,
                    "checks": [{"name": c.name, "outcome": c.outcome.value} for c in verification.checks],
                    "evidence": [e.id for e in h.evidence],
                },
            )
            yield event("verification", verification=verification.to_dict(), service=h.service, kind=h.kind)
        return verified

    def _candidate_services(self, ctx: InvestigationContext) -> list[str]:
        """Symptomatic services, their dependencies (and direct dependents) from the topology;
        every known service when there is no topology; at most ``max_services``."""
        symptoms = reading.services_in(a.service for a in ctx.alerts)
        graph, _ = probe.graph(ctx)
        found = list(symptoms)
        if graph.edges:
            for s in symptoms:
                found += sorted(graph.dependencies(s, self.config.topology_depth))
                found += sorted(graph.callers(s))
        if len(found) <= len(symptoms):
            result, _ = ctx.call(reading.LABEL_VALUES, {"label": "service"}, "known services")
            if result.ok and isinstance(result.data, list):
                found += sorted(str(v) for v in result.data)
        return reading.services_in(found)[: self.config.max_services]

    def _narrate(self, final: InvestigationReport, ctx: InvestigationContext) -> None:
        from autoheal.reasoning.models.narrative import narrate

        text = narrate(self.model, final, ctx)  # type: ignore[arg-type]
        if text:
            final.narrative = text

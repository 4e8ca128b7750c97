"""The triage entry point: ``Triage(tools, clock, config).assess(group, alerts, history)``.

The rules, in order (a missed real incident is the worst error, so noise needs a positive reason
and no veto; anything unclear is signal):

1. suppressed by an active silence or a maintenance window (Alertmanager's silences, the config
   file's windows, and those stored in the database), or recognised as noise by an investigator
   from the alert alone (a heartbeat such as Watchdog, an inhibition helper)  -> noise
2. an open incident / recent signal on the same service       -> duplicate
3. a noise reason (transient self-resolution, flapping, never actionable, every past occurrence
   closed as noise by people in the context graph, condition gone) and no veto (worsening trend, a recent change on the service, critical and still firing) -> noise
4. a known issue recorded for this alert                       -> known_issue
5. otherwise                                                   -> signal
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime

from autoheal.clock import Clock
from autoheal.domain.alerts import Alert, AlertGroup
from autoheal.domain.investigation import InvestigationEvent
from autoheal.domain.tools import ToolCaller
from autoheal.reasoning.base import InvestigationContext, Window, record_step
from autoheal.reasoning.triage import signals
from autoheal.reasoning.triage.config import MaintenanceWindow, TriageConfig
from autoheal.reasoning.triage.graph import GraphLookup, past_occurrences
from autoheal.reasoning.triage.history import AlertHistory
from autoheal.reasoning.triage.model import Lean, TriageKind, TriageSignal, TriageVerdict, logistic


class Triage:
    def __init__(
        self,
        tools: ToolCaller,
        clock: Clock,
        config: TriageConfig | None = None,
        stored_windows: Callable[[datetime], Sequence[MaintenanceWindow]] | None = None,
        *,
        recognisers: Sequence[signals.NoiseRecogniser] | None = None,
        graph: GraphLookup | None = None,
    ) -> None:
        """``stored_windows(now)``: silences and maintenance windows kept outside the config file
        (the database's, ``autoheal.store.silences.DatabaseSuppressions``). ``graph(alerts, now)``:
        the context graph's past occurrences of the alerts (``autoheal.graph.noise.noise_lookup``)."""
        self.tools = tools
        self.clock = clock
        self.config = config or TriageConfig()
        self.stored_windows = stored_windows or (lambda now: ())
        self.recognisers = tuple(signals.default_recognisers() if recognisers is None else recognisers)
        self.graph = graph

    def assess(
        self,
        group: AlertGroup,
        alerts: Sequence[Alert],
        history: AlertHistory,
        *,
        emit: Callable[[InvestigationEvent], None] | None = None,
    ) -> TriageVerdict:
        started = time.perf_counter()
        now = self.clock.now()
        ctx = InvestigationContext(
            investigation_id=f"triage-{uuid.uuid4().hex[:12]}",
            subject=group.key,
            alerts=alerts,
            incident=Window(now, now),
            reference=Window(now, now),
            tools=self.tools,
            clock=self.clock,
            caller="triage",
            emit=emit or (lambda event: None),
        )
        facts = signals.Facts(group, alerts, history, self.config, ctx, now, tuple(self.stored_windows(now)))
        history_signal, known_ref = signals.past_outcomes(facts)
        duplicate_signal, duplicate_ref = signals.duplicate(facts)
        found = [
            signals.state(facts),
            signals.flapping(facts),
            history_signal,
            past_occurrences(self.graph, alerts, now, ctx),
            signals.episode(facts),
            signals.suppression(facts),
            duplicate_signal,
            signals.trend(facts),
            signals.changes(facts),
            signals.restarts(facts),
            signals.severity(facts),
            signals.recognised(facts, self.recognisers),
        ]
        if emit:
            for s in found:
                emit(InvestigationEvent("step", now, {"triage_signal": s.to_dict()}))
        kind, related, reasons = _decide(found, known_ref, duplicate_ref)
        score = logistic(sum(s.weight for s in found))
        verdict = TriageVerdict(
            group_key=group.key,
            kind=kind,
            score=score,
            explanation=_explain(kind, reasons, facts.service, related),
            reasons=reasons,
            signals=found,
            assessed_at=now,
            service=facts.service,
            fingerprints=tuple(a.fingerprint for a in alerts),
            related=related,
            duration_ms=(time.perf_counter() - started) * 1000,
        )
        record_step(
            self.tools,
            "triage",
            None,
            {
                "step": "triage_verdict",
                "group_key": group.key,
                "verdict": verdict.kind.value,
                "score": round(verdict.score, 4),
                "explanation": verdict.explanation,
                "signals": [
                    {
                        "name": s.name,
                        "lean": s.lean.value,
                        "detail": s.detail,
                        "evidence": [e.id for e in s.evidence],
                    }
                    for s in found
                ],
                "evidence": [{"id": e.id, "tool": e.tool, "args": dict(e.args)} for e in ctx.evidence],
            },
        )
        return verdict


def _decide(
    found: list[TriageSignal], known_ref: str | None, duplicate_ref: str | None
) -> tuple[TriageKind, str | None, list[str]]:
    by_name = {s.name: s for s in found}
    vetoes = [s.detail for s in found if s.lean is Lean.SIGNAL]
    suppression = by_name["suppression"]
    if suppression.lean is Lean.NOISE:
        return TriageKind.NOISE, None, [suppression.detail]
    if by_name["recognised"].lean is Lean.NOISE:
        return TriageKind.NOISE, None, [by_name["recognised"].detail]
    if duplicate_ref is not None:
        return TriageKind.DUPLICATE, duplicate_ref, [by_name["duplicate"].detail]
    noise = [s.detail for s in found if s.lean is Lean.NOISE]
    if noise and not vetoes:
        return TriageKind.NOISE, None, noise
    if known_ref is not None:
        return TriageKind.KNOWN_ISSUE, known_ref, [by_name["history"].detail, *vetoes]
    reasons = vetoes or ["no reason to believe it is noise"]
    if noise:
        reasons = [*reasons, *(f"not noise despite: {n}" for n in noise)]
    return TriageKind.SIGNAL, None, reasons


def _explain(kind: TriageKind, reasons: list[str], service: str | None, related: str | None) -> str:
    where = f" on {service}" if service else ""
    if kind is TriageKind.NOISE:
        return f"Noise{where}: " + "; ".join(reasons) + "."
    if kind is TriageKind.DUPLICATE:
        return f"Duplicate of {related}{where}."
    if kind is TriageKind.KNOWN_ISSUE:
        return f"Known issue {related}{where}: {reasons[0]}."
    return f"Signal{where}: " + "; ".join(reasons) + "."

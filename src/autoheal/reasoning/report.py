"""The report builder: ranking, confidence, the evidence rule, next checks and the narrative.

The evidence rule is enforced here and nowhere else can it be bypassed: a hypothesis becomes a
finding only when it cites at least one piece of evidence that was gathered in *this*
investigation through a governed tool whose call succeeded. Anything else (including a model's
claim citing evidence that does not exist) is listed as ruled out with that reason.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from autoheal.domain.investigation import (
    CheckOutcome,
    Hypothesis,
    InvestigationReport,
    RankedCause,
    Verdict,
    Verification,
)
from autoheal.domain.tools import ToolStatus
from autoheal.reasoning import coverage
from autoheal.reasoning.base import InvestigationContext
from autoheal.reasoning.calibration import ConfidenceMap, calibrate
from autoheal.reasoning.generators.changes import CHANGE_KINDS

NO_EVIDENCE = "cites no evidence gathered through a governed tool in this investigation"


def confidence_of(score: float, verification: Verification) -> float:
    """supported: 0.5 + 0.5 * score * share-term; inconclusive: at most 0.45; refuted: 0. The
    share-term is 0.5 + 0.5 * the share of the checks that could judge which passed."""
    score = max(0.0, min(1.0, score))
    checks = [c for c in verification.checks if c.outcome is not CheckOutcome.UNKNOWN]
    passed = sum(1 for c in checks if c.outcome is CheckOutcome.PASSED)
    share = passed / len(checks) if checks else 0.0
    if verification.verdict is Verdict.SUPPORTED:
        return 0.5 + 0.5 * score * (0.5 + 0.5 * share)
    if verification.verdict is Verdict.INCONCLUSIVE:
        return 0.45 * score * (0.5 + 0.5 * share)
    return 0.0


# A service's other findings corroborate one of its findings at this weight (they may share a
# cause of error: one fault seen twice is not two independent faults).
CORROBORATION_WEIGHT = 0.5


KIND_ORDER = {
    "bad_deploy": 0,
    "config_change": 0,
    "feature_flag": 0,
    "infra_change": 0,
    "resource_saturation": 1,
    # what saturated or starved it (docs/investigation.md, "Causes that look alike")
    "runaway_process": 1,
    "cpu_contention": 1,
    "load_surge": 1,
    "dns_failure": 1,
}


def typical_scores(hypotheses: Iterable[Hypothesis]) -> dict[tuple[str, str], float]:
    """Per generator and service, the median score the generator gave the *other* services it
    raised in this investigation (0 when it raised no other): the level of its typical other
    suspect, which a finding must stand above to say something about its own service
    (:func:`specific_score`)."""
    scores: dict[str, dict[str, float]] = {}
    for h in hypotheses:
        per = scores.setdefault(h.generator, {})
        per[h.service] = max(per.get(h.service, 0.0), h.score)
    out: dict[tuple[str, str], float] = {}
    for generator, per in scores.items():
        for service in per:
            others = [v for s, v in per.items() if s != service]
            out[(generator, service)] = statistics.median(others) if others else 0.0
    return out


def specific_score(hypothesis: Hypothesis, typical: Mapping[tuple[str, str], float]) -> float:
    """The part of a finding's score above its generator's typical other suspect (``typical``,
    :func:`typical_scores`; the whole score without it). A change is an event, not a shift that
    many suspects share: another deploy elsewhere does not make this one less specific, so a
    change keeps its whole score."""
    if hypothesis.kind in CHANGE_KINDS:
        return max(0.0, hypothesis.score)
    return max(0.0, hypothesis.score - typical.get((hypothesis.generator, hypothesis.service), 0.0))


def explains(hypothesis: Hypothesis, verification: Verification) -> bool:
    """A supported explanation of its service's anomalies: a change that came before the symptoms,
    or a saturated resource (``KIND_ORDER`` below 2)."""
    if verification.verdict is not Verdict.SUPPORTED or KIND_ORDER.get(hypothesis.kind, 2) >= 2:
        return False
    lead = hypothesis.attributes.get("lead_seconds")
    return hypothesis.kind not in CHANGE_KINDS or lead is None or float(lead) >= 0


def rank(
    findings: Sequence[tuple[Hypothesis, Verification]],
    typical: Mapping[tuple[str, str], float] | None = None,
) -> list[tuple[Hypothesis, Verification, float]]:
    """Every finding in the order of its confidence; ties keep the services by their best finding
    and, within a service, the most actionable explanation first (a change explains why a service
    is anomalous, so it ranks above the anomaly itself).

    A supported explanation (:func:`explains`: a change before the symptoms, a saturated resource)
    carries the confidence of the service's anomalies it explains when theirs is higher: they are
    its evidence. So the explanation leads its service, and the service's best confidence (hence
    the order of the services) is unchanged.

    Corroboration fuses the *evidence*, not the confidences: a finding's score is combined with
    the service's other findings' scores (noisy-OR, each at ``CORROBORATION_WEIGHT``), then its
    verdict turns that score into a confidence (:func:`confidence_of`). Fusing confidences
    instead counted the verdict's floor (0.5 for any supported finding) once per finding, so a
    service with several weak findings outranked one with a single strong one.

    Every score here is specific (``typical``, :func:`specific_score`): the part above what the
    same generator gave the typical other service it suspects. A shift most suspects share (every
    metric suspect at the same robust-z ceiling, the trace self time of most services after a
    change of load, a network time that is slower for everyone) says little about *this*
    service; counted whole, such findings outranked, alone or fused, a service with one finding
    specific to it (a request path broken at one logging statement)."""
    typical = typical or {}
    by_service: dict[str, list[tuple[Hypothesis, Verification]]] = {}
    for f in findings:
        by_service.setdefault(f[0].service, []).append(f)
    ranked: list[tuple[float, str, list[tuple[Hypothesis, Verification, float]]]] = []
    for items in by_service.values():
        boosted = []
        for h, v in items:
            # a finding alone: its own specific score (the whole score without typical scores)
            miss = 1.0 - min(1.0, specific_score(h, typical))
            for oh, _ in items:
                if oh is not h:
                    miss *= 1.0 - CORROBORATION_WEIGHT * min(1.0, specific_score(oh, typical))
            boosted.append((h, v, confidence_of(1.0 - miss, v)))
        explained = max((c for h, v, c in boosted if not explains(h, v)), default=0.0)
        boosted = [(h, v, max(c, explained) if explains(h, v) else c) for h, v, c in boosted]
        boosted.sort(key=lambda f: (KIND_ORDER.get(f[0].kind, 2), -f[2]))
        ranked.append((max(f[2] for f in boosted), items[0][0].service, boosted))
    ranked.sort(key=lambda r: (-r[0], r[1]))
    order = [(i, j, f) for i, (_, _, items) in enumerate(ranked) for j, f in enumerate(items)]
    order.sort(key=lambda x: (-round(x[2][2], 9), x[0], x[1]))
    return [f for _, _, f in order]


def cited(hypothesis: Hypothesis, ctx: InvestigationContext) -> bool:
    return any(ctx.succeeded(ev) for ev in hypothesis.evidence)


def build(
    ctx: InvestigationContext,
    started_at: datetime,
    finished_at: datetime,
    verified: Sequence[tuple[Hypothesis, Verification]],
    confidence_map: ConfidenceMap | None = None,
) -> InvestigationReport:
    """The report; with ``confidence_map`` each cause's confidence is calibrated (its raw one kept
    as ``raw_confidence``; the order is the raw ranking's)."""
    findings: list[tuple[Hypothesis, Verification]] = []
    ruled_out: list[tuple[Hypothesis, Verification, float]] = []
    for hypothesis, verification in verified:
        if not cited(hypothesis, ctx):
            rejected = Verification(hypothesis.id, Verdict.REFUTED, verification.checks, NO_EVIDENCE)
            ruled_out.append((hypothesis, rejected, 0.0))
        elif verification.verdict is Verdict.REFUTED:
            ruled_out.append((hypothesis, verification, 0.0))
        else:
            findings.append((hypothesis, verification))
    ranked = rank(findings, typical_scores(h for h, _ in verified))
    ruled_out.sort(key=lambda f: -f[0].score)
    # what was missing prices every confidence by one factor (coverage.scale): the order stands;
    # the calibration map then reads that confidence (it is fitted on what the engine says,
    # scale included), and the scaled one is kept as ``raw_confidence``
    gaps = coverage.gaps(ctx)
    scaled = coverage.scale(ctx, gaps)
    factor = float(scaled["confidence_scale"])
    ranked = [(h, v, c * factor) for h, v, c in ranked]
    causes = [RankedCause(i + 1, h, v, c) for i, (h, v, c) in enumerate(ranked)]
    if confidence_map is not None:
        mapped = calibrate(
            [(h.service, c, v.verdict.value) for h, v, c in ranked],
            confidence_map,
            coverage=factor,
            call_graph=coverage.has_call_graph(gaps),
        )
        causes = [
            RankedCause(i + 1, h, v, p, raw_confidence=c)
            for i, ((h, v, c), p) in enumerate(zip(ranked, mapped, strict=True))
        ]
    report = InvestigationReport(
        subject=ctx.subject,
        started_at=started_at,
        finished_at=finished_at,
        causes=causes,
        ruled_out=[RankedCause(i + 1, h, v, c) for i, (h, v, c) in enumerate(ruled_out)],
    )
    report.next_checks = next_checks(report, ctx)
    report.narrative = template_narrative(report)
    report.evidence_gaps = [g.to_dict() for g in gaps]
    report.evidence_coverage = scaled
    report.narrative = "\n".join(p for p in (report.narrative, coverage.narrative(gaps, scaled)) if p)
    statuses = list(ctx.statuses.values())
    report.usage = {
        "tool_calls": sum(1 for e in ctx.evidence if "." not in e.id),
        "failed_calls": sum(1 for s in statuses if s not in (ToolStatus.OK, ToolStatus.NO_DATA)),
        "evidence": len(ctx.evidence),
        "hypotheses": len(verified),
        "duration_ms": round((finished_at - started_at).total_seconds() * 1000, 1),
    }
    return report


def next_checks(report: InvestigationReport, ctx: InvestigationContext, limit: int = 6) -> list[str]:
    out: list[str] = []
    top = report.top
    if top is not None:
        h = top.hypothesis
        if h.attributes.get("change_id"):
            out.append(
                f"Roll back or disable change {h.attributes['change_id']} on {h.service} and watch the symptoms"
            )
        elif h.component:
            out.append(f"Inspect {h.component} on {h.service}")
    for cause in report.causes[:3]:
        for check in cause.verification.checks:
            if check.outcome is CheckOutcome.UNKNOWN:
                out.append(f"{check.name} for {cause.hypothesis.service}: {check.detail}")
    failing = sorted(
        {
            e.tool
            for e in ctx.evidence
            if ctx.statuses.get(e.id) not in (ToolStatus.OK, ToolStatus.NO_DATA, None)
        }
    )
    if failing:
        out.append(f"These tools did not answer: {', '.join(failing)} — check their configuration or policy")
    if not report.causes:
        out.append("No hypothesis survived with evidence: widen the incident window or add data sources")
    seen: dict[str, None] = {}
    for item in out:
        seen.setdefault(item, None)
    return list(seen)[:limit]


def template_narrative(report: InvestigationReport) -> str:
    """The deterministic narrative (used whenever no model is configured or the model fails)."""
    lines: list[str] = []
    if report.top is None:
        lines.append(f"No root cause could be established with evidence for {report.subject}.")
    else:
        t = report.top
        lines.append(
            f"Most likely cause ({t.confidence:.0%} confidence, {t.verification.verdict.value}): "
            f"{t.hypothesis.statement}."
        )
        lines.append(f"Why: {t.verification.reason}.")
        for other in report.causes[1:3]:
            lines.append(f"Also possible ({other.confidence:.0%}): {other.hypothesis.statement}.")
    for r in report.ruled_out[:3]:
        lines.append(f"Ruled out: {r.hypothesis.statement} — {r.verification.reason}.")
    return "\n".join(lines)

"""The adversarial verifier: every check attacks every hypothesis; merging of hypotheses.

Verdict rule: any failed check refutes (its reason is the verdict's reason); at least
``supported_min_passed`` passed checks and none failed support; anything else is inconclusive.
A prime suspect (a change on an alerted service just before the symptoms began,
``attributes["prime_suspect"]``) needs a strong refutation: a decisive check (``DECISIVE``: it
came after the symptoms, or the symptoms outlived its rollback) or two failed checks; one other
failed check leaves it inconclusive, with that check's reason.
"""

from __future__ import annotations

from collections.abc import Sequence

from autoheal.domain.investigation import (
    CheckOutcome,
    Evidence,
    Hypothesis,
    Verdict,
    Verification,
    VerificationCheck,
)
from autoheal.reasoning.base import FalsificationCheck, InvestigationContext

DECISIVE = frozenset({"temporal_precedence", "recovery"})


def merge(hypotheses: Sequence[Hypothesis]) -> list[Hypothesis]:
    """One hypothesis per (service, kind): evidence pooled, scores combined as a noisy-OR (two
    independent generators pointing at the same thing make it likelier), generators listed."""
    groups: dict[tuple[str, str], list[Hypothesis]] = {}
    for h in hypotheses:
        groups.setdefault((h.service, h.kind), []).append(h)
    merged: list[Hypothesis] = []
    for (service, kind), members in groups.items():
        members = sorted(members, key=lambda h: -h.score)
        best = members[0]
        if len(members) == 1:
            merged.append(best)
            continue
        miss = 1.0
        for h in members:
            miss *= 1.0 - max(0.0, min(1.0, h.score))
        evidence: dict[str, Evidence] = {}
        attributes: dict[str, object] = {}
        for h in reversed(members):  # the best one's attributes win
            attributes.update(h.attributes)
            for ev in h.evidence:
                evidence.setdefault(ev.id, ev)
        causes = sorted(str(h.attributes["cause_at"]) for h in members if h.attributes.get("cause_at"))
        if causes:
            attributes["cause_at"] = causes[0]
        attributes["generators"] = sorted({h.generator for h in members})
        attributes["merged"] = [h.id for h in members]
        merged.append(
            Hypothesis(
                id=f"{service}:{kind}",
                service=service,
                kind=kind,
                statement=best.statement,
                generator="+".join(sorted({h.generator for h in members})),
                score=round(1.0 - miss, 4),
                component=next((h.component for h in members if h.component), None),
                evidence=list(evidence.values()),
                attributes=attributes,
            )
        )
    return sorted(merged, key=lambda h: -h.score)


def verify(
    hypothesis: Hypothesis,
    checks: Sequence[FalsificationCheck],
    ctx: InvestigationContext,
    *,
    min_passed: int = 2,
) -> Verification:
    results: list[VerificationCheck] = [check.attack(hypothesis, ctx) for check in checks]
    failed = [c for c in results if c.outcome is CheckOutcome.FAILED]
    passed = [c for c in results if c.outcome is CheckOutcome.PASSED]
    if failed:
        reason = "; ".join(f"{c.name}: {c.detail}" for c in failed)
        strong = len(failed) >= 2 or any(c.name in DECISIVE for c in failed)
        if hypothesis.attributes.get("prime_suspect") and not strong:
            return Verification(
                hypothesis.id,
                Verdict.INCONCLUSIVE,
                tuple(results),
                f"a change on the alerted service just before the symptoms needs a strong refutation; "
                f"only one check failed — {reason}",
            )
        return Verification(hypothesis.id, Verdict.REFUTED, tuple(results), f"refuted — {reason}")
    if len(passed) >= min_passed:
        names = ", ".join(c.name for c in passed)
        return Verification(
            hypothesis.id, Verdict.SUPPORTED, tuple(results), f"survived {len(passed)} checks ({names})"
        )
    unknown = [c.name for c in results if c.outcome is CheckOutcome.UNKNOWN]
    return Verification(
        hypothesis.id,
        Verdict.INCONCLUSIVE,
        tuple(results),
        f"only {len(passed)} check(s) passed; no data for {', '.join(unknown) or 'any check'}",
    )

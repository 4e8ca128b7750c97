"""When a remembered root cause may end an investigation early, and how the report says so.

**The anchoring rule** (:func:`anchored`): after the similar-incidents generator
(:mod:`autoheal.reasoning.generators.memory`) and the verifier have run on the current data, the
investigation stops there only when all of these hold:

1. the top-ranked finding names an anchoring prior's root cause (service and kind, and the
   resource for a saturation);
2. the verifier *supported* it (inconclusive is not enough);
3. no finding on any other service was supported too (the current evidence points at one place),
   except one whose service explains only a part of what the remembered cause explains: every
   alerted service it could explain (itself or one of its callers, transitively) the remembered
   cause's service explains too, and the remembered cause explains at least one more. Such a
   finding is a victim or a side show of the remembered cause; it stays in the report, ranked.

Otherwise the whole investigation runs as it would without memory, and the report says which
prior was checked first and why it was not confirmed. A prior never becomes a finding by itself:
what is ranked was raised from the current data and attacked by the verifier like anything else.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from autoheal.domain.investigation import InvestigationReport, Verdict
from autoheal.reasoning.generators.memory import matches
from autoheal.reasoning.reading import Graph

Explains = Callable[[str], frozenset[str]]


def explains_in(graph: Graph, symptoms: Iterable[str], depth: int) -> Explains:
    """``explains(service)``: the alerted services a fault on ``service`` could explain — itself
    when it alerted, and those that depend on it within ``depth`` calls."""
    alerted = frozenset(symptoms)

    def explains(service: str) -> frozenset[str]:
        return frozenset(s for s in alerted if s == service or service in graph.dependencies(s, depth))

    return explains


def anchored(
    report: InvestigationReport, priors: Sequence[Mapping[str, Any]], explains: Explains | None = None
) -> tuple[bool, str]:
    top = report.top
    anchors = [p for p in priors if p.get("anchor") and isinstance(p.get("root_cause"), Mapping)]
    if top is None:
        return False, "checked first, not confirmed: no finding with current evidence"
    prior = next((p for p in anchors if matches(top.hypothesis, p["root_cause"])), None)
    if prior is None:
        return False, (
            f"checked first, not confirmed: today's evidence ranks {top.hypothesis.kind} on "
            f"{top.hypothesis.service} first, not the remembered cause"
        )
    if top.verification.verdict is not Verdict.SUPPORTED:
        return False, f"checked first, not confirmed: {top.verification.reason}"
    others = sorted(
        {
            c.hypothesis.service
            for c in report.causes[1:]
            if c.hypothesis.service != top.hypothesis.service and c.verification.verdict is Verdict.SUPPORTED
        }
    )
    covered: list[str] = []
    if explains is not None:
        mine = explains(top.hypothesis.service)
        covered = [s for s in others if explains(s) < mine]
    rivals = [s for s in others if s not in covered]
    if rivals:
        return False, f"checked first, not conclusive: {', '.join(rivals)} show supported findings too"
    because = (
        f" ({', '.join(covered)} also supported, explaining only part of what it explains)" if covered else ""
    )
    return True, f"anchored on incident {prior.get('incident')}: confirmed by current evidence{because}"


def memory_section(
    report: InvestigationReport, priors: Sequence[Mapping[str, Any]], *, checked: bool, reason: str
) -> dict[str, Any]:
    """The report's ``memory``: the priors offered, the anchor (when the investigation stopped on
    one), known red herrings (what was ruled out last time), and a one-line summary."""
    anchor = None
    if reason.startswith("anchored") and report.top is not None:
        anchor = next(
            (
                p
                for p in priors
                if p.get("anchor") and matches(report.top.hypothesis, p.get("root_cause") or {})
            ),
            None,
        )
    offered = [p for p in priors if p.get("offered")]
    summary = ""
    if anchor is not None:
        rc = anchor["root_cause"]
        summary = (
            f"Anchored on incident {anchor['incident']} (similar because {'; '.join(anchor.get('reasons', []))}): "
            f"its root cause, {rc.get('kind')} on {rc.get('service')}, was checked first and current evidence confirms it."
        )
    elif checked and offered:
        p = offered[0]
        summary = f"Similar to incident {p['incident']}: its root cause was {reason.removeprefix('checked first, ')}."
    elif offered:
        p = offered[0]
        rc = p.get("root_cause") or {}
        summary = (
            f"Similar to incident {p['incident']} (root cause then: {rc.get('kind')} on {rc.get('service')}); "
            "not used as an anchor (see its validity weight)."
        )
    red_herrings = [r for p in offered for r in p.get("ruled_out", [])][:5]
    return {
        "anchored": anchor is not None,
        "anchored_on": anchor.get("incident") if anchor else None,
        "because": "; ".join(anchor.get("reasons", [])) if anchor else None,
        "checked_first": checked,
        "reason": reason,
        "summary": summary,
        "red_herrings": red_herrings,
        "priors": [dict(p) for p in priors],
    }

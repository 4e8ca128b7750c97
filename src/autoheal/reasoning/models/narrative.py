"""The model-written narrative of a finished report (the only thing a model adds that the
deterministic reasoner does not: without a model the template narrative is used)."""

from __future__ import annotations

import json

from autoheal.domain.investigation import InvestigationEvent, InvestigationReport
from autoheal.reasoning.base import InvestigationContext
from autoheal.reasoning.models.base import LanguageModel, Message, ModelRequest, governed_complete
from autoheal.reasoning.models.prompts import SYSTEM, redactor_of, untrusted


def narrate(model: LanguageModel, report: InvestigationReport, ctx: InvestigationContext) -> str | None:
    summary = {
        "subject": report.subject,
        "causes": [
            {
                "rank": c.rank,
                "service": c.hypothesis.service,
                "statement": c.hypothesis.statement,
                "confidence": round(c.confidence, 2),
                "verdict": c.verification.verdict.value,
                "reason": c.verification.reason,
                "evidence": [e.summary for e in c.hypothesis.evidence[:4]],
            }
            for c in report.causes[:3]
        ],
        "ruled_out": [
            {"statement": r.hypothesis.statement, "why": r.verification.reason} for r in report.ruled_out[:5]
        ],
        "next_checks": report.next_checks,
    }
    request = ModelRequest(
        system=SYSTEM,
        messages=[
            Message(
                "user",
                "Write a short incident summary (at most 8 sentences) for the on-call engineer from this "
                "investigation report. Do not add causes or facts that are not in it; keep the confidence "
                "figures; say what was ruled out and what to check next.\n"
                + untrusted("investigation report", json.dumps(summary, indent=1), redactor_of(ctx.tools)),
            )
        ],
        max_tokens=600,
        purpose="narrative",
    )
    reply = governed_complete(model, request, ctx.tools, investigation_id=ctx.investigation_id)
    ctx.emit(
        InvestigationEvent(
            "step", ctx.clock.now(), {"step": "narrative", "model": model.name, "status": reply.status}
        )
    )
    return reply.text.strip() if reply.ok and reply.text.strip() else None

"""A language model as one more hypothesis generator.

Two rounds: the model sees the alerts and the evidence gathered so far and may ask for up to
``max_queries`` extra tool calls (run through the governed gateway with ``caller="model"``); then it
proposes hypotheses citing evidence ids. Ids that do not exist in this investigation are dropped,
so a model cannot cite evidence it invented; its hypotheses then face the same verifier.
"""

from __future__ import annotations

import json
from typing import Any

from autoheal.domain.investigation import Evidence, Hypothesis, InvestigationEvent
from autoheal.reasoning.base import InvestigationContext
from autoheal.reasoning.models.base import LanguageModel, Message, ModelRequest, governed_complete
from autoheal.reasoning.models.prompts import SYSTEM, extract_json, redactor_of, untrusted

TOOLS = (
    "prometheus.query_range(query, start, end, step)",
    "prometheus.query(query, time)",
    "logs.query(service, start, end, level, contains, limit)",
    "traces.spans(service, start, end)",
    "changes.list(start, end, service)",
    "topology.graph()",
)
MAX_SCORE = 0.7  # a model's hypothesis starts below the strongest deterministic evidence


class ModelGenerator:
    name = "llm"

    def __init__(self, model: LanguageModel, *, max_queries: int = 5) -> None:
        self.model = model
        self.max_queries = max_queries

    def generate(self, ctx: InvestigationContext) -> list[Hypothesis]:
        redact = redactor_of(ctx.tools)
        alerts = json.dumps([a.to_dict() for a in ctx.alerts], default=str, indent=1)
        known = "\n".join(f"{e.id} [{e.tool}] {e.summary}" for e in ctx.evidence[-60:])
        context = (
            f"Incident window {ctx.incident.start.isoformat()} .. {ctx.incident.end.isoformat()}; "
            f"candidate services: {', '.join(ctx.services)}.\n"
            + untrusted("alerts", alerts, redact)
            + "\n"
            + untrusted("evidence gathered so far", known or "(none)", redact)
        )
        plan = self._ask(
            ctx,
            context
            + "\nWhich extra queries would best discriminate between root causes? Tools: "
            + "; ".join(TOOLS)
            + '. Reply with JSON {"queries": [{"tool": ..., "args": {...}, "why": ...}]} (at most '
            + f"{self.max_queries}).",
            "plan",
        )
        results: list[str] = []
        for query in (plan or {}).get("queries", [])[: self.max_queries]:
            if not isinstance(query, dict) or not isinstance(query.get("args", {}), dict):
                continue
            tool = str(query.get("tool", ""))
            why = str(query.get("why", "requested by the model"))[:200]
            result, ev = ctx.call(tool, query.get("args", {}), f"model query: {why}", caller="model")
            shown = json.dumps(result.data, default=str)[:1500] if result.ok else result.message
            results.append(f"{ev.id} ({result.status.value}): {shown}")
        answer = self._ask(
            ctx,
            context
            + "\n"
            + untrusted("results of your queries", "\n".join(results) or "(none)", redact)
            + '\nPropose root-cause hypotheses as JSON {"hypotheses": [{"service": ..., "kind": ..., '
            '"statement": ..., "component": ..., "score": 0..1, "evidence": ["ev1", ...]}]}. '
            "Cite only evidence ids listed above.",
            "hypotheses",
        )
        by_id = {e.id: e for e in ctx.evidence}
        out: list[Hypothesis] = []
        for i, item in enumerate((answer or {}).get("hypotheses", [])[:10]):
            if not isinstance(item, dict) or not item.get("service"):
                continue
            cited: list[Evidence] = [by_id[x] for x in item.get("evidence", []) if x in by_id]
            out.append(
                Hypothesis(
                    id=f"llm:{item['service']}:{i}",
                    service=str(item["service"]),
                    kind=str(item.get("kind") or "model_hypothesis"),
                    statement=str(item.get("statement") or f"{item['service']} is the root cause")[:500],
                    generator=self.name,
                    score=round(min(MAX_SCORE, max(0.0, _float(item.get("score")))), 4),
                    component=str(item["component"]) if item.get("component") else None,
                    evidence=cited,
                    attributes={
                        "model": self.model.name,
                        "uncited": [x for x in item.get("evidence", []) if x not in by_id],
                    },
                )
            )
        return out

    def _ask(self, ctx: InvestigationContext, prompt: str, purpose: str) -> dict[str, Any] | None:
        request = ModelRequest(system=SYSTEM, messages=[Message("user", prompt)], purpose=purpose)
        reply = governed_complete(self.model, request, ctx.tools, investigation_id=ctx.investigation_id)
        ctx.emit(
            InvestigationEvent(
                "step",
                ctx.clock.now(),
                {
                    "step": f"model_{purpose}",
                    "model": self.model.name,
                    "status": reply.status,
                    "message": reply.message,
                },
            )
        )
        return extract_json(reply.text) if reply.ok else None


def _float(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.3

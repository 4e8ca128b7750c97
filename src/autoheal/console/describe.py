"""One line of plain text for an investigation event or an audit record (the pages and the live
event stream show the same words). Pure functions over the stored dictionaries."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def describe_event(payload: Mapping[str, Any]) -> str:
    if "evidence" in payload:
        ev = payload["evidence"] or {}
        return f"{ev.get('tool', '?')}: {ev.get('summary', '')} [{payload.get('status', '?')}]"
    if "hypothesis" in payload:
        h = payload["hypothesis"] or {}
        return f"hypothesis from {h.get('generator', '?')}: {h.get('statement', '')}"
    if "verification" in payload:
        v = payload["verification"] or {}
        return f"{payload.get('service', '?')} ({payload.get('kind', '?')}): {v.get('verdict', '?')} — {v.get('reason', '')}"
    if "report" in payload:
        causes = (payload["report"] or {}).get("causes") or []
        if not causes:
            return "report: no cause established with evidence"
        top = causes[0]
        return f"report: #1 {top['hypothesis']['statement']} ({float(top.get('confidence', 0)):.0%})"
    if "message" in payload:
        return f"{payload.get('generator', '')} error: {payload['message']}"
    step = payload.get("step")
    if step == "services":
        return "services in scope: " + ", ".join(payload.get("services") or [])
    if step == "generate":
        return f"running generator {payload.get('generator')}"
    if step == "generated":
        return f"{payload.get('generator')} raised {payload.get('hypotheses')} hypothesis(es)"
    if step:
        return str(step)
    return ", ".join(f"{k}={v}" for k, v in payload.items() if not isinstance(v, (dict, list)))[:300]


def describe_audit(payload: Any) -> str:
    if not isinstance(payload, Mapping):
        return str(payload)[:300]
    if "tool" in payload and "decision" in payload:
        why = payload.get("why") or ""
        return f"{payload['tool']} {payload['decision']} ({payload.get('status', '?')}) {why}"[:300]
    if "action" in payload:
        rest = {k: v for k, v in payload.items() if k != "action" and not isinstance(v, (dict, list))}
        return f"{payload['action']}: " + ", ".join(f"{k}={v}" for k, v in rest.items())[:280]
    if "step" in payload:
        return f"{payload['step']}" + (
            f" ({payload['investigation_id']})" if payload.get("investigation_id") else ""
        )
    return ", ".join(f"{k}={v}" for k, v in payload.items() if not isinstance(v, (dict, list)))[:300]

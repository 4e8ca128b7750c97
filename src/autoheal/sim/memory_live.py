"""What the running app's memory did during a played story, read from its own investigations.

The embedded app learns every incident a person resolves into its context graph
(:class:`autoheal.graph.live.IncidentLearner`) and recalls it for the next alert group
(``pipeline/followups.py``): nothing is computed after the story. For each live investigation the
report's ``memory`` section says whether it was anchored on a past incident and why. The tool
calls saved are counted against the investigation of the incident it was anchored on (the first
occurrence of the fault, investigated without memory): the anchored investigation's own calls
against that one's, both as the reports' ``usage.tool_calls`` recorded them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select


def live_memory(app: Any, judged: Sequence[Mapping[str, Any]] = ()) -> dict[str, Any]:
    """``app``: the embedded :class:`autoheal.app.Autoheal`; ``judged``: the play's judged
    investigations (``id`` and ``faults``), to say which fault each anchored one was about."""
    from autoheal.reasoning.store import InvestigationRow

    faults = {str(i.get("id")): list(i.get("faults") or []) for i in judged}
    with app.sessions() as session:
        rows = list(
            session.scalars(
                select(InvestigationRow)
                .where(InvestigationRow.status == "finished")
                .order_by(InvestigationRow.finished_at, InvestigationRow.id)
            )
        )
        reports = {r.id: dict(r.report or {}) for r in rows}
    incidents = {i.ref: i for i in app.incidents.service.list(limit=1000)}
    anchors = []
    for inv_id, report in reports.items():
        memory = report.get("memory") or {}
        if not memory.get("anchored"):
            continue
        on = str(memory.get("anchored_on") or "")
        past = incidents.get(on)
        past_report = reports.get(past.investigation_id or "") if past is not None else None
        calls = _calls(report)
        before = _calls(past_report) if past_report is not None else None
        anchors.append(
            {
                "investigation": inv_id,
                "fault": (faults.get(inv_id) or [None])[0],
                "anchored_on": on,
                "because": memory.get("because"),
                "tool_calls": calls,
                "anchor_investigation": past.investigation_id if past is not None else None,
                "anchor_tool_calls": before,
            }
        )
    saved = sum(
        a["anchor_tool_calls"] - a["tool_calls"]
        for a in anchors
        if a["anchor_tool_calls"] is not None and a["tool_calls"] is not None
    )
    return {
        "anchored": bool(anchors),
        "calls_saved": saved,
        "learned": sum(1 for i in incidents.values() if i.resolved_at is not None),
        "anchors": anchors,
    }


def _calls(report: Mapping[str, Any] | None) -> int | None:
    value = ((report or {}).get("usage") or {}).get("tool_calls")
    return int(value) if value is not None else None

"""An incident's decision trace: its timeline's human events as typed steps.

Each event a person wrote (``actor`` not Autoheal, the pipeline, a pager or the system) becomes one
:class:`~autoheal.decisions.model.DecisionStep`. Where the event's kind already says what was done
(``checked``, ``ruled_out``, ``hypothesis``, ``hypothesis_rejected``, ``escalated``, ``resolved``
— a slash command, a button) the action comes from the kind and the text is read for the target;
free text (``note``, ``slack_message``) goes through the deterministic parser, so "rolled back
v2.3.1" becomes a mitigation and "thanks" stays a note.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from autoheal.decisions.model import Action, DecisionStep
from autoheal.decisions.parser import StepParser

FORCED = {
    "checked": Action.CHECKED,
    "ruled_out": Action.RULED_OUT,
    "hypothesis": Action.HYPOTHESISED,
    "hypothesis_confirmed": Action.CHECKED,
    "hypothesis_rejected": Action.RULED_OUT,
    "escalated": Action.ESCALATED,
    "resolved": Action.RESOLVED,
}
FREE_TEXT = frozenset({"note", "slack_message"})
NOT_PEOPLE = frozenset({"pipeline", "pager", "system"})
TEXT_KEYS = ("text", "reason", "cause", "hypothesis", "statement", "summary")


def _text(kind: str, data: dict[str, Any]) -> str:
    for key in TEXT_KEYS:
        value = data.get(key)
        if isinstance(value, str) and value.strip():
            return value
    return kind.replace("_", " ")


def trace(events: Iterable[Any], parser: StepParser) -> list[DecisionStep]:
    """``events``: :class:`autoheal.incidents.model.TimelineEvent` (anything with ``kind``,
    ``actor``, ``source``, ``at`` and ``data``), oldest first."""
    steps: list[DecisionStep] = []
    for event in events:
        if event.source in NOT_PEOPLE or event.actor == "autoheal":
            continue
        if event.kind not in FORCED and event.kind not in FREE_TEXT:
            continue
        data = dict(event.data or {})
        step = parser.parse(
            _text(event.kind, data),
            who=event.actor,
            at=event.at,
            source=event.source,
            action=FORCED.get(event.kind),
        )
        evidence = tuple(str(e) for e in (data.get("evidence") or ()) if e)
        if data.get("investigation_id"):
            evidence += (f"investigation:{data['investigation_id']}",)
        if evidence:
            from dataclasses import replace

            step = replace(step, evidence=step.evidence + evidence)
        steps.append(step)
    return steps


def services_of(names: Sequence[str]) -> StepParser:
    from autoheal.decisions.parser import shop_aliases

    return StepParser(names, shop_aliases(names))


def incident_trace(incidents: Any, ref: str | int) -> tuple[Any, list[DecisionStep]]:
    """The incident ``ref`` and its decision trace, read through the incident service
    (:class:`autoheal.incidents.service.IncidentService`); the services its steps may mention are
    those the stored alerts named, and the incident's own. An unknown ``ref`` raises
    :class:`~autoheal.errors.NotFoundError` (HTTP 404); a malformed one :class:`InputError`."""
    from sqlalchemy import select

    from autoheal.store.models import AlertRow

    incident = incidents.get(ref)
    timeline = incidents.timeline(incident.id)
    with incidents.sessions() as session:
        known = {str(s) for s in session.scalars(select(AlertRow.service).distinct()) if s}
    names = sorted(known | ({incident.service} if incident.service else set()))
    return incident, trace(timeline, services_of(names))

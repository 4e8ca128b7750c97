"""Incident plain types: status lifecycle (an explicit transition table), severities, roles, the
timeline event. No I/O here.

Lifecycle (``TRANSITIONS``; anything not listed is :class:`IllegalTransition`, HTTP 409)::

    triggered ──▶ investigating ──▶ identified ──▶ mitigated ──▶ resolved ──▶ reopened
        │  └────────────┬──────────────┴─────────────┴──────────▶ resolved        │
        └───────────────┴── (any open status may skip ahead) ◀───────────────────┘
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from autoheal.domain.alerts import Severity as AlertSeverity
from autoheal.errors import ConflictError, InputError


class Status(StrEnum):
    TRIGGERED = "triggered"  # opened, nobody has acknowledged it yet
    INVESTIGATING = "investigating"  # a human is on it
    IDENTIFIED = "identified"  # the cause is known (a hypothesis confirmed)
    MITIGATED = "mitigated"  # the impact has stopped; the cause may still be there
    RESOLVED = "resolved"  # a human said it is over
    REOPENED = "reopened"  # it came back after being resolved

    @property
    def is_open(self) -> bool:
        return self is not Status.RESOLVED


# from -> the statuses it may move to. Identified -> investigating: the confirmed hypothesis was
# wrong after all; mitigated -> investigating / identified: the mitigation did not hold.
TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.TRIGGERED: frozenset({Status.INVESTIGATING, Status.IDENTIFIED, Status.MITIGATED, Status.RESOLVED}),
    Status.INVESTIGATING: frozenset({Status.IDENTIFIED, Status.MITIGATED, Status.RESOLVED}),
    Status.IDENTIFIED: frozenset({Status.INVESTIGATING, Status.MITIGATED, Status.RESOLVED}),
    Status.MITIGATED: frozenset({Status.INVESTIGATING, Status.IDENTIFIED, Status.RESOLVED}),
    Status.RESOLVED: frozenset({Status.REOPENED}),
    Status.REOPENED: frozenset({Status.INVESTIGATING, Status.IDENTIFIED, Status.MITIGATED, Status.RESOLVED}),
}


class IllegalTransition(ConflictError):
    """A status change the transition table does not allow (HTTP 409); nothing was changed."""

    def __init__(self, incident: str, current: Status, wanted: Status) -> None:
        allowed = ", ".join(sorted(s.value for s in TRANSITIONS[current])) or "nothing"
        super().__init__(
            f"incident {incident} is {current.value}; it cannot become {wanted.value} "
            f"(from {current.value} it may become: {allowed})",
            incident=incident,
            current=current.value,
            wanted=wanted.value,
        )


def check_transition(incident: str, current: Status, wanted: Status) -> None:
    if wanted not in TRANSITIONS[current]:
        raise IllegalTransition(incident, current, wanted)


def parse_status(value: str) -> Status:
    try:
        return Status(value.strip().lower())
    except ValueError:
        raise InputError(
            f"unknown incident status {value!r}; one of: {', '.join(s.value for s in Status)}"
        ) from None


class IncidentSeverity(StrEnum):
    SEV1 = "SEV1"  # critical: customer-facing outage
    SEV2 = "SEV2"  # major: significant degradation
    SEV3 = "SEV3"  # minor: limited impact
    SEV4 = "SEV4"  # low: no customer impact yet

    @property
    def rank(self) -> int:
        """1 is the most severe."""
        return int(self.value[3])


def parse_severity(value: str) -> IncidentSeverity:
    v = value.strip().upper()
    if v in {"1", "2", "3", "4"}:
        v = "SEV" + v
    try:
        return IncidentSeverity(v)
    except ValueError:
        raise InputError(f"unknown incident severity {value!r}; one of: SEV1, SEV2, SEV3, SEV4") from None


_FROM_ALERT = {
    AlertSeverity.CRITICAL: IncidentSeverity.SEV1,
    AlertSeverity.HIGH: IncidentSeverity.SEV2,
    AlertSeverity.WARNING: IncidentSeverity.SEV3,
    AlertSeverity.INFO: IncidentSeverity.SEV4,
    AlertSeverity.NONE: IncidentSeverity.SEV4,
}


def severity_for(alert_severity: AlertSeverity | str, triage_score: float | None = None) -> IncidentSeverity:
    """An incident's starting severity: from the alert's (critical SEV1, high SEV2, warning SEV3,
    info/none SEV4), one step more severe when triage is nearly certain it needs a human
    (score >= 0.9). A responder may change it afterwards."""
    sev = _FROM_ALERT[AlertSeverity(alert_severity)]
    if triage_score is not None and triage_score >= 0.9 and sev.rank > 1:
        sev = IncidentSeverity(f"SEV{sev.rank - 1}")
    return sev


class IncidentRole(StrEnum):
    COMMANDER = "commander"  # one person; runs the response
    SCRIBE = "scribe"  # one person; keeps the timeline
    RESPONDER = "responder"  # any number


def parse_role(value: str) -> IncidentRole:
    try:
        return IncidentRole(value.strip().lower())
    except ValueError:
        raise InputError(
            f"unknown incident role {value!r}; one of: {', '.join(r.value for r in IncidentRole)}"
        ) from None


class EventKind(StrEnum):
    """The kinds of timeline event Autoheal itself writes. Other areas may append their own kinds
    (lowercase words and underscores); these are the ones to react to."""

    OPENED = "opened"
    ALERT_JOINED = "alert_joined"
    GROUP_RESOLVED = "group_resolved"  # the alerts stopped firing (does not close the incident)
    TRIAGE_VERDICT = "triage_verdict"
    INVESTIGATION_FINDING = "investigation_finding"
    STATUS_CHANGED = "status_changed"
    ACKNOWLEDGED = "acknowledged"
    SEVERITY_CHANGED = "severity_changed"
    ROLE_ASSIGNED = "role_assigned"
    NOTE = "note"
    CHECKED = "checked"
    RULED_OUT = "ruled_out"
    HYPOTHESIS = "hypothesis"  # a responder's own hypothesis
    HYPOTHESIS_CONFIRMED = "hypothesis_confirmed"
    HYPOTHESIS_REJECTED = "hypothesis_rejected"
    ESCALATED = "escalated"
    RESOLVED = "resolved"
    REOPENED = "reopened"
    PAGE_SENT = "page_sent"
    PAGE_ACKNOWLEDGED = "page_acknowledged"
    PAGE_ESCALATED = "page_escalated"
    PAGE_RESOLVED = "page_resolved"
    PAGE_FAILED = "page_failed"
    SLACK_CHANNEL = "slack_channel"
    SLACK_ACTION = "slack_action"
    SLACK_MESSAGE = "slack_message"
    WOULD_PAGE = "would_page"  # shadow mode (pipeline.mode: shadow): the page that was not sent
    WOULD_POST = "would_post"  # shadow mode: the Slack channel and message that were not posted


NOTE_KINDS = (EventKind.NOTE, EventKind.CHECKED, EventKind.RULED_OUT, EventKind.HYPOTHESIS)
"""The kinds a responder's own words go in as (``IncidentService.add_note`` takes no other)."""

_KIND = re.compile(r"^[a-z][a-z0-9_]{0,47}$")


def check_kind(kind: str) -> str:
    if not _KIND.match(kind):
        raise InputError(f"timeline event kind {kind!r}: lowercase letters, digits and '_', at most 48")
    return kind


class Source(StrEnum):
    """Where a timeline event came from."""

    PIPELINE = "pipeline"  # alert ingestion, triage, investigation
    CLI = "cli"
    API = "api"
    SLACK = "slack"
    PAGER = "pager"  # PagerDuty, Opsgenie, the built-in on-call
    SYSTEM = "system"  # e.g. the escalation timer
    CONSOLE = "console"  # the web console
    MCP = "mcp"


@dataclass(frozen=True, slots=True)
class TimelineEvent:
    """One thing that happened to an incident. ``id`` grows across all incidents (a cursor for
    :meth:`IncidentService.events_after`); ``seq`` counts within the incident from 1."""

    id: int
    incident_id: int
    seq: int
    at: datetime
    actor: str  # "slack:U123", "cli:alice", "api-token:ab12...", "autoheal", "pagerduty"
    source: str  # a Source value
    kind: str  # an EventKind value (or another area's kind)
    data: dict[str, Any] = field(default_factory=dict)  # "text" holds free text, if any

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "incident_id": self.incident_id,
            "incident": incident_ref(self.incident_id),
            "seq": self.seq,
            "at": self.at.isoformat(),
            "actor": self.actor,
            "source": self.source,
            "kind": self.kind,
            "data": self.data,
        }


@dataclass(slots=True)
class Incident:
    id: int
    title: str
    status: Status
    severity: IncidentSeverity
    service: str | None
    opened_at: datetime
    updated_at: datetime
    opened_by: str
    summary: str = ""
    group_keys: list[str] = field(default_factory=list)
    investigation_id: str | None = None
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = None
    mitigated_at: datetime | None = None
    resolved_at: datetime | None = None
    resolved_by: str | None = None
    roles: dict[str, list[str]] = field(default_factory=dict)  # role -> people
    cause: str | None = None  # one-line root cause, once identified

    @property
    def ref(self) -> str:
        return incident_ref(self.id)

    def to_dict(self) -> dict[str, Any]:
        def iso(d: datetime | None) -> str | None:
            return d.isoformat() if d else None

        return {
            "id": self.id,
            "ref": self.ref,
            "title": self.title,
            "status": self.status.value,
            "severity": self.severity.value,
            "service": self.service,
            "summary": self.summary,
            "cause": self.cause,
            "opened_at": iso(self.opened_at),
            "opened_by": self.opened_by,
            "updated_at": iso(self.updated_at),
            "acknowledged_at": iso(self.acknowledged_at),
            "acknowledged_by": self.acknowledged_by,
            "mitigated_at": iso(self.mitigated_at),
            "resolved_at": iso(self.resolved_at),
            "resolved_by": self.resolved_by,
            "group_keys": list(self.group_keys),
            "investigation_id": self.investigation_id,
            "roles": {k: list(v) for k, v in self.roles.items()},
        }


def incident_ref(incident_id: int) -> str:
    return f"INC-{incident_id}"


def parse_ref(value: str | int) -> int:
    """``12``, ``"12"``, ``"INC-12"`` or ``"inc-12"`` -> 12."""
    if isinstance(value, int):
        return value
    text = value.strip()
    if text.upper().startswith("INC-"):
        text = text[4:]
    if not text.isdigit():
        raise InputError(f"not an incident reference: {value!r} (expected INC-<number> or a number)")
    return int(text)

"""Incidents: the lifecycle, roles, timeline, and the service every edge (CLI, API, Slack, pager,
console, MCP) changes them through.

Python API (what other areas build on)::

    from autoheal.incidents import IncidentService, Status, IncidentSeverity, IncidentRole, EventKind, Source

    svc = IncidentService(sessions, clock, redactor=redactor, audit=audit_trail)   # app.incidents
    inc = svc.open("checkout 5xx after deploy", severity=IncidentSeverity.SEV2,
                   actor="autoheal", source=Source.PIPELINE, service="checkout",
                   group_keys=["alertname=...,service=checkout"], investigation_id="inv-...")
    svc.get("INC-1") / svc.get(1)            # -> Incident (refs: 1, "1", "INC-1")
    svc.list(open_only=True, service=None, status=None, limit=50)     # newest first
    svc.open_for_group(group_key)            # the open incident covering an alert group, or None
    svc.ack(1, actor="slack:U1", source=Source.SLACK)        # triggered -> investigating; idempotent
    svc.transition(1, Status.MITIGATED, actor=..., source=..., reason="rolled back")
    #   raises IllegalTransition (a ConflictError, HTTP 409) when TRANSITIONS forbids it; nothing changes
    svc.add_note(1, "checked the db pool", actor=..., source=..., kind=EventKind.CHECKED)
    svc.assign(1, IncidentRole.COMMANDER, "alice", actor=..., source=...)
    svc.set_severity(1, IncidentSeverity.SEV1, actor=..., source=...)
    svc.append(1, "page_sent", actor="autoheal", source=Source.PAGER, data={...})   # any kind
    svc.join_group(1, group_key)             # alert_joined (False if already there)
    svc.resolve(1, actor=..., source=..., summary="...", cause="bad deploy of checkout")
    svc.reopen(1, actor=..., source=..., reason="fired again")

    # reacting to events
    unsubscribe = svc.subscribe(lambda event, incident: ..., kinds=[EventKind.RESOLVED])
    svc.timeline(1, after_seq=0, kinds=None)          # one incident's events, in order
    svc.events_after(cursor, kinds=["resolved"])      # all incidents' events with id > cursor
                                                      # (poll from another process)

Every change appends exactly one :class:`TimelineEvent` (``actor``, ``at`` from the injected clock,
``source``, ``kind``, ``data``) in the same transaction; listeners are called after the commit
(in this process). A transition's event kind is ``resolved`` / ``reopened`` for those targets and
``status_changed`` otherwise, with ``data = {"from": ..., "to": ..., "reason": ...}``. Free text
(``text``, ``title``, ``summary``, ``reason``, ``cause``) is redacted before it is stored. People's
actions (sources other than ``pipeline`` / ``system``) also go to the audit trail as
``incident.<kind>``.

Modules: ``model`` (plain types, the transition table), ``store`` (tables, Alembic branch
``incidents``), ``service`` (the API above). Opening rules, paging and Slack build on these.
"""

from autoheal.incidents.model import (
    NOTE_KINDS,
    TRANSITIONS,
    EventKind,
    IllegalTransition,
    Incident,
    IncidentRole,
    IncidentSeverity,
    Source,
    Status,
    TimelineEvent,
    incident_ref,
    parse_ref,
    parse_role,
    parse_severity,
    parse_status,
    severity_for,
)
from autoheal.incidents.service import IncidentService, Listener

__all__ = [
    "NOTE_KINDS",
    "TRANSITIONS",
    "EventKind",
    "IllegalTransition",
    "Incident",
    "IncidentRole",
    "IncidentService",
    "IncidentSeverity",
    "Listener",
    "Source",
    "Status",
    "TimelineEvent",
    "incident_ref",
    "parse_ref",
    "parse_role",
    "parse_severity",
    "parse_status",
    "severity_for",
]

"""PagerDuty v3 webhooks (a *webhook subscription*), one event per delivery.

Shape: ``{"event": {id, event_type, resource_type, occurred_at, agent, client, data}}``. For
incident events ``data`` is the incident: ``id, type: "incident", html_url, number, status,
incident_key, created_at, title, service{id, summary}, assignees[], escalation_policy, teams[],
priority{summary}, urgency``.

* ``incident.resolved`` resolves the alert (``ends_at`` = ``occurred_at``); ``triggered``,
  ``acknowledged``, ``unacknowledged``, ``reopened``, ``escalated``, ``delegated``,
  ``reassigned``, ``priority_updated`` and any newer ``incident.*`` event carrying an incident
  are firing (the incident's ``status`` decides for types this module does not know).
* Events about something other than an incident (``pagey.ping`` sent when the subscription is
  created, notes, responders, status updates, service events) normalise to no alert.
* Fingerprint: the incident id. Name: the incident title. Service: ``service.summary``.
  Severity: the labels first, then the incident priority (``P1``...), then the urgency.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from autoheal.domain.alerts import Alert, AlertStatus
from autoheal.sources import _fields as f
from autoheal.sources.base import BuiltinSource
from autoheal.sources.rules import LabelRules

NAME = "pagerduty"

EVENT_STATUS: dict[str, AlertStatus] = {
    "incident.triggered": AlertStatus.FIRING,
    "incident.acknowledged": AlertStatus.FIRING,
    "incident.unacknowledged": AlertStatus.FIRING,
    "incident.reopened": AlertStatus.FIRING,
    "incident.escalated": AlertStatus.FIRING,
    "incident.delegated": AlertStatus.FIRING,
    "incident.reassigned": AlertStatus.FIRING,
    "incident.priority_updated": AlertStatus.FIRING,
    "incident.resolved": AlertStatus.RESOLVED,
}
INCIDENT_STATUS: dict[str, AlertStatus] = {
    "triggered": AlertStatus.FIRING,
    "acknowledged": AlertStatus.FIRING,
    "resolved": AlertStatus.RESOLVED,
}
_URGENCIES = ("high", "low")


def normalise(payload: Any, rules: LabelRules) -> list[Alert]:
    event = f.obj(f.required(f.obj(payload, ""), "event", ""), "event")
    event_type = f.text(f.required(event, "event_type", "event"), "event.event_type")
    data = f.obj(f.required(event, "data", "event"), "event.data")
    if not event_type.startswith("incident.") or data.get("type") != "incident":
        return []  # a ping, a note, a responder request...: nothing to alert on
    occurred_at = f.rfc3339(f.required(event, "occurred_at", "event"), "event.occurred_at")
    assert occurred_at is not None

    incident_id = f.fingerprint_text(f.required(data, "id", "event.data"), "event.data.id")
    title = f.text(f.required(data, "title", "event.data"), "event.data.title")
    status = _status(event_type, data)

    created_raw = data.get("created_at")
    starts_at = occurred_at
    if created_raw not in (None, ""):
        created = f.rfc3339(created_raw, "event.data.created_at")
        assert created is not None
        if created > occurred_at + f.ONE_DAY:
            raise f.fail(
                "event.data.created_at",
                f"{created.isoformat()} is more than a day after the event ({occurred_at.isoformat()})",
            )
        starts_at = created

    labels = _labels(data, incident_id)
    labels["alertname"] = title
    priority = labels.get("priority")
    urgency = labels.get("urgency")
    annotations = _annotations(event, data, event_type, title)
    ends_at = occurred_at if status is AlertStatus.RESOLVED else None
    f.check_order(starts_at, ends_at, "event.occurred_at")
    return [
        Alert(
            source=NAME,
            fingerprint=incident_id,
            status=status,
            name=title,
            starts_at=starts_at,
            labels=labels,
            annotations=annotations,
            service=rules.service_for(labels),
            severity=rules.severity_for(labels, fallback=priority or urgency),
            ends_at=ends_at,
            generator_url=f.optional_text(data, "html_url", "event.data"),
        )
    ]


def _status(event_type: str, data: Mapping[str, Any]) -> AlertStatus:
    known = EVENT_STATUS.get(event_type)
    raw = data.get("status")
    if raw in (None, ""):
        if known is None:
            raise f.fail("event.data.status", f"missing, and event type {event_type[:60]!r} is not known")
        return known
    text = f.text(raw, "event.data.status")
    from_data = INCIDENT_STATUS.get(text.strip().lower())
    if from_data is None:
        raise f.fail(
            "event.data.status",
            f"unknown incident status {text[:40]!r}; expected one of {list(INCIDENT_STATUS)}",
        )
    return known if known is not None else from_data


def _reference_summary(data: Mapping[str, Any], key: str, path: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    reference = f.obj(value, f.join(path, key))
    return f.optional_text(reference, "summary", f.join(path, key), max_bytes=f.MAX_LABEL_BYTES)


def _labels(data: Mapping[str, Any], incident_id: str) -> dict[str, str]:
    path = "event.data"
    labels: dict[str, str] = {"incident_id": incident_id}
    service = _reference_summary(data, "service", path)
    if service:
        labels["service"] = service
        service_ref = f.obj(data["service"], f.join(path, "service"))
        service_id = f.optional_text(service_ref, "id", f.join(path, "service"), max_bytes=f.MAX_LABEL_BYTES)
        if service_id:
            labels["pagerduty_service_id"] = service_id
    priority = _reference_summary(data, "priority", path)
    if priority:
        labels["priority"] = priority
    urgency = f.optional_text(data, "urgency", path, max_bytes=f.MAX_LABEL_BYTES)
    if urgency:
        if urgency not in _URGENCIES:
            raise f.fail(f.join(path, "urgency"), f"unknown urgency {urgency[:40]!r}; expected high or low")
        labels["urgency"] = urgency
    policy = _reference_summary(data, "escalation_policy", path)
    if policy:
        labels["escalation_policy"] = policy
    teams = data.get("teams")
    if teams is not None:
        names = []
        for index, team in enumerate(f.array(teams, f.join(path, "teams"), limit=100)):
            team_path = f"{path}.teams[{index}]"
            summary = f.optional_text(
                f.obj(team, team_path), "summary", team_path, max_bytes=f.MAX_LABEL_BYTES
            )
            if summary:
                names.append(summary)
        if names:
            labels["team"] = f.text(",".join(sorted(names)), f.join(path, "teams"))
    incident_key = f.optional_text(data, "incident_key", path, max_bytes=f.MAX_LABEL_BYTES)
    if incident_key:
        labels["incident_key"] = incident_key
    return labels


def _annotations(
    event: Mapping[str, Any], data: Mapping[str, Any], event_type: str, title: str
) -> dict[str, str]:
    annotations = {"summary": title, "event_type": event_type}
    status = data.get("status")
    if isinstance(status, str) and status:
        annotations["incident_status"] = status
    number = data.get("number")
    if isinstance(number, int) and not isinstance(number, bool) and 0 <= number < 10**15:
        annotations["incident_number"] = str(number)
    agent = event.get("agent")
    if isinstance(agent, dict) and isinstance(agent.get("summary"), str) and agent["summary"]:
        annotations["agent"] = f.text(
            agent["summary"], "event.agent.summary", max_bytes=f.MAX_ANNOTATION_BYTES
        )
    event_id = event.get("id")
    if isinstance(event_id, str) and event_id:
        annotations["event_id"] = f.text(event_id, "event.id")
    return annotations


source = BuiltinSource(
    name=NAME,
    description="PagerDuty v3 webhook subscription (incident events)",
    normaliser=normalise,
)

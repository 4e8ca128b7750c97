"""Datadog monitors, through the Webhooks integration with the payload template below.

Datadog lets the user write the JSON body with ``$VARIABLES``; Autoheal expects this template
(``PAYLOAD_TEMPLATE`` below; paste it into the webhook's *Payload* field, docs/sources.md shows it).

Required: ``alert_id``, ``transition``, ``title``, ``date``. Every other field may be missing or
empty. ``tags`` (``"service:checkout,env:prod"``) and ``scope`` become labels; a tag without a
value becomes a label with an empty value; repeated keys are joined with commas.
``transition`` ``Recovered`` resolves the alert (``ends_at`` = ``date``); ``Triggered``,
``Re-Triggered``, ``Warn``, ``Re-Warn``, ``No Data``, ``Re-No Data`` and ``Renotify`` are firing.
The fingerprint is ``aggreg_key`` (Datadog's key for events of one monitor and group), else a
hash of the monitor id and the scope. Severity comes from a ``severity`` (or ``priority``) tag,
else the monitor priority (``P1`` critical ... ``P4``/``P5`` info), else ``alert_type``.
"""

from __future__ import annotations

import re
from typing import Any

from autoheal.domain.alerts import Alert, AlertStatus
from autoheal.sources import _fields as f
from autoheal.sources.base import BuiltinSource
from autoheal.sources.rules import LabelRules

NAME = "datadog"

PAYLOAD_TEMPLATE: dict[str, str] = {
    "id": "$ID",
    "alert_id": "$ALERT_ID",
    "aggreg_key": "$AGGREG_KEY",
    "alert_cycle_key": "$ALERT_CYCLE_KEY",
    "transition": "$ALERT_TRANSITION",
    "title": "$ALERT_TITLE",
    "body": "$EVENT_MSG",
    "priority": "$ALERT_PRIORITY",
    "alert_type": "$ALERT_TYPE",
    "tags": "$TAGS",
    "scope": "$ALERT_SCOPE",
    "metric": "$ALERT_METRIC",
    "query": "$ALERT_QUERY",
    "status_summary": "$ALERT_STATUS",
    "hostname": "$HOSTNAME",
    "date": "$DATE",
    "url": "$LINK",
}

TRANSITIONS: dict[str, AlertStatus] = {
    "triggered": AlertStatus.FIRING,
    "re-triggered": AlertStatus.FIRING,
    "warn": AlertStatus.FIRING,
    "re-warn": AlertStatus.FIRING,
    "no data": AlertStatus.FIRING,
    "re-no data": AlertStatus.FIRING,
    "renotify": AlertStatus.FIRING,
    "recovered": AlertStatus.RESOLVED,
}

# alert_type -> a value LabelRules understands; "success" (a recovery) says nothing about severity.
_ALERT_TYPE_SEVERITY = {"error": "error", "warning": "warning", "info": "info"}

_TITLE_PREFIX = re.compile(
    r"^\s*\[(?:TEST\s*)?(?:P[1-5]|Triggered|Re-Triggered|Recovered|Warn|Re-Warn|No Data|Re-No Data|Renotify)"
    r"(?: on \{[^}]*\})?\]\s*",
    re.IGNORECASE,
)

# Annotation name -> payload field copied verbatim when present.
_ANNOTATIONS = {
    "message": "body",
    "status_summary": "status_summary",
    "metric": "metric",
    "query": "query",
    "event_id": "id",
    "alert_cycle_key": "alert_cycle_key",
    "alert_type": "alert_type",
    "priority": "priority",
}


def normalise(payload: Any, rules: LabelRules) -> list[Alert]:
    body = f.obj(payload, "")
    monitor_id = _scalar_text(f.required(body, "alert_id", ""), "alert_id")
    raw_transition = f.text(f.required(body, "transition", ""), "transition")
    status = TRANSITIONS.get(raw_transition.strip().lower())
    if status is None:
        known = ", ".join(t.title() for t in TRANSITIONS)
        raise f.fail("transition", f"unknown transition {raw_transition[:40]!r}; expected one of {known}")
    title = f.text(f.required(body, "title", ""), "title")
    when = f.epoch_millis(f.required(body, "date", ""), "date")

    scope = parse_tags(body.get("scope"), "scope")
    labels = parse_tags(body.get("tags"), "tags")
    labels.update(scope)
    name = strip_title(title)
    labels.setdefault("alertname", name)
    labels.setdefault("monitor_id", monitor_id)
    hostname = f.optional_text(body, "hostname", "", max_bytes=f.MAX_LABEL_BYTES)
    if hostname:
        labels.setdefault("host", hostname)

    annotations = {"title": title, "transition": raw_transition}
    for annotation, field in _ANNOTATIONS.items():
        value = body.get(field)
        if value not in (None, ""):
            annotations[annotation] = _scalar_text(value, field, max_bytes=f.MAX_ANNOTATION_BYTES)

    raw_key = body.get("aggreg_key")
    fingerprint = (
        f.stable_fingerprint(NAME, f"monitor:{monitor_id}", scope)
        if raw_key in (None, "")
        else f.fingerprint_text(raw_key, "aggreg_key")
    )
    priority = annotations.get("priority")
    alert_type = _ALERT_TYPE_SEVERITY.get(annotations.get("alert_type", "").strip().lower())
    return [
        Alert(
            source=NAME,
            fingerprint=fingerprint,
            status=status,
            name=name,
            starts_at=when,
            labels=labels,
            annotations=annotations,
            service=rules.service_for(labels),
            severity=rules.severity_for(labels, fallback=priority or alert_type),
            ends_at=when if status is AlertStatus.RESOLVED else None,
            generator_url=f.optional_text(body, "url", ""),
        )
    ]


def parse_tags(value: Any, path: str) -> dict[str, str]:
    """``"service:checkout, env:prod,team:a,team:b,canary"`` -> labels.

    Splits on commas, then on the first colon. Repeated keys are joined with commas (sorted);
    a tag without a colon gets an empty value; tags with an empty key are skipped.
    """
    if value is None or value == "":
        return {}
    if isinstance(value, list):
        tags = [f.text(item, f.join(path, i), allow_empty=True) for i, item in enumerate(value)]
    else:
        tags = f.text(value, path, max_bytes=f.MAX_ANNOTATION_BYTES, allow_empty=True).split(",")
    collected: dict[str, set[str]] = {}
    for tag in tags:
        key, _, tag_value = tag.strip().partition(":")
        key = key.strip()
        if key:
            collected.setdefault(key, set()).add(tag_value.strip())
    labels: dict[str, str] = {}
    for key, values in collected.items():
        joined = ",".join(sorted(v for v in values if v)) if len(values) > 1 else next(iter(values))
        labels[f.text(key, f"{path} tag name", allow_empty=True)] = f.text(
            joined, f.join(path, key), allow_empty=True
        )
    return labels


def strip_title(title: str) -> str:
    """``"[P1] [Triggered on {host:web-1}] Checkout errors"`` -> ``"Checkout errors"``."""
    name = title
    for _ in range(5):
        stripped = _TITLE_PREFIX.sub("", name, count=1)
        if stripped == name:
            break
        name = stripped
    return name.strip() or title.strip()


def _scalar_text(value: Any, path: str, *, max_bytes: int = f.MAX_LABEL_BYTES) -> str:
    """Datadog substitutes variables as text, but an unquoted ``$ALERT_ID`` arrives as a number."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return str(value)
        except ValueError:  # an integer with more digits than Python will print
            raise f.fail(path, "number too large") from None
    return f.text(value, path, max_bytes=max_bytes)


source = BuiltinSource(
    name=NAME,
    description="Datadog monitors via the Webhooks integration (Autoheal payload template)",
    normaliser=normalise,
)

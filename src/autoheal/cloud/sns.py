"""A CloudWatch alarm delivered by SNS, as domain alerts (a pure function, no I/O).

SNS posts ``{"Type": "Notification", "Message": "<the alarm as a JSON string>", ...}``; the alarm
carries ``AlarmName``, ``NewStateValue`` (``ALARM`` / ``OK`` / ``INSUFFICIENT_DATA``),
``NewStateReason``, ``StateChangeTime``, ``Region`` and ``Trigger`` (``MetricName``,
``Namespace``, ``Statistic``, ``Dimensions`` as ``[{"name", "value"}]``, ``Threshold``...).
Labels: ``alertname``, ``namespace``, ``metric_name``, ``statistic``, ``threshold``, ``region``,
``alarm_state`` and one label per dimension (``DBInstanceIdentifier=orders-db``). ``OK`` resolves (the fingerprint is the alarm ARN and its dimensions, not its state).
``INSUFFICIENT_DATA`` is firing with ``alarm_state=INSUFFICIENT_DATA``: the metric is missing.

Not a webhook source yet: SNS HTTP(S) subscriptions cannot send the bearer token or HMAC header
Autoheal's sources require (docs/cloud.md says what is missing).
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from autoheal.domain.alerts import Alert, AlertStatus, Severity
from autoheal.errors import PayloadError

SOURCE = "cloudwatch"


def alerts_from_sns(payload: Any) -> list[Alert]:
    if not isinstance(payload, dict) or payload.get("Type") != "Notification":
        raise PayloadError("not an SNS notification: expected an object with Type Notification")
    raw = payload.get("Message")
    try:
        alarm = json.loads(raw) if isinstance(raw, str) else None
    except ValueError:
        alarm = None
    if not isinstance(alarm, dict) or "AlarmName" not in alarm or "NewStateValue" not in alarm:
        raise PayloadError("SNS Message is not a CloudWatch alarm (needs AlarmName and NewStateValue)")
    state = str(alarm["NewStateValue"])
    if state not in ("ALARM", "OK", "INSUFFICIENT_DATA"):
        raise PayloadError(f"NewStateValue {state[:30]!r}: expected ALARM, OK or INSUFFICIENT_DATA")
    trigger = alarm.get("Trigger") or {}
    if not isinstance(trigger, dict):
        raise PayloadError("Trigger must be an object")
    try:
        when = datetime.fromisoformat(
            str(alarm.get("StateChangeTime") or payload.get("Timestamp")).replace("Z", "+00:00")
        )
    except ValueError as exc:
        raise PayloadError(f"StateChangeTime is not an ISO 8601 time: {exc}") from None
    if when.tzinfo is None:
        raise PayloadError("StateChangeTime needs a time zone")
    labels = {
        "alertname": str(alarm["AlarmName"]),
        "namespace": str(trigger.get("Namespace", "")),
        "metric_name": str(trigger.get("MetricName", "")),
        "statistic": str(trigger.get("Statistic") or trigger.get("ExtendedStatistic") or ""),
        "threshold": str(trigger.get("Threshold", "")),
        "region": str(alarm.get("Region", "")),
        "alarm_state": state,
    }
    for dim in trigger.get("Dimensions") or []:
        if isinstance(dim, dict) and dim.get("name") and dim.get("value"):
            labels[str(dim["name"])] = str(dim["value"])
    labels = {k: v for k, v in labels.items() if v}
    annotations = {
        "summary": str(alarm.get("AlarmDescription") or alarm["AlarmName"]),
        "reason": str(alarm.get("NewStateReason", "")),
    }
    identity = {k: v for k, v in labels.items() if k not in ("alarm_state", "threshold")}
    key = json.dumps([alarm.get("AlarmArn") or alarm["AlarmName"], sorted(identity.items())])
    status = AlertStatus.RESOLVED if state == "OK" else AlertStatus.FIRING
    return [
        Alert(
            source=SOURCE,
            fingerprint=hashlib.sha256(key.encode()).hexdigest()[:16],
            status=status,
            name=labels["alertname"],
            starts_at=when,
            labels=labels,
            annotations=annotations,
            service=labels.get("DBInstanceIdentifier"),
            severity=Severity.WARNING if state == "INSUFFICIENT_DATA" else Severity.HIGH,
            ends_at=when if status is AlertStatus.RESOLVED else None,
        )
    ]

"""Prometheus Alertmanager webhook (``version: "4"``), as sent by ``webhook_configs``.

Envelope: ``receiver, status, alerts[], groupLabels, commonLabels, commonAnnotations, externalURL,
version, groupKey, truncatedAlerts``. Each alert carries Alertmanager's own ``fingerprint``, which
Autoheal keeps. A firing alert has ``endsAt: "0001-01-01T00:00:00Z"`` (Go's zero time): no end yet.
"""

from __future__ import annotations

from typing import Any

from autoheal.domain.alerts import Alert
from autoheal.sources import _am_format
from autoheal.sources import _fields as f
from autoheal.sources.base import BuiltinSource
from autoheal.sources.rules import LabelRules

NAME = "alertmanager"


def normalise(payload: Any, rules: LabelRules) -> list[Alert]:
    envelope = f.obj(payload, "")
    version = envelope.get("version")
    if version is not None and version != "4":
        raise f.fail("version", f'expected "4" (Alertmanager webhook v4), got {str(version)[:20]!r}')
    items = _am_format.alerts_of(envelope)
    return [
        _am_format.parse_item(item, f"alerts[{index}]", source=NAME, rules=rules)
        for index, item in enumerate(items)
    ]


source = BuiltinSource(
    name=NAME,
    description="Prometheus Alertmanager webhook_configs (payload version 4)",
    normaliser=normalise,
)

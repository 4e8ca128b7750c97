"""Grafana unified alerting, webhook contact point (Grafana 9 and later).

The envelope extends Alertmanager's: ``receiver, status, orgId, alerts[], groupLabels,
commonLabels, commonAnnotations, externalURL, version, groupKey, truncatedAlerts, title, state,
message``. Each alert is an Alertmanager alert plus ``silenceURL``, ``dashboardURL``,
``panelURL``, ``imageURL``, ``values`` (refID -> number) and ``valueString``; Grafana's own
``fingerprint`` is kept. Those extras are added to the annotations (``dashboard_url``,
``panel_url``, ``silence_url``, ``image_url``, ``values``, ``value_string``) unless the rule
already has an annotation of that name.
"""

from __future__ import annotations

import json
from typing import Any

from autoheal.domain.alerts import Alert
from autoheal.sources import _am_format
from autoheal.sources import _fields as f
from autoheal.sources.base import BuiltinSource
from autoheal.sources.rules import LabelRules

NAME = "grafana"

_URL_FIELDS = {
    "dashboardURL": "dashboard_url",
    "panelURL": "panel_url",
    "silenceURL": "silence_url",
    "imageURL": "image_url",
}


def normalise(payload: Any, rules: LabelRules) -> list[Alert]:
    envelope = f.obj(payload, "")
    items = _am_format.alerts_of(envelope)
    alerts = []
    for index, item in enumerate(items):
        path = f"alerts[{index}]"
        extras = _extras(f.obj(item, path), path)
        alerts.append(_am_format.parse_item(item, path, source=NAME, rules=rules, extra_annotations=extras))
    return alerts


def _extras(item: dict[str, Any] | Any, path: str) -> dict[str, str]:
    extras: dict[str, str] = {}
    for field, annotation in _URL_FIELDS.items():
        value = f.optional_text(item, field, path)
        if value:
            extras[annotation] = value
    values = item.get("values")
    if values is not None:
        values_path = f.join(path, "values")
        mapping = f.obj(values, values_path)
        for ref, number in mapping.items():
            if number is not None and (isinstance(number, bool) or not isinstance(number, int | float)):
                raise f.fail(f.join(values_path, ref), f"expected a number, got {f.type_name(number)}")
        if mapping:
            rendered = json.dumps(mapping, sort_keys=True)
            extras["values"] = f.text(rendered, values_path, max_bytes=f.MAX_ANNOTATION_BYTES)
    value_string = f.optional_text(item, "valueString", path)
    if value_string:
        extras["value_string"] = value_string
    return extras


source = BuiltinSource(
    name=NAME,
    description="Grafana unified alerting webhook contact point",
    normaliser=normalise,
)

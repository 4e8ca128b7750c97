"""The alert item shared by Alertmanager (webhook v4) and Grafana unified alerting.

Both send ``{"alerts": [{status, labels, annotations, startsAt, endsAt, generatorURL, fingerprint}]}``;
the two modules differ only in their envelope and extras, so the item is parsed here once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from autoheal.domain.alerts import Alert, AlertStatus
from autoheal.sources import _fields as f
from autoheal.sources.rules import LabelRules

_STATUSES = {"firing": AlertStatus.FIRING, "resolved": AlertStatus.RESOLVED}


def status(value: Any, path: str) -> AlertStatus:
    raw = f.text(value, path)
    found = _STATUSES.get(raw.strip().lower())
    if found is None:
        raise f.fail(path, f"unknown status {raw[:40]!r}; expected one of {sorted(_STATUSES)}")
    return found


def alerts_of(envelope: Mapping[str, Any]) -> list[Any]:
    return f.array(f.required(envelope, "alerts", ""), "alerts")


def parse_item(
    item: Any,
    path: str,
    *,
    source: str,
    rules: LabelRules,
    extra_annotations: Mapping[str, str] | None = None,
) -> Alert:
    alert = f.obj(item, path)
    alert_status = status(f.required(alert, "status", path), f.join(path, "status"))
    labels = f.string_map(alert.get("labels"), f.join(path, "labels"))
    if not labels.get("alertname", "").strip():
        raise f.fail(f.join(path, "labels.alertname"), "missing (every alert needs a name)")
    annotations = f.string_map(
        alert.get("annotations"), f.join(path, "annotations"), max_bytes=f.MAX_ANNOTATION_BYTES
    )
    for key, value in (extra_annotations or {}).items():
        annotations.setdefault(key, value)

    starts_at = f.rfc3339(f.required(alert, "startsAt", path), f.join(path, "startsAt"))
    assert starts_at is not None
    ends_path = f.join(path, "endsAt")
    raw_end = alert.get("endsAt")
    ends_at = None if raw_end in (None, "") else f.rfc3339(raw_end, ends_path, zero_is_none=True)
    if alert_status is AlertStatus.RESOLVED and ends_at is None:
        raise f.fail(ends_path, "missing (a resolved alert needs its end time)")
    f.check_order(starts_at, ends_at, ends_path)

    name = labels["alertname"]
    raw_fp = alert.get("fingerprint")
    fingerprint = (
        f.stable_fingerprint(source, name, labels)
        if raw_fp in (None, "")
        else f.fingerprint_text(raw_fp, f.join(path, "fingerprint"))
    )
    return Alert(
        source=source,
        fingerprint=fingerprint,
        status=alert_status,
        name=name,
        starts_at=starts_at,
        labels=labels,
        annotations=annotations,
        service=rules.service_for(labels),
        severity=rules.severity_for(labels),
        ends_at=ends_at,
        generator_url=f.optional_text(alert, "generatorURL", path),
    )

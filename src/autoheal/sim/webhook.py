"""Alertmanager webhook (version 4) payloads for simulated alerts, byte-for-byte in the real shape.

Fingerprints are computed as Alertmanager computes them (FNV-1a 64 over the sorted label pairs,
each name and value followed by the 0xff separator byte), so a simulated alert and a real one
with the same labels share their fingerprint.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote_plus

from autoheal.sim.alerts import SimAlert

_FNV_OFFSET = 0xCBF29CE484222325
_FNV_PRIME = 0x100000001B3
_ZERO_TIME = "0001-01-01T00:00:00Z"
EXTERNAL_URL = "http://alertmanager.sim.local:9093"
PROMETHEUS_URL = "http://prometheus.sim.local:9090"
GROUP_BY = ("alertname", "service")


def fingerprint(labels: dict[str, str]) -> str:
    h = _FNV_OFFSET
    for name in sorted(labels):
        for part in (name, labels[name]):
            for byte in part.encode("utf-8") + b"\xff":
                h ^= byte
                h = (h * _FNV_PRIME) & 0xFFFFFFFFFFFFFFFF
    return f"{h:016x}"


def am_time(when: datetime) -> str:
    text = when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]
    return text.rstrip("0").rstrip(".") + "Z"  # Go's RFC3339Nano drops trailing zeros


def generator_url(expr: str) -> str:
    return f"{PROMETHEUS_URL}/graph?g0.expr={quote_plus(expr)}&g0.tab=1"


@dataclass(frozen=True)
class Delivery:
    """One POST of a webhook payload at a simulated time; ``redelivery`` marks duplicates."""

    at: datetime
    status: str
    alert_index: int
    payload: dict[str, Any]
    redelivery: bool = False

    def body(self) -> bytes:
        return json.dumps(self.payload, separators=(",", ":")).encode()


def payload(alert: SimAlert, status: str) -> dict[str, Any]:
    item = {
        "status": status,
        "labels": dict(alert.labels),
        "annotations": dict(alert.annotations),
        "startsAt": am_time(alert.starts_at),
        "endsAt": am_time(alert.ends_at) if status == "resolved" and alert.ends_at else _ZERO_TIME,
        "generatorURL": generator_url(alert.expr),
        "fingerprint": fingerprint(alert.labels),
    }
    group = {k: alert.labels[k] for k in GROUP_BY if k in alert.labels}
    key = ", ".join(f'{k}="{v}"' for k, v in group.items())
    return {
        "receiver": "autoheal",
        "status": status,
        "alerts": [item],
        "groupLabels": group,
        "commonLabels": dict(alert.labels),
        "commonAnnotations": dict(alert.annotations),
        "externalURL": EXTERNAL_URL,
        "version": "4",
        "groupKey": "{}:{" + key + "}",
        "truncatedAlerts": 0,
    }


def deliveries(alerts: list[SimAlert], group_wait: float = 10.0) -> list[Delivery]:
    """Firing and resolved notifications in time order (group_wait after each transition)."""
    out: list[Delivery] = []
    wait = timedelta(seconds=group_wait)
    for i, alert in enumerate(alerts):
        out.append(Delivery(alert.starts_at + wait, "firing", i, payload(alert, "firing")))
        if alert.ends_at is not None:
            out.append(Delivery(alert.ends_at + wait, "resolved", i, payload(alert, "resolved")))
    out.sort(key=lambda d: (d.at, d.status != "resolved", d.alert_index))
    return out

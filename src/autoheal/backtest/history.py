"""Alert histories to replay: the documented JSON Lines export, and Alertmanager's API.

**JSON Lines export** (one delivery per line, in the order and at the time it arrived)::

    {"at": "2026-01-06T09:12:00Z", "source": "alertmanager", "payload": {...}, "outcome": "noise"}

* ``at`` — when the sender posted it (RFC 3339 with a time zone);
* ``source`` — the webhook source it arrived on (``alertmanager``, ``grafana``, ``datadog``,
  ``pagerduty``, ``generic``); default ``alertmanager``;
* ``payload`` — the body exactly as the sender posted it;
* ``outcome`` (optional) — what the alerts of this delivery turned out to be when a human looked:
  ``actionable`` or ``noise``. Backtest compares its verdicts with it.

Blank lines and lines starting with ``#`` are skipped; any other malformed line is an
:class:`~autoheal.errors.InputError` naming the line.

**Alertmanager API** (``GET /api/v2/alerts``): the alerts Alertmanager holds now. It keeps no
history of resolved alerts, so each alert becomes one firing delivery at its ``startsAt``, in the
webhook shape Alertmanager itself would have posted (version 4, one alert per delivery).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from autoheal.clock import parse_duration
from autoheal.errors import InputError

OUTCOMES = ("actionable", "noise")


@dataclass(frozen=True)
class Delivery:
    at: datetime
    source: str
    payload: Mapping[str, Any]
    outcome: str | None = None

    def body(self) -> bytes:
        return json.dumps(self.payload, separators=(",", ":")).encode()


def _time(value: Any, where: str) -> datetime:
    if not isinstance(value, str):
        raise InputError(f"{where}: 'at' must be an RFC 3339 time string, got {value!r}")
    try:
        at = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise InputError(f"{where}: 'at' is not an RFC 3339 time: {value!r}") from exc
    if at.tzinfo is None:
        raise InputError(f"{where}: 'at' needs a time zone (Z or +hh:mm): {value!r}")
    return at


def parse_line(raw: Mapping[str, Any], where: str) -> Delivery:
    if not isinstance(raw, Mapping):
        raise InputError(f"{where}: expected a JSON object, got {type(raw).__name__}")
    unknown = set(raw) - {"at", "source", "payload", "outcome"}
    if unknown:
        raise InputError(f"{where}: unknown keys {sorted(unknown)} (at, source, payload, outcome)")
    payload = raw.get("payload")
    if not isinstance(payload, Mapping):
        raise InputError(f"{where}: 'payload' must be the JSON object the sender posted")
    source = raw.get("source", "alertmanager")
    if not isinstance(source, str) or not source:
        raise InputError(f"{where}: 'source' must be a source name such as 'alertmanager'")
    outcome = raw.get("outcome")
    if outcome is not None and outcome not in OUTCOMES:
        raise InputError(f"{where}: 'outcome' must be one of {', '.join(OUTCOMES)}, got {outcome!r}")
    return Delivery(_time(raw.get("at"), where), source, payload, outcome)


def read_jsonl(lines: Iterable[str], name: str = "history") -> list[Delivery]:
    out = []
    for number, line in enumerate(lines, 1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        try:
            raw = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"{name} line {number}: not JSON ({exc.msg} at column {exc.colno})") from exc
        out.append(parse_line(raw, f"{name} line {number}"))
    return sorted(out, key=lambda d: d.at)


def read_history(path: Path) -> list[Delivery]:
    """A JSON Lines export (``.jsonl``), or a JSON array of Alertmanager API alerts (``.json``)."""
    if not path.is_file():
        raise InputError(f"{path}: no such file (give a JSON Lines export or an Alertmanager API dump)")
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".json" and text.lstrip().startswith("["):
        try:
            alerts = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}: not JSON ({exc.msg} at line {exc.lineno})") from exc
        return from_api_alerts(alerts, str(path))
    return read_jsonl(text.splitlines(), str(path))


def from_api_alerts(alerts: Any, where: str = "alertmanager") -> list[Delivery]:
    """``GET /api/v2/alerts`` items as the firing webhook deliveries Alertmanager would have sent."""
    if not isinstance(alerts, list):
        raise InputError(f"{where}: expected the JSON array GET /api/v2/alerts returns")
    out = []
    for i, item in enumerate(alerts):
        if not isinstance(item, Mapping) or not isinstance(item.get("labels"), Mapping):
            raise InputError(f"{where}: alert {i} has no labels object")
        at = _time(item.get("startsAt"), f"{where}: alert {i} startsAt")
        labels = dict(item["labels"])
        alert = {
            "status": "firing",
            "labels": labels,
            "annotations": dict(item.get("annotations") or {}),
            "startsAt": item["startsAt"],
            "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": item.get("generatorURL", ""),
            "fingerprint": item.get("fingerprint", ""),
        }
        group = {k: labels[k] for k in ("alertname",) if k in labels}
        body = {
            "receiver": "autoheal-backtest",
            "status": "firing",
            "alerts": [alert],
            "groupLabels": group,
            "commonLabels": labels,
            "commonAnnotations": alert["annotations"],
            "externalURL": "",
            "version": "4",
            "groupKey": "{}:{" + ", ".join(f'{k}="{v}"' for k, v in group.items()) + "}",
            "truncatedAlerts": 0,
        }
        out.append(Delivery(at, "alertmanager", body))
    return sorted(out, key=lambda d: d.at)


def fetch_alertmanager(url: str, client: httpx.Client | None = None) -> list[Delivery]:
    own = client is None
    client = client or httpx.Client(timeout=10.0)
    try:
        response = client.get(url.rstrip("/") + "/api/v2/alerts")
        response.raise_for_status()
        alerts = response.json()
    except httpx.HTTPError as exc:
        raise InputError(f"could not read {url}/api/v2/alerts: {exc}") from exc
    finally:
        if own:
            client.close()
    return from_api_alerts(alerts, url)


def since(deliveries: list[Delivery], window: timedelta | None, now: datetime) -> list[Delivery]:
    if window is None:
        return deliveries
    start = now - window
    return [d for d in deliveries if d.at >= start]


def parse_window(text: str | None) -> timedelta | None:
    """``30d``, ``12h``, ``90m`` (any Prometheus duration) -> a timedelta (None for None)."""
    if text is None:
        return None
    try:
        window = parse_duration(text)
    except ValueError as exc:
        raise InputError(f"--since: {exc}") from None
    if window <= timedelta(0):
        raise InputError(f"--since {text!r}: the window must be longer than zero")
    return window

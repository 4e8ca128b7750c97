"""A stream of real-format Alertmanager webhooks from N concurrent senders, for the durability test
and ``benchmarks/ingest.py``. Every alert has a distinct fingerprint, so what was acknowledged can be
checked against the database afterwards.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import text

from autoheal.store.db import create_db_engine

GO_ZERO_TIME = "0001-01-01T00:00:00Z"  # Alertmanager's endsAt for a firing alert


def fingerprint(sender: int, seq: int, index: int, run: str = "") -> str:
    return hashlib.sha256(f"{run}/{sender}/{seq}/{index}".encode()).hexdigest()[:16]


def alertmanager_payload(
    sender: int, seq: int, alerts: int, *, run: str = "", now: datetime | None = None
) -> tuple[dict[str, Any], list[str]]:
    """One webhook v4 body with ``alerts`` firing alerts of one group (as Alertmanager 0.25 sends)."""
    now = now or datetime.now(UTC)
    service = f"svc-{sender % 7}"
    group = {"alertname": "LoadTestHighLatency", "service": service}
    items: list[dict[str, Any]] = []
    prints: list[str] = []
    for index in range(alerts):
        fp = fingerprint(sender, seq, index, run)
        labels = {
            **group,
            "instance": f"10.0.{sender % 250}.{index % 250}:9100",
            "job": "loadtest",
            "pod": f"{service}-{seq:06d}-{index:03d}",
            "severity": "critical" if index % 3 == 0 else "warning",
        }
        items.append(
            {
                "status": "firing",
                "labels": labels,
                "annotations": {"summary": f"p99 latency above 500ms on {labels['instance']}"},
                "startsAt": now.isoformat().replace("+00:00", "Z"),
                "endsAt": GO_ZERO_TIME,
                "generatorURL": "http://127.0.0.1:9090/graph?g0.expr=latency_p99+%3E+0.5&g0.tab=1",
                "fingerprint": fp,
            }
        )
        prints.append(fp)
    payload = {
        "receiver": "autoheal",
        "status": "firing",
        "alerts": items,
        "groupLabels": group,
        "commonLabels": {**group, "job": "loadtest"},
        "commonAnnotations": {},
        "externalURL": "http://127.0.0.1:9093",
        "version": "4",
        "groupKey": f'{{}}:{{alertname="LoadTestHighLatency", service="{service}"}}',
        "truncatedAlerts": 0,
    }
    return payload, prints


@dataclass(frozen=True)
class Delivery:
    sender: int
    seq: int
    fingerprints: tuple[str, ...]
    status: int | None  # HTTP status, None when the request failed (connection refused, reset...)
    latency_s: float
    error: str | None = None

    @property
    def acknowledged(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


@dataclass
class Progress:
    """Updated by the senders as they go; safe to read from another thread."""

    sent: int = 0
    acknowledged_alerts: int = 0
    failed: int = 0
    deliveries: list[Delivery] = field(default_factory=list)


async def send_stream(
    url: str | Sequence[str],
    *,
    headers: dict[str, str],
    senders: int,
    payloads_per_sender: int,
    alerts_per_payload: int,
    duration_s: float | None = None,
    run: str = "",
    stop_on_error: bool = False,
    progress: Progress | None = None,
    clock: Callable[[], float] = time.perf_counter,
) -> Progress:
    """``senders`` concurrent tasks, each POSTing up to ``payloads_per_sender`` payloads in sequence
    (stopping early after ``duration_s`` seconds, or at its first failure with ``stop_on_error``).
    Several ``url``s: sender ``n`` posts to ``url[n % len(url)]`` (a round-robin load balancer)."""
    urls = [url] if isinstance(url, str) else list(url)
    progress = progress or Progress()
    deadline = clock() + duration_s if duration_s is not None else None
    limits = httpx.Limits(max_connections=senders, max_keepalive_connections=senders)
    async with httpx.AsyncClient(headers=headers, timeout=30.0, limits=limits) as client:

        async def sender(number: int) -> None:
            for seq in range(payloads_per_sender):
                if deadline is not None and clock() >= deadline:
                    return
                body, prints = alertmanager_payload(number, seq, alerts_per_payload, run=run)
                started = clock()
                try:
                    response = await client.post(urls[number % len(urls)], json=body)
                    delivery = Delivery(number, seq, tuple(prints), response.status_code, clock() - started)
                except httpx.HTTPError as exc:
                    delivery = Delivery(
                        number, seq, tuple(prints), None, clock() - started, f"{type(exc).__name__}: {exc}"
                    )
                progress.sent += 1
                progress.deliveries.append(delivery)
                if delivery.acknowledged:
                    progress.acknowledged_alerts += len(prints)
                else:
                    progress.failed += 1
                    if stop_on_error:
                        return

        await asyncio.gather(*(sender(n) for n in range(senders)))
    return progress


def stored_fingerprints(db_url: str, source: str = "alertmanager") -> set[str]:
    """Fingerprints of ``source`` alerts in the database, read directly (not through the API)."""
    engine = create_db_engine(db_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT fingerprint FROM alerts WHERE source = :s"), {"s": source})
            return {row[0] for row in rows}
    finally:
        engine.dispose()


def follow_up_counts(db_url: str) -> dict[str, int]:
    """What the server's follow-up jobs wrote (triage verdicts, investigations), read directly: a
    throughput figure means little if triage fell behind while it was measured."""
    engine = create_db_engine(db_url)
    try:
        with engine.connect() as conn:
            return {
                table: int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())
                for table in ("alert_groups", "triage_verdicts", "investigations")
            }
    finally:
        engine.dispose()


def lost_alerts(deliveries: list[Delivery], stored: set[str]) -> set[str]:
    """Acknowledged fingerprints missing from the database: must always be empty."""
    acknowledged = {fp for d in deliveries if d.acknowledged for fp in d.fingerprints}
    return acknowledged - stored

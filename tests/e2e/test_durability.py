"""``kill -9`` of ``autoheal serve`` in the middle of a stream of webhooks loses nothing that was
acknowledged: a 2xx is only sent after the alert is committed. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid

import httpx
import pytest

from autoheal.servers.webhook_load import (
    Progress,
    alertmanager_payload,
    lost_alerts,
    send_stream,
    stored_fingerprints,
)
from tests.e2e.conftest import AutohealFactory

pytestmark = pytest.mark.slow

TOKEN = "durability-token"
CONFIG = f"""\
sources:
  alertmanager:
    auth: {{type: bearer, token: "{TOKEN}"}}
"""
HEADERS = {"Authorization": f"Bearer {TOKEN}"}
SENDERS = 8
ALERTS_PER_PAYLOAD = 5
KILL_AFTER_ALERTS = 300  # acknowledged alerts before the kill


def test_kill_9_loses_nothing_acknowledged(db_url: str, autoheal_factory: AutohealFactory) -> None:
    server = autoheal_factory(config=CONFIG, db_url=db_url)
    url = f"{server.url}/api/v1/alerts/alertmanager"
    run = uuid.uuid4().hex[:8]
    progress = Progress()
    crashed: list[BaseException] = []

    def stream() -> None:
        try:
            asyncio.run(
                send_stream(
                    url,
                    headers=HEADERS,
                    senders=SENDERS,
                    payloads_per_sender=2_000,  # far more than can be sent before the kill
                    alerts_per_payload=ALERTS_PER_PAYLOAD,
                    run=run,
                    stop_on_error=True,
                    progress=progress,
                )
            )
        except BaseException as exc:  # surfaced in the test thread below
            crashed.append(exc)

    senders = threading.Thread(target=stream, name="senders", daemon=True)
    senders.start()
    deadline = time.monotonic() + 60
    while progress.acknowledged_alerts < KILL_AFTER_ALERTS and senders.is_alive():
        assert time.monotonic() < deadline, f"only {progress.acknowledged_alerts} alerts acknowledged in 60 s"
        time.sleep(0.01)
    assert not crashed, crashed
    assert progress.failed == 0, progress.deliveries[-1]

    server.kill()  # SIGKILL with requests in flight
    senders.join(timeout=60)
    assert not senders.is_alive()
    assert not crashed, crashed
    acknowledged = [d for d in progress.deliveries if d.acknowledged]
    failed = [d for d in progress.deliveries if not d.acknowledged]
    assert len(acknowledged) * ALERTS_PER_PAYLOAD >= KILL_AFTER_ALERTS
    assert failed, "the kill should have cut some senders off mid-stream"
    assert all(d.status is None for d in failed), "a refused request is not a crash: " + repr(failed[:3])

    restarted = autoheal_factory(config=CONFIG, db_url=db_url)
    stored = stored_fingerprints(db_url)
    assert lost_alerts(progress.deliveries, stored) == set()

    # What was not acknowledged is re-delivered (as Alertmanager retries); re-delivery is idempotent.
    with httpx.Client(base_url=restarted.url, headers=HEADERS, timeout=30) as client:
        for delivery in failed:
            body, _ = alertmanager_payload(delivery.sender, delivery.seq, ALERTS_PER_PAYLOAD, run=run)
            assert client.post("/api/v1/alerts/alertmanager", json=body).status_code == 200
        first = acknowledged[0]
        body, _ = alertmanager_payload(first.sender, first.seq, ALERTS_PER_PAYLOAD, run=run)
        assert client.post("/api/v1/alerts/alertmanager", json=body).status_code == 200
    everything = {fp for d in progress.deliveries for fp in d.fingerprints}
    assert stored_fingerprints(db_url) == everything
    token = restarted.create_token("viewer")
    listed = httpx.get(
        f"{restarted.url}/api/v1/alerts",
        params={"limit": 1000},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    ).json()["alerts"]
    assert min(len(everything), 1000) == len(listed)

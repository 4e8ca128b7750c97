"""Stateless API replicas: two ``autoheal serve`` processes on one PostgreSQL, the deliveries split
between them as a load balancer would, store what one server stores — deduplication, grouping
(also when both replicas create the same new group at once) and flapping — and procrastinate
triages every group once the jobs are in."""

from __future__ import annotations

import asyncio
import os
import time
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from autoheal.reasoning.store import TriageVerdictRow
from autoheal.servers import AutohealServer, Postgres
from autoheal.store.db import create_db_engine
from autoheal.store.models import AlertGroupRow, AlertRow
from tests.e2e.conftest import AutohealFactory
from tests.pipeline.conftest import am_payload

pytestmark = pytest.mark.slow

TOKEN = "replica-token"
CONFIG = f"""\
pipeline:
  queue: database
  workers: 1
sources:
  alertmanager:
    auth: {{type: bearer, token: "{TOKEN}"}}
"""
HEADERS = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}


def sequence() -> list[bytes]:
    """In order: a duplicate delivered three times, a group built over six payloads, an alert
    flapping (five changes)."""
    bodies = [am_payload({"fp": "dup-1", "labels": {"service": "cart"}}) for _ in range(3)]
    bodies += [
        am_payload({"fp": f"grp-{n}", "name": "HighLatency", "labels": {"service": "checkout"}})
        for n in range(6)
    ]
    for n in range(5):
        status = "firing" if n % 2 == 0 else "resolved"
        bodies.append(
            am_payload({"fp": "flap-1", "name": "Flappy", "labels": {"service": "db"}, "status": status})
        )
    return bodies


def burst() -> list[bytes]:
    """Twenty payloads of one new group, sent at once (the replicas race to create the group)."""
    return [
        am_payload({"fp": f"burst-{n}", "name": "Storm", "labels": {"service": "payments"}})
        for n in range(20)
    ]


async def send_burst(urls: list[str], bodies: list[bytes]) -> list[int]:
    async with httpx.AsyncClient(headers=HEADERS, timeout=60) as client:
        responses = await asyncio.gather(
            *(client.post(urls[i % len(urls)], content=body) for i, body in enumerate(bodies))
        )
    return [r.status_code for r in responses]


def run(servers: list[AutohealServer]) -> None:
    urls = [f"{s.url}/api/v1/alerts/alertmanager" for s in servers]
    for i, body in enumerate(sequence()):
        r = httpx.post(urls[i % len(urls)], content=body, headers=HEADERS, timeout=60)
        assert r.status_code == 200, r.text
    assert asyncio.run(send_burst(urls, burst())) == [200] * 20


def snapshot(db_url: str) -> dict[str, Any]:
    """What ingest stored, without ids or times; waits until every group has a triage verdict."""
    engine = create_db_engine(db_url)
    try:
        with Session(engine) as s:
            groups = {g.id: g for g in s.scalars(select(AlertGroupRow))}
            alerts = {
                a.fingerprint: (a.status, a.flapping, a.transitions, a.deliveries, groups[a.group_id].key)
                for a in s.scalars(select(AlertRow))
                if a.group_id is not None
            }
            deadline = time.monotonic() + 120
            triaged: set[str] = set()
            while time.monotonic() < deadline:
                triaged = {v.group_key for v in s.scalars(select(TriageVerdictRow))}
                if triaged >= {g.key for g in groups.values()}:
                    break
                time.sleep(0.5)
                s.expire_all()
            return {
                "alerts": alerts,
                "groups": sorted((g.key, g.status) for g in groups.values()),
                "triaged": sorted(triaged),
            }
    finally:
        engine.dispose()


def test_two_replicas_store_what_one_server_stores(
    postgres_server: Postgres, autoheal_factory: AutohealFactory
) -> None:
    names = [f"replicas_{os.getpid()}_{n}" for n in ("one", "two")]
    one_url, two_url = (postgres_server.create_database(name) for name in names)
    run([autoheal_factory(config=CONFIG, db_url=one_url)])
    replicas = [autoheal_factory(config=CONFIG, db_url=two_url)]  # the first one migrates
    replicas.append(autoheal_factory(config=CONFIG, db_url=two_url))
    run(replicas)
    one, two = snapshot(one_url), snapshot(two_url)
    alerts = one["alerts"]
    assert alerts["dup-1"][3] == 3  # one row, three deliveries
    assert len({alerts[f"grp-{n}"][4] for n in range(6)}) == 1  # one group
    assert alerts["flap-1"][1] is True and alerts["flap-1"][2] == 4  # flapping after four changes
    assert len({alerts[f"burst-{n}"][4] for n in range(20)}) == 1
    assert one["triaged"] == sorted(key for key, _ in one["groups"])  # every group was triaged
    assert two == one

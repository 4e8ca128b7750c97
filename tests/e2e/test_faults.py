"""Faults with real processes: PostgreSQL restarted under load behind a real ``autoheal serve``.

While the database is down the server answers 503 with ``Retry-After`` (nothing stored, the sender
retries); when it is back the server recovers by itself (no restart of Autoheal), and every alert
it acknowledged is stored: sent = acknowledged (after retries) = stored."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from autoheal.servers import Postgres, ServerUnavailable
from autoheal.store.db import create_db_engine, migrate
from autoheal.store.models import AlertRow
from tests.e2e.conftest import AutohealFactory
from tests.pipeline.conftest import am_payload

pytestmark = [pytest.mark.slow, pytest.mark.realservice]

TOKEN = "faults-token"
CONFIG = f"""\
sources:
  alertmanager:
    auth: {{type: bearer, token: "{TOKEN}"}}
"""
HEADERS = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}


@pytest.fixture
def own_postgres(tmp_path: Path) -> Iterator[Postgres]:
    """A PostgreSQL of this test alone (the session's is shared and must not be restarted)."""
    try:
        server = Postgres.start(tmp_path / "pg")
    except ServerUnavailable as exc:
        pytest.fail(str(exc), pytrace=False)
    yield server
    server.stop()


def test_postgres_restart_under_load_answers_503_and_loses_nothing(
    own_postgres: Postgres, autoheal_factory: AutohealFactory
) -> None:
    url = own_postgres.database_url("autoheal")
    engine = create_db_engine(url)
    migrate(engine)
    engine.dispose()
    server = autoheal_factory(config=CONFIG, db_url=url)
    run = uuid.uuid4().hex[:6]
    acknowledged: set[str] = set()
    sent: set[str] = set()
    unavailable: list[httpx.Response] = []
    other: list[str] = []
    stop = threading.Event()

    def sender(n: int) -> None:
        with httpx.Client(base_url=server.url, timeout=15.0) as client:
            seq = 0
            while not stop.is_set():
                fp = f"{run}-{n}-{seq}"
                seq += 1
                sent.add(fp)
                body = am_payload({"fp": fp, "labels": {"service": f"svc{n}", "severity": "warning"}})
                while True:  # as Alertmanager does: a 5xx or a lost connection is retried
                    try:
                        r = client.post("/api/v1/alerts/alertmanager", content=body, headers=HEADERS)
                    except httpx.HTTPError as exc:
                        other.append(type(exc).__name__)
                        time.sleep(0.2)
                        continue
                    if r.status_code == 200:
                        acknowledged.add(fp)
                        break
                    if r.status_code == 503:
                        unavailable.append(r)
                        time.sleep(0.2)  # the test does not wait Retry-After's 5 s
                        continue
                    other.append(f"{r.status_code} {r.text[:200]}")
                    break
                time.sleep(0.01)

    threads = [threading.Thread(target=sender, args=(n,), daemon=True) for n in range(3)]
    for t in threads:
        t.start()
    try:
        deadline = time.monotonic() + 30
        while len(acknowledged) < 30 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(acknowledged) >= 30, f"no load before the restart: {other[:5]}"
        own_postgres.halt()
        down = time.monotonic()
        while not unavailable and time.monotonic() - down < 20:
            time.sleep(0.1)
        before_resume = len(acknowledged)
        time.sleep(1.0)
        assert unavailable, f"no 503 while the database was down: {other[:5]}"
        own_postgres.resume()
        up = time.monotonic()
        while len(acknowledged) < before_resume + 30 and time.monotonic() - up < 30:
            time.sleep(0.1)
        assert len(acknowledged) >= before_resume + 30, "the server did not recover by itself"
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=30)
    first = unavailable[0]
    assert first.headers.get("Retry-After") == "5"
    assert first.headers["content-type"].startswith("application/problem+json")
    assert "could not be stored" in first.json()["detail"]
    assert not [o for o in other if o[:1].isdigit()], other[:5]  # no 500, no 4xx: only 503s
    engine = create_db_engine(url)
    try:
        with Session(engine) as s:
            stored = set(s.scalars(select(AlertRow.fingerprint).where(AlertRow.fingerprint.like(f"{run}-%"))))
            count = s.scalar(select(func.count()).select_from(AlertRow))
    finally:
        engine.dispose()
    assert acknowledged <= stored, f"acknowledged but lost: {sorted(acknowledged - stored)[:5]}"
    assert sent == acknowledged == stored and count == len(stored)
    print(
        f"faults: sent {len(sent)} acknowledged {len(acknowledged)} stored {len(stored)} 503s {len(unavailable)}"
    )
    assert server.running

"""kill -9 of an ``autoheal worker`` subprocess mid-investigation and mid-page; another worker
takes the job over. SQLite (the ``jobs`` table's lease) and PostgreSQL (procrastinate: the dead
worker's heartbeat stops, ``autoheal.retry_stalled`` puts its job back).

The moment of the kill is not a sleep: mid-investigation, the worker is inside a metrics query
that ``StallingPrometheus`` holds; mid-page, PagerDuty (the in-repo fake, served over HTTP) has
received and processed the trigger and holds back its answer. Then: the job resumes on the second
worker and finishes, the report is written once, PagerDuty has one alert for the incident (its
dedup key), the timeline one ``page_sent``, and alerts sent = acknowledged = stored."""

from __future__ import annotations

import signal
import subprocess
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from autoheal.incidents.paging.fakes import FakePagerDuty
from autoheal.incidents.store import IncidentEventRow, PageRow
from autoheal.reasoning.store import InvestigationEventRow, InvestigationRow, TriageVerdictRow
from autoheal.servers.autoheal import AutohealServer, autoheal_command
from autoheal.store.db import create_db_engine
from autoheal.store.models import AlertRow
from tests.e2e.conftest import AutohealFactory
from tests.e2e.support import StallingPrometheus, poll
from tests.pipeline.conftest import am_payload
from tests.pipeline.jobrows import job_rows

pytestmark = pytest.mark.slow

TOKEN = "kill-token"
ROUTING_KEY = "R" + "0123456789abcdef0123456789abcd"  # 32 characters, as PagerDuty's
LEASE = 4  # pipeline.job_lease_seconds / stalled_worker_seconds: how soon a dead worker's job moves


def _config(prometheus: str, pagerduty: str) -> str:
    return f"""\
pipeline:
  queue: database
  workers: 0
  hold_seconds: 0
  job_lease_seconds: {LEASE}
  stalled_worker_seconds: {LEASE}
tools:
  prometheus: {{url: "{prometheus}", timeout: 300}}
incidents:
  paging:
    provider: pagerduty
    claim_seconds: 3
    pagerduty: {{routing_key: "{ROUTING_KEY}", url: "{pagerduty}/v2/enqueue"}}
sources:
  alertmanager:
    auth: {{type: bearer, token: "{TOKEN}"}}
"""


class Workers:
    """``autoheal worker`` subprocesses on the server's database and configuration."""

    def __init__(self, server: AutohealServer, logs: Path) -> None:
        self.server, self.logs = server, logs
        self.started: list[subprocess.Popen[bytes]] = []

    def start(self) -> subprocess.Popen[bytes]:
        assert self.server.config_path is not None
        log = (self.logs / f"worker-{len(self.started)}.log").open("wb")
        process = subprocess.Popen(
            [
                *autoheal_command(),
                "worker",
                "--db",
                self.server.db_url,
                "--config",
                str(self.server.config_path),
                "--threads",
                "1",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=self.server.env,
        )
        self.started.append(process)
        return process

    def log(self, i: int) -> str:
        return (self.logs / f"worker-{i}.log").read_text(errors="replace")[-3000:]

    def stop(self) -> None:
        for process in self.started:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()


@pytest.fixture
def world(
    db_url: str, autoheal_factory: AutohealFactory, tmp_path: Path
) -> Iterator[tuple[AutohealServer, Workers, StallingPrometheus, FakePagerDuty]]:
    # triage reads metrics too: only a query made while an investigation runs is held (one worker
    # thread: a running investigation means that thread is inside it)
    prometheus = StallingPrometheus(stall_if=lambda: _running(db_url))
    pagerduty = FakePagerDuty(ROUTING_KEY)
    server = autoheal_factory(config=_config(prometheus.url, pagerduty.serve()), db_url=db_url)
    workers = Workers(server, tmp_path)
    try:
        yield server, workers, prometheus, pagerduty
    finally:
        workers.stop()
        prometheus.stop()
        pagerduty.close()


def _running(db_url: str) -> bool:
    engine = create_db_engine(db_url)
    try:
        with Session(engine) as s:
            return s.scalar(select(func.count()).where(InvestigationRow.status == "running")) > 0
    finally:
        engine.dispose()


def _send(server: AutohealServer, run: str) -> tuple[set[str], set[str]]:
    """Three deliveries of 4 critical alerts of one group; returns (sent, acknowledged)."""
    sent: set[str] = set()
    acknowledged: set[str] = set()
    now = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    for batch in range(3):
        alerts = [
            {
                "fp": f"{run}-{batch}-{i}",
                "name": "CheckoutErrorsHigh",
                "labels": {"service": "checkout", "severity": "critical", "instance": f"i{batch}{i}"},
                "startsAt": now,
            }
            for i in range(4)
        ]
        sent |= {a["fp"] for a in alerts}
        r = httpx.post(
            f"{server.url}/api/v1/alerts/alertmanager",
            content=am_payload(*alerts),
            headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"},
            timeout=30,
        )
        assert r.status_code == 200, r.text
        acknowledged |= {a["fp"] for a in alerts}
    return sent, acknowledged


def _state(db_url: str, run: str) -> dict[str, Any]:
    engine = create_db_engine(db_url)
    try:
        with Session(engine) as s:
            investigations = list(s.scalars(select(InvestigationRow).order_by(InvestigationRow.started_at)))
            return {
                "stored": set(
                    s.scalars(select(AlertRow.fingerprint).where(AlertRow.fingerprint.like(f"{run}-%")))
                ),
                "investigations": [(i.id, i.status, i.report is not None) for i in investigations],
                "reports": s.scalar(
                    select(func.count())
                    .select_from(InvestigationEventRow)
                    .where(InvestigationEventRow.kind == "report")
                ),
                "verdict_links": [v for v in s.scalars(select(TriageVerdictRow.investigation_id)) if v],
                "timeline": [
                    e.kind for e in s.scalars(select(IncidentEventRow).order_by(IncidentEventRow.id))
                ],
                "pages": [
                    (p.action, p.status, p.dedup_key) for p in s.scalars(select(PageRow).order_by(PageRow.id))
                ],
            }
    finally:
        engine.dispose()


def _engine_kind(db_url: str) -> str:
    return "procrastinate" if db_url.startswith("postgresql") else "table"


def _kill(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)


def _finished(db_url: str, run: str) -> dict[str, Any]:
    """Wait until no job is left to run and the page is sent; returns the final state."""

    def fetch() -> tuple[list[str], dict[str, Any]]:
        return [j.status for j in job_rows(db_url, _engine_kind(db_url))], _state(db_url, run)

    def done(seen: tuple[list[str], dict[str, Any]]) -> bool:
        statuses, state = seen
        return (
            bool(statuses)
            and all(s in ("done", "failed") for s in statuses)
            and any(p[1] == "sent" for p in state["pages"])
        )

    statuses, state = poll(fetch, done, timeout=150, what="the second worker to finish the jobs")
    assert set(statuses) == {"done"}, statuses
    return state


def test_kill_9_mid_investigation_the_next_worker_writes_the_report_once(
    world: tuple[AutohealServer, Workers, StallingPrometheus, FakePagerDuty], db_url: str
) -> None:
    server, workers, prometheus, pagerduty = world
    run = uuid.uuid4().hex[:8]
    sent, acknowledged = _send(server, run)

    first = workers.start()
    assert prometheus.stalled.wait(120), f"no metrics query from the worker: {workers.log(0)}"
    before = _state(db_url, run)
    assert [i[1] for i in before["investigations"]] == ["running"], (before, prometheus.requests)
    _kill(first)
    prometheus.release()

    workers.start()
    state = _finished(db_url, run)

    statuses = [i[1] for i in state["investigations"]]
    assert statuses == ["failed", "finished"], state  # the cut-off attempt is not left "running"
    cut_off, finished = state["investigations"]
    assert cut_off[0] == before["investigations"][0][0] and finished[2]
    assert state["reports"] == 1  # the report is written once
    assert finished[0] in state["verdict_links"] and cut_off[0] not in state["verdict_links"]
    assert state["timeline"].count("investigation_finding") == 1
    assert state["timeline"].count("page_sent") == 1
    triggers = pagerduty.accepted("trigger")
    assert len(triggers) == 1 and len(pagerduty.alerts) == 1, pagerduty.calls  # the page: once
    assert sent == acknowledged == state["stored"] and len(sent) == 12
    print(
        f"kill -9 mid-investigation ({_engine_kind(db_url)}): sent {len(sent)} acknowledged "
        f"{len(acknowledged)} stored {len(state['stored'])}; investigations {statuses}, reports "
        f"{state['reports']}; PagerDuty calls {len(pagerduty.calls)}, alerts {len(pagerduty.alerts)}"
    )


def test_kill_9_mid_page_the_next_worker_pages_once_with_the_same_dedup_key(
    world: tuple[AutohealServer, Workers, StallingPrometheus, FakePagerDuty], db_url: str
) -> None:
    server, workers, prometheus, pagerduty = world
    prometheus.release()  # metrics answer at once; PagerDuty holds back its first answer
    pagerduty.stall(1)
    run = uuid.uuid4().hex[:8]
    sent, acknowledged = _send(server, run)

    first = workers.start()
    assert pagerduty.stalled.wait(120), f"no page from the worker: {workers.log(0)}"
    before = _state(db_url, run)
    assert [i[1] for i in before["investigations"]] == ["finished"] and before["reports"] == 1, before
    assert [p[1] for p in before["pages"]] == ["sending"], before  # PagerDuty has it, we do not know
    _kill(first)

    workers.start()
    state = _finished(db_url, run)

    assert [i[1] for i in state["investigations"]] == ["finished"], state  # not investigated again
    assert state["reports"] == 1
    assert state["timeline"].count("investigation_finding") == 1
    assert state["timeline"].count("page_sent") == 1
    [(action, status, key)] = state["pages"]
    assert (action, status) == ("trigger", "sent")
    calls = [c["body"] for c in pagerduty.calls]
    assert [c["dedup_key"] for c in calls] == [key, key] and pagerduty.hung == 1  # resent, same key
    assert list(pagerduty.alerts) == [key] and pagerduty.alerts[key]["status"] == "triggered"
    assert sent == acknowledged == state["stored"] and len(sent) == 12
    print(
        f"kill -9 mid-page ({_engine_kind(db_url)}): sent {len(sent)} acknowledged {len(acknowledged)} "
        f"stored {len(state['stored'])}; PagerDuty calls {len(calls)} with dedup key {key}, alerts "
        f"{len(pagerduty.alerts)}; page_sent {state['timeline'].count('page_sent')}"
    )

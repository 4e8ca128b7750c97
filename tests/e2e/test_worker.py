"""Teams mode: ``autoheal serve`` with no job workers of its own and a separate
``autoheal worker`` process share the database-backed queue (procrastinate on PostgreSQL); the server is killed with -9 right
after acknowledging, and the worker still triages the alert. SQLite and PostgreSQL."""

from __future__ import annotations

import signal
import subprocess
import time

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from autoheal.reasoning.store import TriageVerdictRow
from autoheal.servers.autoheal import autoheal_command
from autoheal.store.db import create_db_engine
from tests.e2e.conftest import AutohealFactory
from tests.pipeline.conftest import am_payload
from tests.pipeline.jobrows import job_rows

pytestmark = pytest.mark.slow

TOKEN = "worker-token"
CONFIG = f"""\
pipeline:
  queue: database
  workers: 0
sources:
  alertmanager:
    auth: {{type: bearer, token: "{TOKEN}"}}
"""


def test_worker_process_runs_jobs_the_killed_server_acknowledged(
    db_url: str, autoheal_factory: AutohealFactory
) -> None:
    server = autoheal_factory(config=CONFIG, db_url=db_url)
    body = am_payload({"fp": "w1", "labels": {"service": "checkout", "severity": "warning"}})
    r = httpx.post(
        f"{server.url}/api/v1/alerts/alertmanager",
        content=body,
        headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"},
    )
    assert r.status_code == 200, r.text
    server.kill()

    engine = create_db_engine(db_url)
    engine_kind = "procrastinate" if db_url.startswith("postgresql") else "table"  # pipeline.queue: database
    assert [(j.kind, j.status) for j in job_rows(db_url, engine_kind)] == [("triage", "queued")]
    assert server.config_path is not None
    worker = subprocess.Popen(
        [
            *autoheal_command(),
            "worker",
            "--db",
            db_url,
            "--config",
            str(server.config_path),
            "--threads",
            "1",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        verdicts: list[TriageVerdictRow] = []
        while not verdicts and time.monotonic() < deadline and worker.poll() is None:
            time.sleep(0.2)
            with Session(engine) as s:
                verdicts = list(s.scalars(select(TriageVerdictRow)))
        assert verdicts, f"no verdict; worker exit {worker.poll()}"
        status: list[str] = []
        while status != ["done"] and time.monotonic() < deadline:  # marked done after its verdict
            status = [j.status for j in job_rows(db_url, engine_kind) if j.kind == "triage"]
            time.sleep(0.1)
        assert status == ["done"]
    finally:
        worker.send_signal(signal.SIGTERM)
        out, err = worker.communicate(timeout=30)
        engine.dispose()
    assert worker.returncode == 0, err[-2000:]
    assert "autoheal worker: 1 thread(s)" in out and TOKEN not in out + err

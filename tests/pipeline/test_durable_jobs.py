"""The durable job queues: jobs commit with the work that asked for them, survive a restart, are
retried, and are never run twice by concurrent workers. The hand-written ``jobs`` table on SQLite
and PostgreSQL, procrastinate on PostgreSQL (``job_engine``); ``pipeline.queue: database`` picks
procrastinate on PostgreSQL."""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import UTC, datetime

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from autoheal.app import Autoheal
from autoheal.clock import ManualClock, SystemClock
from autoheal.config import Settings
from autoheal.jobs import InProcessQueue, Job
from autoheal.jobs.durable import DONE, FAILED, QUEUED, RUNNING, DatabaseQueue
from autoheal.jobs.procrastinate_queue import ProcrastinateQueue
from autoheal.jobs.scheduled import ScheduledJobRow
from autoheal.jobs.store import JobRow
from autoheal.reasoning import store as rstore
from autoheal.store.db import create_db_engine
from tests.pipeline.conftest import am_payload
from tests.pipeline.jobrows import job_rows, queue_factory

T0 = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def settings(db_url: str, workers: int) -> Settings:
    return Settings.model_validate(
        {
            "database": {"url": db_url},
            "pipeline": {"queue": "database", "workers": workers},
            "sources": {"alertmanager": {"auth": {"type": "bearer", "token": "t0ken"}}},
        }
    )


def jobs(db_url: str) -> list[JobRow]:
    engine = create_db_engine(db_url)
    try:
        with Session(engine) as s:
            return list(s.scalars(select(JobRow).order_by(JobRow.id)))
    finally:
        engine.dispose()


def test_triage_job_commits_with_the_alert_and_runs_after_a_restart(db_url: str) -> None:
    clock = ManualClock(T0)
    # a server with no job workers of its own: the job waits in the table (as after a crash)
    server = Autoheal.create(settings(db_url, workers=0), clock=clock)
    engine_kind = "procrastinate" if db_url.startswith("postgresql") else "table"
    assert isinstance(server.jobs, ProcrastinateQueue if engine_kind == "procrastinate" else DatabaseQueue)
    server.ingestor.ingest("alertmanager", am_payload({"fp": "d1", "labels": {"service": "checkout"}}))
    assert not server.jobs.drain(0.1)
    server.close()
    [job] = job_rows(db_url, engine_kind)
    assert (job.kind, job.status, job.attempts) == ("triage", QUEUED, 0)

    worker = Autoheal.create(settings(db_url, workers=1), clock=clock)
    try:
        assert worker.jobs.drain(30)
        with worker.sessions() as s:
            verdict = s.scalars(select(rstore.TriageVerdictRow)).one()
        assert verdict.group_key and verdict.kind in {"signal", "noise", "duplicate", "known_issue"}
        done = job_rows(db_url, engine_kind)
        assert done[0].status == DONE and done[0].attempts == 1
        if verdict.kind == "signal":  # the verdict and its investigation job committed together
            with worker.sessions() as s:  # held (pipeline.hold_seconds: the alert fired a minute ago)
                held = [r.kind for r in s.scalars(select(ScheduledJobRow))]
            assert [j.kind for j in done] + held == ["triage", "investigate"] and held == ["investigate"]
    finally:
        worker.close()


def test_rollback_drops_the_jobs_of_the_transaction(db_url: str, job_engine: str) -> None:
    engine = create_db_engine(db_url)
    durable = queue_factory(job_engine, ManualClock(T0))(engine)
    memory = InProcessQueue(workers=1)
    ran: list[str] = []
    memory.register("k", lambda job: ran.append(str(job.payload["n"])))
    try:
        with Session(engine) as s:
            durable.enqueue(s, "k", {"n": 1})
            memory.enqueue(s, "k", {"n": 1})
            s.rollback()
        with Session(engine) as s:
            durable.enqueue(s, "k", {"n": 2})
            memory.enqueue(s, "k", {"n": 2})
            assert ran == []  # nothing runs before the commit
            assert job_rows(db_url, job_engine) == []  # another connection sees no job yet
            s.commit()
        assert memory.drain(5)
        assert ran == ["2"]
        assert [(j.kind, j.payload) for j in job_rows(db_url, job_engine)] == [("k", {"n": 2})]
    finally:
        memory.close()
        durable.close()
        engine.dispose()


def test_failed_jobs_are_retried_then_kept_with_their_error(db_url: str) -> None:
    engine = create_db_engine(db_url)
    clock = ManualClock(T0)
    queue = DatabaseQueue(engine, workers=0, clock=clock, retry_seconds=30, max_attempts=3)
    calls: Counter[str] = Counter()

    def flaky(job: Job) -> None:
        calls[job.kind] += 1
        if job.kind == "broken" or calls[job.kind] < 2:
            raise RuntimeError(f"{job.kind} attempt {calls[job.kind]}")

    queue.register("flaky", flaky)
    queue.register("broken", flaky)
    try:
        queue.submit("flaky", {})
        queue.submit("broken", {})
        assert queue.run_once() and queue.run_once()  # both fail once
        assert not queue.run_once()  # not before the retry delay
        clock.advance(31)
        assert queue.run_once() and queue.run_once()  # flaky succeeds, broken fails again
        clock.advance(61)
        assert queue.run_once() and not queue.run_once()
        flaky_row, broken_row = jobs(db_url)
        assert (flaky_row.status, flaky_row.attempts, flaky_row.error) == (DONE, 2, None)
        assert (broken_row.status, broken_row.attempts) == (FAILED, 3)
        assert broken_row.error == "RuntimeError: broken attempt 3"
    finally:
        queue.close()
        engine.dispose()


def test_a_dead_workers_job_is_claimed_again_when_its_lease_ends(db_url: str) -> None:
    engine = create_db_engine(db_url)
    clock = ManualClock(T0)
    dead = DatabaseQueue(engine, workers=0, clock=clock, lease_seconds=60, name="dead")
    alive = DatabaseQueue(engine, workers=0, clock=clock, lease_seconds=60, name="alive")
    ran: list[str] = []
    for q in (dead, alive):
        q.register("k", lambda job: ran.append(job.id))
    try:
        dead.submit("k", {})
        assert dead._claim() is not None  # claimed, then the process died before finishing
        assert not alive.run_once()
        clock.advance(61)
        assert alive.run_once()
        [row] = jobs(db_url)
        assert (row.status, row.attempts, row.claimed_by) == (DONE, 2, "alive") and len(ran) == 1
    finally:
        engine.dispose()


def test_concurrent_workers_run_each_job_exactly_once(db_url: str, job_engine: str) -> None:
    engine = create_db_engine(db_url)
    seen: Counter[str] = Counter()
    lock = threading.Lock()

    def handler(job: Job) -> None:
        with lock:
            seen[str(job.payload["n"])] += 1

    make = queue_factory(job_engine, SystemClock())
    queues = [make(engine, workers=2, name=f"w{i}") for i in range(2)]
    try:
        for q in queues:
            q.register("k", handler)
        for n in range(120):
            queues[n % 2].submit("k", {"n": n})
        assert queues[0].drain(60)
        assert len(seen) == 120 and set(seen.values()) == {1}
        assert {j.status for j in job_rows(db_url, job_engine)} == {DONE}
    finally:
        for q in queues:
            q.close()
        engine.dispose()


def test_memory_queue_needs_workers() -> None:
    with pytest.raises(ValueError, match=r"pipeline\.queue: database"):
        Settings.model_validate({"pipeline": {"workers": 0}})
    assert Settings.model_validate({}).pipeline.queue == "memory"


def test_closing_the_app_leaves_queued_jobs_in_the_table(db_url: str) -> None:
    """A stopping server finishes the job in hand and leaves the rest for any worker (it does not
    wait for the whole queue, which other processes share)."""
    started = threading.Event()
    release = threading.Event()

    def slow(job: Job) -> None:
        started.set()
        release.wait(5)

    app = Autoheal.create(settings(db_url, workers=1), clock=ManualClock(T0))
    try:
        app.jobs.register("k", slow)
        for n in range(4):
            app.jobs.submit("k", {"n": n})
        assert started.wait(10)
        closing = threading.Thread(target=app.close)
        closing.start()
        time.sleep(0.2)  # the stop is set before the job in hand ends
        release.set()
        closing.join(10)
        assert not closing.is_alive()
        engine_kind = "procrastinate" if db_url.startswith("postgresql") else "table"
        statuses = Counter(j.status for j in job_rows(db_url, engine_kind) if j.kind == "k")
        assert statuses[DONE] >= 1 and statuses[QUEUED] >= 1
    finally:
        release.set()


def test_an_identical_waiting_job_is_not_written_twice(db_url: str) -> None:
    """In a storm every payload asks for its group's triage: while one is waiting, no second row
    is written (it reads the newest alerts when it runs); once it was claimed, a new one is."""
    engine = create_db_engine(db_url)
    durable = DatabaseQueue(engine, workers=0, clock=ManualClock(T0))
    ran: list[int] = []
    durable.register("triage", lambda job: ran.append(int(job.payload["group_id"])))
    try:
        for _ in range(3):
            with Session(engine) as s:
                durable.enqueue(s, "triage", {"group_id": 1})
                s.commit()
        with Session(engine) as s:
            durable.enqueue(s, "triage", {"group_id": 2})
            s.commit()
        assert durable.submit("triage", {"group_id": 1}).id == "job-1"
        assert [(j.kind, j.payload, j.status) for j in jobs(db_url)] == [
            ("triage", {"group_id": 1}, QUEUED),
            ("triage", {"group_id": 2}, QUEUED),
        ]
        assert durable.run_once()  # group 1's triage ran: the next request is new work
        with Session(engine) as s:
            durable.enqueue(s, "triage", {"group_id": 1})
            s.commit()
        assert [j.status for j in jobs(db_url)] == [DONE, QUEUED, QUEUED]
        assert ran == [1]
    finally:
        durable.close()
        engine.dispose()


def test_an_identical_waiting_procrastinate_job_is_deferred_once(postgres_db: str) -> None:
    """procrastinate's queueing lock is the job's identity: while a triage waits, the same request
    writes nothing (in the caller's transaction, the refused twin does not abort it); once the
    job runs, the next request is new work."""
    engine = create_db_engine(postgres_db)
    started, release = threading.Event(), threading.Event()
    ran: list[int] = []

    def triage(job: Job) -> None:
        ran.append(int(job.payload["group_id"]))
        started.set()
        release.wait(10)

    deferrer = ProcrastinateQueue(engine, workers=0)
    worker = ProcrastinateQueue(engine, workers=1, poll_seconds=0.2)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE marks (n integer)"))
    try:
        for n in range(3):
            with Session(engine) as s:
                deferrer.enqueue(s, "triage", {"group_id": 1})
                s.execute(text("INSERT INTO marks VALUES (:n)"), {"n": n})
                s.commit()  # the transaction still commits its own rows
        first = deferrer.submit("triage", {"group_id": 1})
        deferrer.submit("triage", {"group_id": 2})
        rows = job_rows(postgres_db, "procrastinate")
        assert [(r.payload, r.status) for r in rows] == [({"group_id": 1}, QUEUED), ({"group_id": 2}, QUEUED)]
        assert first.id == f"job-{rows[0].id}"
        with Session(engine) as s:
            assert s.execute(text("SELECT count(*) FROM marks")).scalar_one() == 3
        worker.register("triage", triage)
        assert started.wait(20)  # group 1's triage runs: a new request is queued behind it
        with Session(engine) as s:
            deferrer.enqueue(s, "triage", {"group_id": 1})
            s.commit()
        statuses = [(r.payload["group_id"], r.status) for r in job_rows(postgres_db, "procrastinate")]
        assert statuses[0] == (1, RUNNING) and statuses[-1] == (1, QUEUED) and len(statuses) == 3
        release.set()
        assert worker.drain(30)
        assert sorted(ran) == [1, 1, 2]
    finally:
        release.set()
        worker.close()
        engine.dispose()


def test_failed_procrastinate_jobs_are_retried_then_kept_failed(postgres_db: str) -> None:
    engine = create_db_engine(postgres_db)
    queue = ProcrastinateQueue(engine, workers=1, retry_seconds=0, max_attempts=3, poll_seconds=0.2)
    calls: Counter[str] = Counter()

    def flaky(job: Job) -> None:
        calls[job.kind] += 1
        if job.kind == "broken" or calls[job.kind] < 2:
            raise RuntimeError(f"{job.kind} attempt {calls[job.kind]}")

    queue.register("flaky", flaky)
    queue.register("broken", flaky)
    try:
        queue.submit("flaky", {})
        queue.submit("broken", {})
        assert queue.drain(60)
        rows = {r.kind: r for r in job_rows(postgres_db, "procrastinate")}
        assert (rows["flaky"].status, calls["flaky"]) == (DONE, 2)
        assert (rows["broken"].status, calls["broken"]) == (FAILED, 3)
    finally:
        queue.close()
        engine.dispose()


def test_a_stalled_workers_procrastinate_job_runs_again(postgres_db: str) -> None:
    """A worker that died mid-job (its heartbeat stopped) leaves the job ``doing``; the periodic
    ``autoheal.retry_stalled`` puts it back and a live worker runs it (at least once)."""
    engine = create_db_engine(postgres_db)
    deferrer = ProcrastinateQueue(engine, workers=0)
    deferrer.submit("k", {"n": 1})
    with engine.begin() as conn:  # what a kill -9 mid-job leaves behind
        dead = conn.execute(
            text(
                "INSERT INTO procrastinate_workers (last_heartbeat) VALUES (now() - interval '1 hour') RETURNING id"
            )
        ).scalar_one()
        conn.execute(text("UPDATE procrastinate_jobs SET status = 'doing', worker_id = :w"), {"w": dead})
    ran: list[int] = []
    alive = ProcrastinateQueue(
        engine, workers=1, stalled_seconds=30, stalled_check_seconds=1, poll_seconds=0.2
    )
    alive.register("k", lambda job: ran.append(int(job.payload["n"])))
    try:
        assert alive.drain(30)
        [row] = job_rows(postgres_db, "procrastinate")
        assert (row.status, ran) == (DONE, [1])
    finally:
        alive.close()
        engine.dispose()

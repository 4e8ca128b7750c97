"""``DatabaseQueue``: jobs in the ``jobs`` table, so follow-up work survives a crash and any
number of processes (``autoheal serve``, ``autoheal worker``) can share it.

* ``enqueue(session, kind, payload)`` writes the job in the caller's transaction: the ingest
  writer stores an alert and its triage job in one commit, triage stores a verdict and its
  investigation job in one commit. ``submit`` writes it in a transaction of its own.
* A worker claims the oldest runnable job of a kind it handles with one ``UPDATE ... WHERE id =
  (SELECT ... FOR UPDATE SKIP LOCKED) RETURNING`` (PostgreSQL: concurrent workers never claim the
  same job; SQLite serialises writers and ignores the locking clause). Claiming sets ``run_after``
  to the end of a lease; a job whose worker died is claimed again once its lease ends, so a job
  runs at least once (handlers must tolerate a repeat: a repeated triage adds a second verdict).
* A job identical to one still waiting (same kind and payload, queued and never attempted) is
  not written again: handlers read the current state when they run, so the waiting job does the
  work of both (an alert storm asks for its group's triage with every payload). Two transactions
  that write the same job at once may both write it: the repeat is harmless.
* A failed job is retried after ``retry_seconds * attempt`` until ``max_attempts``, then kept as
  ``failed`` with its error; finished jobs stay as ``done`` (``prune`` removes old ones).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, and_, delete, func, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from autoheal.clock import Clock, SystemClock
from autoheal.jobs.queue import Job, JobObserver, _Base, after_commit, identity
from autoheal.jobs.store import JobRow

log = logging.getLogger(__name__)

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"


class DatabaseQueue(_Base):
    def __init__(
        self,
        engine: Engine,
        *,
        workers: int = 1,
        clock: Clock | None = None,
        observer: JobObserver | None = None,
        poll_seconds: float = 1.0,
        lease_seconds: float = 900.0,
        retry_seconds: float = 30.0,
        max_attempts: int = 3,
        name: str | None = None,
    ) -> None:
        super().__init__(observer)
        self._engine = engine
        self._clock = clock or SystemClock()
        self._poll = poll_seconds
        self._lease = timedelta(seconds=lease_seconds)
        self._retry = timedelta(seconds=retry_seconds)
        self._max_attempts = max_attempts
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._workers = workers
        self._threads: list[threading.Thread] = []

    # -- submitting -----------------------------------------------------------------------
    def submit(self, kind: str, payload: Mapping[str, Any]) -> Job:
        with Session(self._engine) as session:
            row = self._waiting(session, kind, payload)
            if row is None:
                row = self._row(kind, payload)
                session.add(row)
                session.commit()
            job = Job(id=f"job-{row.id}", kind=kind, payload=dict(payload))
        self._wake.set()
        return job

    def enqueue(self, session: Session, kind: str, payload: Mapping[str, Any]) -> None:
        if self._waiting(session, kind, payload) is None:
            session.add(self._row(kind, payload))
        after_commit(session, self, lambda _jobs: self._wake.set()).append((kind, dict(payload)))

    def _waiting(self, session: Session, kind: str, payload: Mapping[str, Any]) -> JobRow | None:
        """An identical job that is queued and was never attempted (module docstring)."""
        return session.scalars(
            select(JobRow)
            .where(JobRow.identity == identity(kind, payload), JobRow.status == QUEUED, JobRow.attempts == 0)
            .limit(1)
        ).first()

    def _row(self, kind: str, payload: Mapping[str, Any]) -> JobRow:
        now = self._clock.now()
        return JobRow(
            kind=kind,
            payload=dict(payload),
            identity=identity(kind, payload),
            status=QUEUED,
            attempts=0,
            created_at=now,
            run_after=now,
        )

    # -- working --------------------------------------------------------------------------
    def start(self) -> None:
        """Start the worker threads (once handlers are registered)."""
        if self._threads:
            return
        for i in range(self._workers):
            thread = threading.Thread(target=self._loop, name=f"autoheal-dbjob-{i}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def register(self, kind: str, handler: Any) -> None:
        super().register(kind, handler)
        self.start()

    def run_once(self) -> bool:
        """Claim and run one job; False when nothing was runnable."""
        claimed = self._claim()
        if claimed is None:
            return False
        job, attempts = claimed
        error = self._execute(job)
        self._finish(job, attempts, error)
        return True

    def _claim(self) -> tuple[Job, int] | None:
        kinds = sorted(self._handlers)
        if not kinds:
            return None
        now = self._clock.now()
        runnable = (
            select(JobRow.id)
            .where(JobRow.kind.in_(kinds), JobRow.status.in_((QUEUED, RUNNING)), JobRow.run_after <= now)
            .order_by(JobRow.id)
            .limit(1)
            .with_for_update(skip_locked=True)
            .scalar_subquery()
        )
        claim = (
            update(JobRow)
            .where(JobRow.id == runnable)
            .values(
                status=RUNNING,
                attempts=JobRow.attempts + 1,
                claimed_by=self.name,
                run_after=now + self._lease,
            )
            .returning(JobRow.id, JobRow.kind, JobRow.payload, JobRow.attempts)
        )
        try:
            with self._engine.begin() as conn:
                row = conn.execute(claim).first()
        except OperationalError as exc:  # SQLite busy beyond its timeout: try again later
            log.warning("claiming a job failed: %s", exc)
            return None
        if row is None:
            return None
        return Job(id=f"job-{row.id}", kind=row.kind, payload=dict(row.payload)), int(row.attempts)

    def _finish(self, job: Job, attempts: int, error: str | None) -> None:
        now = self._clock.now()
        job_id = int(job.id.removeprefix("job-"))
        if error is None:
            values: dict[str, Any] = {"status": DONE, "finished_at": now, "error": None}
        elif attempts < self._max_attempts:
            values = {"status": QUEUED, "run_after": now + self._retry * attempts, "error": error[:2000]}
        else:
            values = {"status": FAILED, "finished_at": now, "error": error[:2000]}
        with self._engine.begin() as conn:
            conn.execute(
                update(JobRow).where(JobRow.id == job_id, JobRow.claimed_by == self.name).values(**values)
            )

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                if self.run_once():
                    continue
            except Exception:  # the database went away: keep the worker alive and retry
                log.exception("job worker %s", self.name)
            self._wake.wait(self._poll)
            self._wake.clear()

    # -- lifecycle ------------------------------------------------------------------------
    def counts(self) -> dict[str, int]:
        with self._engine.connect() as conn:
            rows = conn.execute(select(JobRow.status, func.count()).group_by(JobRow.status)).all()
        return {str(status): int(n) for status, n in rows}

    def drain(self, timeout: float = 30.0) -> bool:
        """Wait until no job is queued or running (in any process); a queue without worker
        threads of its own answers at once (the jobs wait in the table for a worker)."""
        deadline = time.monotonic() + timeout
        while True:
            counts = self.counts()
            if not counts.get(QUEUED) and not counts.get(RUNNING):
                return True
            if not self._threads:
                return False
            if time.monotonic() >= deadline:
                return False
            self._wake.set()
            time.sleep(0.05)

    def prune(self, older_than: timedelta) -> int:
        """Delete finished (done) jobs older than ``older_than``; failed ones are kept."""
        cutoff = self._clock.now() - older_than
        with self._engine.begin() as conn:
            result = conn.execute(
                delete(JobRow).where(and_(JobRow.status == DONE, JobRow.finished_at < cutoff))
            )
        return int(result.rowcount or 0)

    def close(self) -> None:
        self._stop.set()
        self._wake.set()
        for thread in self._threads:
            thread.join(10)
        self._threads.clear()


__all__ = ["DONE", "FAILED", "QUEUED", "RUNNING", "DatabaseQueue"]

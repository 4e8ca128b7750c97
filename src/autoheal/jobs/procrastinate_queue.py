"""``ProcrastinateQueue``: follow-up jobs on PostgreSQL run on procrastinate, a maintained job engine
(LISTEN/NOTIFY wake-ups, retries, worker heartbeats, periodic tasks, an admin CLI). The tables are
procrastinate's own (``procrastinate_jobs`` …), created by the Alembic branch ``procrastinate``.

The guarantees are those of the hand-written ``DatabaseQueue`` (jobs/durable.py):

* ``enqueue(session, kind, payload)`` inserts the job through the psycopg connection *of the
  caller's transaction* (procrastinate's ``configure(connection=...)``): the ingest writer commits
  an alert and its triage job together, or neither. ``submit`` uses a transaction of its own.
* At least once: a job whose worker died (no heartbeat for ``stalled_seconds``,
  ``pipeline.stalled_worker_seconds``) is put back by the periodic task ``autoheal.retry_stalled``
  (every 15 s, or a third of a shorter timeout); handlers tolerate a repeat.
* An identical waiting job is queued once: each job's ``queueing_lock`` is its identity (kind and
  payload digest, ``jobs.queue.identity``), and procrastinate's unique index allows one waiting
  (``todo``) job per lock. Inside the caller's transaction the insert runs in a savepoint, so a
  refused twin never aborts the alert's commit.
* A failed job is retried after ``retry_seconds * attempt`` until ``max_attempts`` runs, then kept
  as ``failed``; finished jobs stay as ``succeeded`` (``prune`` removes old ones).

Every process runs one task, ``autoheal.job(kind, payload)``, which dispatches to the handler
registered for ``kind`` (every Autoheal process registers the same ones); each kind is its own
procrastinate queue, so ``procrastinate`` admin commands list jobs per kind. The worker (an asyncio
loop in a thread; synchronous handlers run in procrastinate's thread pool, ``workers`` at a time)
starts with the first ``register``; ``workers=0`` makes a process that only defers jobs.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import procrastinate
from procrastinate import exceptions as pexc
from procrastinate.jobs import Status
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from autoheal.jobs.queue import Job, JobObserver, _Base, identity

log = logging.getLogger(__name__)

TASK = "autoheal.job"
WAITING, RUNNING = ("todo",), ("doing",)


class JobFailed(Exception):
    """A handler failed (the message is what ``_execute`` reported); procrastinate retries it."""


def conninfo(engine: Engine) -> str:
    """The libpq connection string of ``engine`` (a ``postgresql+psycopg`` SQLAlchemy URL)."""
    return engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


class ProcrastinateQueue(_Base):
    def __init__(
        self,
        engine: Engine,
        *,
        workers: int = 1,
        observer: JobObserver | None = None,
        retry_seconds: int = 30,
        max_attempts: int = 3,
        stalled_seconds: float = 60.0,
        stalled_check_seconds: int | None = None,
        poll_seconds: float = 5.0,
        name: str | None = None,
    ) -> None:
        super().__init__(observer)
        if engine.dialect.name != "postgresql":
            raise ValueError("procrastinate needs PostgreSQL; SQLite uses the in-process or table queue")
        self._engine = engine
        self._workers = workers
        self._stalled = stalled_seconds
        # how often the stalled-job check runs: every 15 s, or a third of a shorter timeout
        check = stalled_check_seconds or int(min(15.0, max(1.0, stalled_seconds / 3)))
        self._stalled_cron = f"* * * * * */{max(1, min(check, 59))}"
        self._poll = poll_seconds
        self.name = name or "autoheal"
        retry = procrastinate.RetryStrategy(
            max_attempts=max(max_attempts - 1, 0), wait=retry_seconds, linear_wait=retry_seconds
        )
        # Deferring goes through SQLAlchemy's connections (the caller's transaction); this app's
        # connector is never opened. The worker has its own app with an asyncio pool (start()).
        self._defer_app = procrastinate.App(connector=procrastinate.SyncPsycopgConnector())
        self._retry = retry
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[Any] | None = None
        self._ready = threading.Event()

    # -- submitting -----------------------------------------------------------------------
    def enqueue(self, session: Session, kind: str, payload: Mapping[str, Any]) -> None:
        """Defer the job in ``session``'s transaction (committed or rolled back with it)."""
        lock = identity(kind, payload)
        if self._waiting(session, lock) is not None:
            return
        try:
            with session.begin_nested():  # a savepoint: a twin deferred meanwhile undoes only this
                self._defer(session.connection().connection.driver_connection, kind, payload, lock)
        except pexc.AlreadyEnqueued:
            pass  # the twin committed first: it does the work of both

    def submit(self, kind: str, payload: Mapping[str, Any]) -> Job:
        lock = identity(kind, payload)
        with Session(self._engine) as session:
            twin = self._waiting(session, lock)
            if twin is None:
                connection = session.connection().connection.driver_connection
                try:
                    job_id = self._defer(connection, kind, payload, lock)
                    session.commit()
                except pexc.AlreadyEnqueued:
                    session.rollback()
                    job_id = self._waiting(session, lock) or 0
            else:
                job_id = twin
        return Job(id=f"job-{job_id}", kind=kind, payload=dict(payload))

    def _defer(self, connection: Any, kind: str, payload: Mapping[str, Any], lock: str) -> int:
        deferrer = self._defer_app.configure_task(TASK, queue=kind, queueing_lock=lock, connection=connection)
        return deferrer.defer(kind=kind, payload=dict(payload))

    @staticmethod
    def _waiting(session: Session, lock: str) -> int | None:
        row = session.execute(
            text("SELECT id FROM procrastinate_jobs WHERE queueing_lock = :lock AND status = 'todo'"),
            {"lock": lock},
        ).first()
        return int(row[0]) if row else None

    # -- working --------------------------------------------------------------------------
    def register(self, kind: str, handler: Any) -> None:
        super().register(kind, handler)
        self.start()

    def start(self) -> None:
        """Start this process's worker (``workers`` jobs at a time), once."""
        if self._thread is not None or self._workers <= 0:
            return
        self._thread = threading.Thread(target=self._serve, name="autoheal-procrastinate", daemon=True)
        self._thread.start()
        if not self._ready.wait(30):
            log.warning("the procrastinate worker did not start within 30 s")

    def _worker_app(self) -> procrastinate.App:
        if logging.getLogger().getEffectiveLevel() > logging.DEBUG:  # two INFO lines per job otherwise
            logging.getLogger("procrastinate").setLevel(logging.WARNING)
        app = procrastinate.App(
            connector=procrastinate.PsycopgConnector(
                conninfo=conninfo(self._engine), min_size=1, max_size=self._workers + 3
            )
        )

        @app.task(name=TASK, pass_context=True, retry=self._retry)
        def run(context: procrastinate.JobContext, kind: str, payload: dict[str, Any]) -> None:
            job = Job(id=f"job-{context.job.id}", kind=kind, payload=payload)
            if kind not in self._handlers:
                raise JobFailed(f"no handler for job kind {kind!r} in this process")
            error = self._execute(job)
            if error is not None:
                raise JobFailed(error)

        @app.periodic(cron=self._stalled_cron, periodic_id="stalled")
        @app.task(name="autoheal.retry_stalled", queueing_lock="autoheal.retry_stalled", queue="autoheal")
        async def retry_stalled(timestamp: int) -> None:
            await self._retry_stalled(app)

        return app

    async def _retry_stalled(self, app: procrastinate.App) -> int:
        """Put back the jobs of workers whose heartbeat stopped (a killed process)."""
        stalled = await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=self._stalled)
        for job in stalled:
            try:
                await app.job_manager.retry_job(job)
            except pexc.ConnectorException:  # an identical job is waiting: it does this one's work
                await app.job_manager.finish_job(job, status=Status.FAILED, delete_job=False)
            log.warning("job %s of a stalled worker was put back", job.id)
        return len(list(stalled))

    def _serve(self) -> None:
        app = self._worker_app()

        async def main() -> None:
            self._loop = asyncio.get_running_loop()
            async with app.open_async():
                self._task = asyncio.current_task()
                self._ready.set()
                with contextlib.suppress(asyncio.CancelledError):  # close(): a graceful stop
                    await app.run_worker_async(
                        concurrency=self._workers,
                        name=self.name,
                        install_signal_handlers=False,
                        fetch_job_polling_interval=self._poll,
                        update_heartbeat_interval=min(10.0, self._stalled / 3),
                        stalled_worker_timeout=self._stalled,
                    )

        try:
            asyncio.run(main())
        except Exception:
            log.exception("the procrastinate worker stopped")
        finally:
            self._ready.set()

    # -- lifecycle ------------------------------------------------------------------------
    def counts(self) -> dict[str, int]:
        with self._engine.connect() as conn:
            rows = conn.execute(text("SELECT status, count(*) FROM procrastinate_jobs GROUP BY status")).all()
        return {str(status): int(n) for status, n in rows}

    def drain(self, timeout: float = 30.0) -> bool:
        """Wait until no job is waiting or running (in any process); a queue without a worker of
        its own answers at once (the jobs wait for another process's worker)."""
        deadline = time.monotonic() + timeout
        while True:
            counts = self.counts()
            if not any(counts.get(s) for s in (*WAITING, *RUNNING)):
                return True
            if self._thread is None or time.monotonic() >= deadline:
                return False
            time.sleep(0.05)

    def prune(self, older_than: timedelta) -> int:
        """Delete succeeded jobs finished more than ``older_than`` ago; failed ones are kept."""
        with self._engine.begin() as conn:
            result = conn.execute(
                text(
                    "DELETE FROM procrastinate_jobs WHERE status = 'succeeded' AND id IN ("
                    " SELECT job_id FROM procrastinate_events WHERE type = 'succeeded'"
                    " AND at < now() - make_interval(secs => :secs))"
                ),
                {"secs": older_than.total_seconds()},
            )
        return int(result.rowcount or 0)

    def close(self) -> None:
        """Stop the worker after the jobs in hand; waiting jobs stay for any worker."""
        loop, task, thread = self._loop, self._task, self._thread
        if loop is not None and task is not None and not loop.is_closed():
            loop.call_soon_threadsafe(task.cancel)
        if thread is not None:
            thread.join(30)
        self._thread = None


__all__ = ["TASK", "ProcrastinateQueue", "conninfo"]

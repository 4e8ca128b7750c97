"""The job-queue interface and its in-process implementations."""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Job:
    id: str
    kind: str
    payload: Mapping[str, Any] = field(default_factory=dict)


JobHandler = Callable[[Job], None]
JobObserver = Callable[[Job, str, float], None]  # (job, "ok" | "failed" | "unhandled", seconds)


class JobQueue(Protocol):
    def register(self, kind: str, handler: JobHandler) -> None: ...

    def handles(self, kind: str) -> bool: ...

    def submit(self, kind: str, payload: Mapping[str, Any]) -> Job: ...

    def enqueue(self, session: Session, kind: str, payload: Mapping[str, Any]) -> None:
        """Submit the job if and when ``session``'s transaction commits (a durable queue writes
        it in that transaction, so committed work and its follow-up jobs land together)."""
        ...

    def drain(self, timeout: float = 30.0) -> bool:
        """Wait until every submitted job has run; True if drained within ``timeout``."""
        ...

    def close(self) -> None:
        """Stop the workers of this process after the jobs they hold (an in-memory queue also runs
        what is already queued; a durable queue leaves it in the database for any worker)."""
        ...


class _Base:
    def __init__(self, observer: JobObserver | None = None) -> None:
        self._handlers: dict[str, JobHandler] = {}
        self._ids = itertools.count(1)
        self._observer = observer

    def register(self, kind: str, handler: JobHandler) -> None:
        self._handlers[kind] = handler

    def handles(self, kind: str) -> bool:
        return kind in self._handlers

    def _new(self, kind: str, payload: Mapping[str, Any]) -> Job:
        return Job(id=f"job-{next(self._ids)}", kind=kind, payload=dict(payload))

    def enqueue(self, session: Session, kind: str, payload: Mapping[str, Any]) -> None:
        pending = after_commit(session, self, self._submit_all)
        pending.append((kind, dict(payload)))

    def _submit_all(self, jobs: list[tuple[str, dict[str, Any]]]) -> None:
        for kind, payload in jobs:
            try:
                self.submit(kind, payload)
            except Exception:  # the transaction has committed: a failed hand-off must not undo it
                log.exception("submitting a %s job after commit failed", kind)

    def submit(self, kind: str, payload: Mapping[str, Any]) -> Job:
        raise NotImplementedError

    def _execute(self, job: Job) -> str | None:
        """Run the job's handler; returns None when it succeeded, else what went wrong."""
        handler = self._handlers.get(job.kind)
        started = time.perf_counter()
        error: str | None = None
        if handler is None:
            log.warning("no handler for job kind %r; job %s dropped", job.kind, job.id)
            status, error = "unhandled", f"no handler for job kind {job.kind!r}"
        else:
            try:
                handler(job)
                status = "ok"
            except Exception as exc:
                log.exception("job %s (%s) failed", job.id, job.kind)
                status, error = "failed", f"{type(exc).__name__}: {exc}"
        if self._observer is not None:
            self._observer(job, status, time.perf_counter() - started)
        return error


def identity(kind: str, payload: Mapping[str, Any]) -> str:
    """What makes two jobs the same work: their kind and payload (a digest, 64 characters)."""
    text = kind + "\0" + json.dumps(payload, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


_PENDING = "autoheal.jobs.pending"


def after_commit(
    session: Session, queue: object, callback: Callable[[list[tuple[str, dict[str, Any]]]], None]
) -> list[tuple[str, dict[str, Any]]]:
    """``queue``'s list of jobs to hand to ``callback`` once ``session`` commits (dropped on
    rollback). The listeners are attached once per session and queue."""
    key = (_PENDING, id(queue))
    pending: list[tuple[str, dict[str, Any]]] | None = session.info.get(key)
    if pending is None:
        pending = session.info[key] = []
        jobs = pending

        def committed(_session: Session) -> None:
            ready = list(jobs)
            jobs.clear()
            if ready:
                callback(ready)

        event.listen(session, "after_commit", committed)
        event.listen(session, "after_rollback", lambda _session: jobs.clear())
    return pending


class InlineQueue(_Base):
    """Runs each job immediately in the submitting thread."""

    def submit(self, kind: str, payload: Mapping[str, Any]) -> Job:
        job = self._new(kind, payload)
        self._execute(job)
        return job

    def drain(self, timeout: float = 30.0) -> bool:
        return True

    def close(self) -> None:
        pass


class InProcessQueue(_Base):
    """Worker threads in this process. Jobs are not persisted: a crash loses queued work, never
    acknowledged alerts (those are committed before their jobs are submitted), and the triage of
    any group left untriaged can be re-requested.

    A job identical to one still waiting (same kind and payload, not started) is not queued again:
    handlers read the current state when they run (a group's triage reads every alert committed
    before it starts), so the waiting job does the work of both. In an alert storm every payload
    asks for its group's triage; without this, thousands of triages of the same few groups queued
    up behind each other. A job submitted while its twin runs is queued (the running one may have
    read the state before the new alert).

    ``repeat_share`` (kind -> fraction): a *repeat* of a kind — a job identical to one that started
    in the last ``REPEAT_WINDOW`` seconds — starts only once the last job of that kind has been
    followed by idle time in that proportion: after one that ran ``d`` seconds, a repeat waits until
    ``d * (1 / share - 1)`` has passed, so back-to-back repeats take at most ``share`` of a
    worker's time whatever their number. A job seen for the first time in the window (a new group's triage, an
    investigation) never waits, nor do the other waiting jobs behind a held repeat. During a storm
    a group's triage is requested by every payload and runs back to back; in the server's process
    it took half of the interpreter's time from the webhooks that acknowledge alerts (the GIL)."""

    REPEAT_WINDOW = 30.0

    def __init__(
        self,
        workers: int = 1,
        observer: JobObserver | None = None,
        *,
        repeat_share: Mapping[str, float] | None = None,
    ) -> None:
        super().__init__(observer)
        for kind, share in (repeat_share or {}).items():
            if not 0 < share <= 1:
                raise ValueError(f"repeat_share[{kind!r}] must be in (0, 1], got {share}")
        self._share = dict(repeat_share or {})
        self._closing = False
        self._pending = 0
        self._waiting: dict[str, Job] = {}  # identity -> job not started, in submission order
        self._started: dict[str, float] = {}  # identity -> when it last started (monotonic)
        self._next_repeat: dict[str, float] = {}  # kind -> when its next repeat may start
        self._pruned = time.monotonic()
        self._cond = threading.Condition()
        self._threads = [
            threading.Thread(target=self._loop, name=f"autoheal-job-{i}", daemon=True) for i in range(workers)
        ]
        for t in self._threads:
            t.start()

    def submit(self, kind: str, payload: Mapping[str, Any]) -> Job:
        key = identity(kind, payload)
        with self._cond:
            twin = self._waiting.get(key)
            if twin is not None:
                return twin
            job = self._waiting[key] = self._new(kind, payload)
            self._pending += 1
            self._cond.notify_all()  # drain() waits on the same condition
        return job

    def _take(self) -> Job | None:
        """The next job a worker may start, waiting for one; None once closing and nothing is
        left. Called with the condition held."""
        while True:
            now = time.monotonic()
            soonest: float | None = None
            for key, job in self._waiting.items():
                started = self._started.get(key)
                repeat = (
                    job.kind in self._share and started is not None and now - started < self.REPEAT_WINDOW
                )
                due = self._next_repeat.get(job.kind, 0.0) if repeat else 0.0
                if due <= now or self._closing:
                    del self._waiting[key]  # the loop ends here
                    self._started[key] = now
                    return job
                soonest = due if soonest is None else min(soonest, due)
            if self._closing and not self._waiting:
                return None
            self._cond.wait(None if soonest is None else soonest - now)

    def _loop(self) -> None:
        while True:
            with self._cond:
                job = self._take()
                horizon = time.monotonic() - self.REPEAT_WINDOW
                if self._pruned < horizon:  # forget identities that left the window
                    self._started = {k: t for k, t in self._started.items() if t >= horizon}
                    self._pruned = time.monotonic()
            if job is None:
                return
            began = time.monotonic()
            try:
                self._execute(job)
            finally:
                with self._cond:
                    share = self._share.get(job.kind)
                    if share is not None:
                        ran = time.monotonic() - began
                        self._next_repeat[job.kind] = time.monotonic() + ran * (1 / share - 1)
                    self._pending -= 1
                    self._cond.notify_all()

    def drain(self, timeout: float = 30.0) -> bool:
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._pending:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(remaining)
        return True

    def close(self, timeout: float = 10.0) -> None:
        """Run what is already queued (held repeats at once), then stop; gives up waiting after
        ``timeout`` seconds in all (the threads are daemons)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        for t in self._threads:
            t.join(max(0.0, deadline - time.monotonic()))

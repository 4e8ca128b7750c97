"""The job-queue interface and its in-process implementations."""

from __future__ import annotations

import itertools
import logging
import queue
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

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

    def drain(self, timeout: float = 30.0) -> bool:
        """Wait until every submitted job has run; True if drained within ``timeout``."""
        ...

    def close(self) -> None: ...


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

    def _execute(self, job: Job) -> None:
        handler = self._handlers.get(job.kind)
        started = time.perf_counter()
        if handler is None:
            log.warning("no handler for job kind %r; job %s dropped", job.kind, job.id)
            status = "unhandled"
        else:
            try:
                handler(job)
                status = "ok"
            except Exception:
                log.exception("job %s (%s) failed", job.id, job.kind)
                status = "failed"
        if self._observer is not None:
            self._observer(job, status, time.perf_counter() - started)


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
    any group left untriaged can be re-requested."""

    def __init__(self, workers: int = 1, observer: JobObserver | None = None) -> None:
        super().__init__(observer)
        self._queue: queue.Queue[Job | None] = queue.Queue()
        self._threads = [
            threading.Thread(target=self._loop, name=f"autoheal-job-{i}", daemon=True) for i in range(workers)
        ]
        self._pending = 0
        self._cond = threading.Condition()
        for t in self._threads:
            t.start()

    def submit(self, kind: str, payload: Mapping[str, Any]) -> Job:
        job = self._new(kind, payload)
        with self._cond:
            self._pending += 1
        self._queue.put(job)
        return job

    def _loop(self) -> None:
        while True:
            job = self._queue.get()
            if job is None:
                return
            try:
                self._execute(job)
            finally:
                with self._cond:
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

    def close(self) -> None:
        for _ in self._threads:
            self._queue.put(None)
        for t in self._threads:
            t.join(5)

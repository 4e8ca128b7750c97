"""What the job tables hold, the same shape for both durable engines: the ``jobs`` table
(jobs/durable.py) and procrastinate's ``procrastinate_jobs`` (jobs/procrastinate_queue.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from autoheal.clock import Clock
from autoheal.jobs.durable import DONE, FAILED, QUEUED, RUNNING, DatabaseQueue
from autoheal.jobs.procrastinate_queue import TASK, ProcrastinateQueue
from autoheal.jobs.store import JobRow
from autoheal.store.db import create_db_engine

ENGINES = ("table", "procrastinate")
STATUS = {"todo": QUEUED, "doing": RUNNING, "succeeded": DONE, "failed": FAILED}


@dataclass(frozen=True)
class Row:
    id: int
    kind: str
    payload: dict[str, Any]
    status: str
    attempts: int


def job_rows(db_url: str, engine_kind: str) -> list[Row]:
    engine = create_db_engine(db_url)
    try:
        if engine_kind == "procrastinate":
            with engine.connect() as conn:
                rows = conn.execute(
                    text(
                        "SELECT id, args, status, attempts FROM procrastinate_jobs"
                        " WHERE task_name = :task ORDER BY id"
                    ),
                    {"task": TASK},
                ).all()
            return [
                Row(r.id, r.args["kind"], r.args["payload"], STATUS[str(r.status)], r.attempts) for r in rows
            ]
        with Session(engine) as s:
            return [
                Row(j.id, j.kind, dict(j.payload), j.status, j.attempts)
                for j in s.scalars(select(JobRow).order_by(JobRow.id))
            ]
    finally:
        engine.dispose()


def queue_factory(engine_kind: str, clock: Clock) -> Callable[..., DatabaseQueue | ProcrastinateQueue]:
    """``make(engine, workers=..., name=...)`` for ``engine_kind``."""

    def make(engine: Engine, *, workers: int = 0, name: str | None = None, **kw: Any) -> Any:
        if engine_kind == "procrastinate":
            return ProcrastinateQueue(engine, workers=workers, name=name, **kw)
        kw.setdefault("poll_seconds", 0.05)
        return DatabaseQueue(engine, workers=workers, clock=clock, name=name, **kw)

    return make

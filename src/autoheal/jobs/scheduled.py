"""Jobs that wait for a time: the ``scheduled_jobs`` table (Alembic branch ``schedule``).

    schedule(session, kind, payload, due_at)  in the caller's transaction (lost only with it)
    release_due()                              every job due by the clock's now goes to the queue,
                                               its row deleted in the same transaction as the enqueue
    advance_to(clock, at)                      a manual clock (simulation, backtest) moved to ``at``
                                               through every due time on the way, releasing as a
                                               server's ticker would have
    (``autoheal.ticker.Ticker`` calls ``release_due`` every 5 s in ``autoheal serve`` and
    ``autoheal worker``: ``Autoheal.start_scheduler``)

Works with every queue (in-process, inline, database): a released job is handed over with
``JobQueue.enqueue`` inside the transaction that deletes its row, so a crash between the two loses
neither (a database queue commits both; a memory queue runs it after the commit, as for any other
job). Two processes releasing at once: the delete decides who hands it over.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Integer, String, delete, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from autoheal.clock import Clock, ManualClock, utc
from autoheal.jobs.queue import JobQueue
from autoheal.store.schema import Base

log = logging.getLogger(__name__)


class ScheduledJobRow(Base):
    __tablename__ = "scheduled_jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Scheduler:
    def __init__(self, sessions: sessionmaker[Session], jobs: JobQueue, clock: Clock) -> None:
        self.sessions, self.jobs, self.clock = sessions, jobs, clock
        self._lock = threading.Lock()

    def schedule(self, session: Session, kind: str, payload: Mapping[str, Any], due_at: datetime) -> None:
        """Queue ``kind`` at ``due_at``; committed (or rolled back) with ``session``."""
        if due_at.tzinfo is None:
            raise ValueError("a scheduled job's due time must be timezone-aware")
        session.add(
            ScheduledJobRow(kind=kind, payload=dict(payload), due_at=due_at, created_at=self.clock.now())
        )

    def next_due(self) -> datetime | None:
        with self.sessions() as session:
            at = session.scalar(select(func.min(ScheduledJobRow.due_at)))
        return utc(at) if at is not None else None

    def waiting(self) -> int:
        with self.sessions() as session:
            return int(session.scalar(select(func.count()).select_from(ScheduledJobRow)) or 0)

    def release_due(self) -> int:
        """Hand every job due by now to the queue; returns how many this process handed over."""
        released = 0
        with self._lock:
            now = self.clock.now()
            with self.sessions() as session:
                due = session.scalars(
                    select(ScheduledJobRow)
                    .where(ScheduledJobRow.due_at <= now)
                    .order_by(ScheduledJobRow.due_at, ScheduledJobRow.id)
                    .limit(500)
                ).all()
                todo = [(row.id, row.kind, dict(row.payload)) for row in due]
            for row_id, kind, payload in todo:
                with self.sessions() as session:
                    gone = session.execute(delete(ScheduledJobRow).where(ScheduledJobRow.id == row_id))
                    if getattr(gone, "rowcount", 1) != 1:
                        session.rollback()  # another process released it
                        continue
                    self.jobs.enqueue(session, kind, payload)
                    session.commit()
                released += 1
        if released:
            log.info("released scheduled jobs", extra={"count": released})
        return released

    def advance_to(self, clock: ManualClock, at: datetime) -> int:
        """Move a manual clock to ``at`` (never back), stopping at each due time on the way to
        release what is due then, as a server's ticker would have. Returns the jobs released."""
        released = 0
        while True:
            due = self.next_due()
            if due is None or due > at:
                break
            clock.set(max(due, clock.now()))
            released += self.release_due()
        clock.set(max(at, clock.now()))
        return released

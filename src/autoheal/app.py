"""The one place that wires Autoheal's parts together (the CLI and tests call it; nothing is created
at import time)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from autoheal.clock import Clock, SystemClock
from autoheal.config import Settings
from autoheal.jobs import InProcessQueue, JobQueue
from autoheal.pipeline.builder import build_pipeline
from autoheal.pipeline.ingest import Ingestor
from autoheal.pipeline.stage import Batch, Pipeline
from autoheal.selfmetrics import SelfMetrics
from autoheal.store.alerts import expire_stale
from autoheal.store.db import create_db_engine, migrate, session_factory

log = logging.getLogger(__name__)


@dataclass
class Autoheal:
    settings: Settings
    clock: Clock
    engine: Engine
    sessions: sessionmaker[Session]
    pipeline: Pipeline
    ingestor: Ingestor
    jobs: JobQueue
    metrics: SelfMetrics
    extras: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def create(
        cls,
        settings: Settings,
        *,
        clock: Clock | None = None,
        jobs: JobQueue | None = None,
        run_migrations: bool = True,
    ) -> Autoheal:
        clock = clock or SystemClock()
        metrics = SelfMetrics()
        engine = create_db_engine(settings.database.url)
        if run_migrations:
            migrate(engine)
        sessions = session_factory(engine)
        jobs = jobs or InProcessQueue(workers=settings.pipeline.workers, observer=metrics.job_observer)
        pipeline = build_pipeline()

        def schedule(batch: Batch) -> None:
            for kind, payload in batch.followups:
                if jobs.handles(kind):
                    jobs.submit(kind, payload)

        ingestor = Ingestor(
            pipeline,
            sessions,
            clock,
            settings.pipeline,
            settings.sources.rules,
            on_committed=schedule,
        )
        return cls(settings, clock, engine, sessions, pipeline, ingestor, jobs, metrics)

    def expire_stale(self) -> int:
        with self.sessions() as session:
            n = expire_stale(session, self.clock.now(), self.settings.pipeline.stale_after_seconds)
        if n:
            self.metrics.alerts_expired.inc(n)
            log.info("expired stale alerts", extra={"count": n})
        return n

    def close(self) -> None:
        self.ingestor.close()
        self.jobs.close()
        self.engine.dispose()

"""The one place that wires Autoheal's parts together (the CLI and tests call it; nothing is created
at import time).

    settings ─▶ database (migrated) ─▶ ingestor (pipeline/builder.py)
             ─▶ embedded telemetry ─▶ tools (tools/registry.py)
                                        └▶ governance gateway (the only holder of the tools)
                                              ├▶ triage        ┐ follow-up jobs after each commit
                                              └▶ investigator  ┘ (pipeline/followups.py)
    (tools ─▶ gateway ─▶ investigator: autoheal/assembly.py, shared with the benchmark and simulator)
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from autoheal.assembly import assemble
from autoheal.clock import Clock, ManualClock, SystemClock
from autoheal.config import PipelineConfig, Settings
from autoheal.domain.tools import Tool
from autoheal.errors import ConfigError
from autoheal.governance.wiring import Governance, policy_from
from autoheal.graph.live import IncidentLearner, change_feed
from autoheal.graph.memory import Memory, recaller
from autoheal.graph.noise import noise_lookup
from autoheal.incidents.wiring import IncidentsRuntime, build_incidents
from autoheal.jobs import InProcessQueue, JobQueue
from autoheal.jobs.durable import DatabaseQueue
from autoheal.jobs.scheduled import Scheduler
from autoheal.pipeline.builder import build_pipeline
from autoheal.pipeline.followups import FollowUps
from autoheal.pipeline.ingest import Ingestor
from autoheal.pipeline.stage import Pipeline
from autoheal.reasoning.engine import Investigator
from autoheal.reasoning.models import LanguageModel
from autoheal.reasoning.models.config import build_model
from autoheal.reasoning.triage.triager import Triage
from autoheal.selfmetrics import SelfMetrics
from autoheal.store.alerts import expire_stale
from autoheal.store.db import create_db_engine, migrate, session_factory
from autoheal.store.silences import DatabaseSuppressions
from autoheal.telemetry.embedded import EmbeddedTelemetry
from autoheal.ticker import Ticker
from autoheal.tools.registry import build_tools

log = logging.getLogger(__name__)


def build_queue(config: PipelineConfig, engine: Engine, clock: Clock, metrics: SelfMetrics) -> JobQueue:
    """``pipeline.queue``: ``memory`` (worker threads, jobs lost on a crash) or ``database``, shared
    by every ``autoheal serve`` and ``autoheal worker`` on the database: procrastinate on PostgreSQL
    (jobs/procrastinate_queue.py), the ``jobs`` table on SQLite (jobs/durable.py)."""
    if config.queue == "database" and engine.dialect.name == "postgresql":
        from autoheal.jobs.procrastinate_queue import ProcrastinateQueue

        return ProcrastinateQueue(
            engine,
            workers=config.workers,
            observer=metrics.job_observer,
            stalled_seconds=config.stalled_worker_seconds,
        )
    if config.queue == "database":
        return DatabaseQueue(
            engine,
            workers=config.workers,
            clock=clock,
            observer=metrics.job_observer,
            lease_seconds=config.job_lease_seconds,
        )
    return InProcessQueue(
        workers=config.workers,
        observer=metrics.job_observer,
        repeat_share={"triage": config.triage_repeat_share},
    )


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
    telemetry: EmbeddedTelemetry
    governance: Governance
    triage: Triage
    investigator: Investigator
    incidents: IncidentsRuntime
    scheduler: Scheduler  # jobs that wait for a time (held investigations)
    _ticker: Ticker | None = field(default=None, repr=False)

    @classmethod
    def create(
        cls,
        settings: Settings,
        *,
        clock: Clock | None = None,
        jobs: JobQueue | None = None,
        telemetry: EmbeddedTelemetry | None = None,
        model: LanguageModel | None = None,
        transport: httpx.BaseTransport | None = None,
        extra_tools: Sequence[Tool] = (),
        run_migrations: bool = True,
        paging_transport: httpx.BaseTransport | None = None,
        slack_client: Any | None = None,
    ) -> Autoheal:
        """``extra_tools`` join the configured ones behind the same gateway (e.g. a simulated
        cluster's Kubernetes tools). ``paging_transport`` / ``slack_client`` stand in for
        PagerDuty, Opsgenie and Slack (the in-repo fakes; see autoheal.incidents.wiring)."""
        clock = clock or SystemClock()
        metrics = SelfMetrics()
        if model is None:
            model = build_model(settings.model)
        engine = create_db_engine(settings.database.url)
        if run_migrations:
            migrate(engine)
        sessions = session_factory(engine)
        jobs = jobs or build_queue(settings.pipeline, engine, clock, metrics)
        scheduler = Scheduler(sessions, jobs, clock)

        telemetry = telemetry or EmbeddedTelemetry(settings.telemetry.resolve(settings.database.url))
        tools = build_tools(settings.tools, telemetry, clock=clock, transport=transport)
        for tool in extra_tools:
            if tool.name in tools:
                raise ConfigError(f"extra tool {tool.name} clashes with a configured tool")
            tools[tool.name] = tool
        assembly = assemble(
            tools,
            policy_from(settings.policy_file),
            engine,
            clock,
            settings.investigation,
            durability=settings.audit.durability,
            model=model,
        )
        del tools  # from here on, only the gateway holds them
        governance, investigator = assembly.governance, assembly.investigator
        triage = Triage(
            governance.gateway,
            clock,
            settings.triage,
            DatabaseSuppressions(sessions),
            graph=noise_lookup(engine, telemetry.changes),
        )
        incidents = build_incidents(
            settings.incidents,
            sessions,
            clock,
            redactor=governance.gateway.redactor,
            audit=governance.audit,
            paging_transport=paging_transport,
            slack_client=slack_client,
            shadow=settings.pipeline.mode == "shadow",
        )
        FollowUps(
            sessions,
            clock,
            jobs,
            triage,
            investigator,
            settings.pipeline.stale_after_seconds,
            reinvestigate_after_seconds=settings.pipeline.reinvestigate_after_seconds,
            investigate=settings.pipeline.investigate,
            recall=recaller(engine, clock, before=change_feed(Memory(engine), telemetry.changes)),
            escalation=incidents.escalation,
            hold_seconds=settings.pipeline.hold_seconds,
            scheduler=scheduler,
        ).register()

        pipeline = build_pipeline()
        ingestor = Ingestor(
            pipeline,
            sessions,
            clock,
            settings.pipeline,
            settings.sources.rules,
            jobs=jobs,
        )
        app = cls(
            settings,
            clock,
            engine,
            sessions,
            pipeline,
            ingestor,
            jobs,
            metrics,
            telemetry,
            governance,
            triage,
            investigator,
            incidents,
            scheduler,
        )
        # the context graph learns each resolved incident at once (docs/graph.md "Learning")
        incidents.service.subscribe(
            IncidentLearner(Memory(engine), sessions, incidents.service), kinds=["resolved"]
        )
        if settings.fixes.enabled and settings.fixes.on_resolution:
            from autoheal.fixes.resolution import on_resolution

            incidents.service.subscribe(on_resolution(app), kinds=["resolved"])
        if settings.fixes.enabled and incidents.slack is not None:
            from autoheal.fixes.decisions import slack_decider

            incidents.slack.fix_decider = slack_decider(app)
        return app

    def expire_stale(self) -> int:
        with self.sessions() as session:
            n = expire_stale(session, self.clock.now(), self.settings.pipeline.stale_after_seconds)
        if n:
            self.metrics.alerts_expired.inc(n)
            log.info("expired stale alerts", extra={"count": n})
        return n

    def start_scheduler(self, interval: float = 5.0) -> None:
        """Release held jobs when due (``autoheal serve`` and ``autoheal worker``)."""
        if self._ticker is None:
            self._ticker = Ticker("autoheal-scheduler", self.scheduler.release_due, interval)
            self._ticker.start()

    def advance_clock(self, at: datetime) -> int:
        """Move a manual clock (simulation, backtest) to ``at``, releasing every held job at its
        due time on the way, as the server's ticker would have; returns the jobs released."""
        if not isinstance(self.clock, ManualClock):
            raise TypeError("advance_clock needs the app to run on a ManualClock")
        return self.scheduler.advance_to(self.clock, at)

    def close(self) -> None:
        if self._ticker is not None:
            self._ticker.stop()
        self.ingestor.close()
        self.jobs.close()
        self.incidents.close()
        self.governance.close()
        self.engine.dispose()

"""`autoheal worker`: a process that only runs follow-up jobs (triage, investigation) from the
database-backed queue, beside any number of `autoheal serve` processes on the same database."""

from __future__ import annotations

import signal
import threading
from pathlib import Path

import typer

from autoheal.cli.common import ConfigOption, DbOption, console, guarded, settings_from


def register(root: typer.Typer) -> None:
    @root.command()
    @guarded
    def worker(
        threads: int = typer.Option(None, min=1, max=32, help="worker threads (default pipeline.workers)"),
        db: str = DbOption,
        config: Path = ConfigOption,
        json_logs: bool = typer.Option(True, help="structured JSON logs on stderr"),
    ) -> None:
        """Run follow-up jobs from the database queue until stopped (SIGINT or SIGTERM)."""
        from autoheal.app import Autoheal
        from autoheal.logconfig import configure_logging

        settings = settings_from(config, db)
        pipeline = settings.pipeline.model_copy(
            update={"queue": "database", "workers": threads or max(settings.pipeline.workers, 1)}
        )
        settings = settings.model_copy(update={"pipeline": pipeline})
        configure_logging(settings.log_level, json_format=json_logs)
        autoheal = Autoheal.create(settings)
        autoheal.incidents.start_ticker()  # page retries and on-call escalations (docs/incidents.md)
        autoheal.start_scheduler()  # held investigations (pipeline.hold_seconds)
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        url = autoheal.engine.url.render_as_string(hide_password=True)
        console.print(f"autoheal worker: {pipeline.workers} thread(s) on {url}", highlight=False)
        try:
            stop.wait()
        finally:
            autoheal.close()

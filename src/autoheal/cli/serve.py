"""`autoheal serve`: the API and the pipeline in one process."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import typer

from autoheal.cli.common import ConfigOption, DbOption, console, guarded, settings_from


def register(root: typer.Typer) -> None:
    @root.command()
    @guarded
    def serve(
        host: str = typer.Option(None, help="address to listen on (default 127.0.0.1)"),
        port: int = typer.Option(None, help="port (default 8080)"),
        db: str = DbOption,
        config: Path = ConfigOption,
        json_logs: bool = typer.Option(True, help="structured JSON logs on stderr"),
    ) -> None:
        """Run the Autoheal server (webhooks, API, pipeline workers)."""
        import uvicorn

        from autoheal.api.app import create_app
        from autoheal.app import Autoheal
        from autoheal.logconfig import configure_logging

        settings = settings_from(config, db)
        configure_logging(settings.log_level, json_format=json_logs)
        autoheal = Autoheal.create(settings)
        stop = threading.Event()
        heap = os.environ.get("AUTOHEAL_TRACEMALLOC")  # a diagnostic, off by default (autoheal.heapwatch)
        if heap:
            from autoheal.heapwatch import HeapWatch

            HeapWatch(
                Path(os.environ.get("AUTOHEAL_TRACEMALLOC_FILE", "autoheal-heap.txt")), float(heap)
            ).start()

        def expiry_loop() -> None:
            while not stop.wait(30):
                autoheal.expire_stale()

        threading.Thread(target=expiry_loop, name="autoheal-expiry", daemon=True).start()
        autoheal.incidents.start_ticker()  # page retries and on-call escalations (docs/incidents.md)
        autoheal.start_scheduler()  # held investigations (pipeline.hold_seconds)
        bind_host = host or settings.server.host
        bind_port = port or settings.server.port
        console.print(f"autoheal listening on http://{bind_host}:{bind_port}", highlight=False)
        try:
            uvicorn.run(
                create_app(autoheal),
                host=bind_host,
                port=bind_port,
                log_config=None,
                access_log=False,
                timeout_graceful_shutdown=5,
            )
        finally:
            stop.set()
            autoheal.close()

"""The app for procrastinate's admin CLI (docs/jobs.md): ``procrastinate --app=autoheal.jobs.
procrastinate_admin.app list-jobs``. The libpq variables (``PGHOST``, ``PGUSER``, ``PGDATABASE``,
…) name the database; nothing connects until a command runs. Only this CLI imports the module."""

from __future__ import annotations

import procrastinate

from autoheal.jobs.procrastinate_queue import TASK

app = procrastinate.App(connector=procrastinate.PsycopgConnector())


@app.task(name=TASK)
def job(kind: str, payload: dict[str, object]) -> None:
    """Listed so the CLI knows the task; jobs run in `autoheal serve` / `autoheal worker`."""
    raise RuntimeError("autoheal jobs run in `autoheal serve` or `autoheal worker`, not in this CLI")

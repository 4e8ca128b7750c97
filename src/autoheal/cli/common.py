"""What every command shares: loading settings (file + environment, once) and printing errors."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import typer
from rich.console import Console
from sqlalchemy import Engine

from autoheal.config import Settings, load_settings
from autoheal.errors import AutohealError

console = Console()
err_console = Console(stderr=True)

T = TypeVar("T")

DbOption = typer.Option(
    None, "--db", help="database URL (sqlite:///FILE or postgresql://...); default from config"
)
ConfigOption = typer.Option(None, "--config", "-c", help="YAML config file", exists=False)


def settings_from(config: Path | None, db: str | None = None) -> Settings:
    settings = load_settings(config, os.environ)
    if db:
        settings = settings.model_copy(update={"database": settings.database.model_copy(update={"url": db})})
    return settings


def database(config: Path | None, db: str | None = None, *, settings: Settings | None = None) -> Engine:
    """The configured database (``--db`` wins), migrated to the newest schema. Pass ``settings``
    when the command has loaded them already (the configuration is read once)."""
    from autoheal.store.db import create_db_engine, migrate

    engine = create_db_engine((settings or settings_from(config, db)).database.url)
    migrate(engine)
    return engine


@contextmanager
def friendly_errors() -> Iterator[None]:
    """Turn our own errors into a one-line message and exit code 1 (2 for bad input)."""
    try:
        yield
    except AutohealError as exc:
        err_console.print(f"[red]error:[/red] {exc.message}")
        raise typer.Exit(1) from exc


def guarded(fn: Callable[..., T]) -> Callable[..., T]:
    import functools

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> T:
        with friendly_errors():
            return fn(*args, **kwargs)

    return wrapper


def print_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, default=str) + "\n")

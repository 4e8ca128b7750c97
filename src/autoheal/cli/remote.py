"""Where a CLI command reads and writes: a running server over its REST API, or a local database.

* ``--url URL`` (or ``AUTOHEAL_URL``) with ``--token TOKEN`` (or ``AUTOHEAL_TOKEN``): the command
  talks to that server over ``/api/v1`` with httpx, as the token's role allows.
* otherwise: the configured database (``--db``, ``AUTOHEAL_DATABASE_URL``, the config file), which
  must exist — reading a database file that is not there says so instead of creating an empty one.

Each command says which on stderr ("reading server http://…", "reading local database sqlite:///…"),
so an empty table is never mistaken for an empty server.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import typer
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from autoheal.cli.common import err_console, settings_from
from autoheal.config import Settings
from autoheal.errors import AuthError, ConfigError, ForbiddenError, InputError, NotFoundError, StoreError

UrlOption = typer.Option(
    None,
    "--url",
    envvar="AUTOHEAL_URL",
    help="a running server's URL (e.g. http://127.0.0.1:8080): use its API instead of a local database",
)
TokenOption = typer.Option(
    None, "--token", envvar="AUTOHEAL_TOKEN", help="API token for --url (viewer, responder or admin)"
)

_ERRORS: dict[int, type[Exception]] = {401: AuthError, 403: ForbiddenError, 404: NotFoundError}


class ApiClient:
    """A thin client of the server's REST API; an error answer raises our own error with the
    server's problem ``detail``, an unreachable server a :class:`StoreError` saying so."""

    def __init__(self, url: str, token: str, *, transport: httpx.BaseTransport | None = None) -> None:
        self.url = url.rstrip("/")
        self._client = httpx.Client(
            base_url=self.url,
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
            timeout=httpx.Timeout(30.0, connect=5.0),
            transport=transport,
        )

    def close(self) -> None:
        self._client.close()

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = self._client.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise StoreError(f"cannot reach the server at {self.url}: {exc}") from exc
        self._raise_for(response)
        return response.json()

    def get(self, path: str, **params: Any) -> Any:
        return self.request("GET", path, params={k: v for k, v in params.items() if v is not None})

    def post(self, path: str, body: Any = None) -> Any:
        return self.request("POST", path, json=body if body is not None else {})

    def delete(self, path: str) -> Any:
        return self.request("DELETE", path)

    def stream_events(self, path: str) -> Iterator[dict[str, Any]]:
        """Follow server-sent events (``text/event-stream``), yielding each ``data`` as JSON."""
        headers = {"Accept": "text/event-stream"}
        try:
            with self._client.stream("GET", path, headers=headers, timeout=None) as response:
                if response.status_code >= 400:
                    response.read()
                    self._raise_for(response)
                for line in response.iter_lines():
                    if line.startswith("data: "):
                        yield json.loads(line[len("data: ") :])
        except httpx.HTTPError as exc:
            raise StoreError(f"lost the event stream from {self.url}: {exc}") from exc

    def _raise_for(self, response: httpx.Response) -> None:
        if response.status_code < 400:
            return
        try:
            detail = str(response.json().get("detail", response.text))
        except (ValueError, AttributeError):
            detail = response.text[:300]
        cls = _ERRORS.get(response.status_code, InputError if response.status_code < 500 else StoreError)
        raise cls(f"server answered {response.status_code}: {detail}")


def remote(url: str | None, token: str | None) -> ApiClient | None:
    """The API client when ``--url`` is given (announced on stderr), else None."""
    if not url:
        return None
    if not token:
        raise ConfigError("--url needs an API token: pass --token or set AUTOHEAL_TOKEN")
    if not url.startswith(("http://", "https://")):
        raise ConfigError(f"--url {url!r} is not an http(s) URL (e.g. http://127.0.0.1:8080)")
    err_console.print(f"reading server {url.rstrip('/')}", highlight=False, soft_wrap=True)
    return ApiClient(url, token)


def shown_url(database_url: str) -> str:
    from autoheal.store.db import normalise_url

    return make_url(normalise_url(database_url)).render_as_string(hide_password=True)


def local_database(config: Path | None, db: str | None, *, settings: Settings | None = None) -> Engine:
    """The configured database for a command that reads it: it must exist (a SQLite file that is
    not there is an error with a hint, not a new empty database). Announced on stderr."""
    from autoheal.cli.common import database
    from autoheal.store.db import normalise_url

    settings = settings or settings_from(config, db)
    url = normalise_url(settings.database.url)
    parsed = make_url(url)
    if parsed.drivername.startswith("sqlite") and parsed.database and not Path(parsed.database).exists():
        raise ConfigError(
            f"no database at {parsed.database}: nothing is stored there (and it was not created). "
            "Read a running server with --url URL --token TOKEN (or AUTOHEAL_URL / AUTOHEAL_TOKEN), "
            "or point --db / AUTOHEAL_DATABASE_URL at the server's database"
        )
    err_console.print(f"reading local database {shown_url(url)}", highlight=False, soft_wrap=True)
    return database(config, db, settings=settings)


def local_sessions(config: Path | None, db: str | None) -> sessionmaker[Session]:
    """Sessions on :func:`local_database` (which must exist)."""
    from autoheal.store.db import session_factory

    return session_factory(local_database(config, db))

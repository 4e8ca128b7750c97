"""Alembic environment: always run with a connection handed over by ``autoheal.store.db.migrate``
(or ``alembic -x url=...`` for hand use)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine

from autoheal.store import models  # noqa: F401  (registers every area's tables)
from autoheal.store.db import ours
from autoheal.store.schema import metadata

config = context.config
connection = config.attributes.get("connection")


def _run(conn: Connection) -> None:
    context.configure(
        connection=conn,
        target_metadata=metadata,
        render_as_batch=conn.dialect.name == "sqlite",
        include_name=ours,  # procrastinate's tables are its own
    )
    with context.begin_transaction():
        context.run_migrations()


if connection is not None:
    _run(connection)
else:
    url = context.get_x_argument(as_dictionary=True).get("url")
    if not url:
        raise SystemExit("pass the database with: alembic -x url=sqlite:///autoheal.db upgrade heads")
    with create_engine(url).begin() as conn:
        _run(conn)

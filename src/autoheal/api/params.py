"""Parameters shared by the routers: ids and offsets are bounded to 64 bits (what the databases
hold), so a larger number is a 422 naming the parameter instead of an overflow in the query."""

from __future__ import annotations

from typing import Any

from fastapi import Path, Query

from autoheal.store.db import MAX_ID

NO_NUL = r"^[^\x00]*$"
"""Pattern for free text in a body: no NUL character (PostgreSQL text cannot hold it)."""


def id_path(what: str) -> Any:
    return Path(ge=1, le=MAX_ID, description=f"the {what}'s id (1 .. 2^63-1)")


def offset_query() -> Any:
    return Query(0, ge=0, le=MAX_ID, description="skip this many (for paging)")

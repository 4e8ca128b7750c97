"""Fixtures of the incidents area: a migrated database, a manual clock, the service."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy.orm import Session, sessionmaker

from autoheal.clock import ManualClock
from autoheal.incidents import IncidentService


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2026, 3, 1, 9, 0, tzinfo=UTC))


@pytest.fixture
def sessions(db_url: str) -> Iterator[sessionmaker[Session]]:
    from autoheal.store.db import create_db_engine, session_factory

    engine = create_db_engine(db_url)
    yield session_factory(engine)
    engine.dispose()


@pytest.fixture
def service(sessions: sessionmaker[Session], clock: ManualClock) -> IncidentService:
    return IncidentService(sessions, clock)

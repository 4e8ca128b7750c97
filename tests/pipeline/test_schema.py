"""The migrations build exactly the tables the models declare, and the hot triage lookups use an
index (a scan per alert made triage slower with every stored alert)."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from autoheal.store.db import create_db_engine, ours
from autoheal.store.models import Base


def test_the_migrations_match_every_table(db_url: str) -> None:
    engine = create_db_engine(db_url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"include_name": ours})
            diff = compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()
    assert diff == []


def test_triage_reads_transitions_by_fingerprint_through_indexes(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from autoheal.store.db import migrate

    engine = create_db_engine(f"sqlite:///{tmp_path / 'plan.db'}")
    migrate(engine)
    query = (
        "EXPLAIN QUERY PLAN SELECT t.status, t.at FROM alert_transitions t "
        "JOIN alerts a ON a.id = t.alert_id WHERE a.fingerprint = 'fp' AND t.at >= '2026-01-01'"
    )
    try:
        with engine.connect() as conn:
            plan = [row[-1] for row in conn.execute(text(query))]
    finally:
        engine.dispose()
    assert not [step for step in plan if step.startswith("SCAN")], plan
    assert any("ix_alerts_fingerprint" in step for step in plan), plan

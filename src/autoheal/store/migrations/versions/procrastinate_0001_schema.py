"""procrastinate: the job engine's own schema (PostgreSQL only; SQLite has no such tables)

Applies the ``schema.sql`` that the installed procrastinate ships (``procrastinate.schema``),
which is the whole schema of that release (pyproject.toml pins the minor version). A later
procrastinate release's schema changes come as ``procrastinate_0002_*.py`` and so on, each
applying the release's files under ``procrastinate/sql/migrations`` (docs/jobs.md).

Revision ID: procrastinate_0001
Revises:
Create Date: 2026-12-06
"""

from alembic import op

revision = "procrastinate_0001"
down_revision = None
branch_labels = ("procrastinate",)
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    from procrastinate.schema import SchemaManager

    # the driver's own connection: the schema text is run as is (no parameter parsing)
    driver = bind.connection.driver_connection
    assert driver is not None
    driver.execute(SchemaManager.get_schema())


TABLES = (
    "procrastinate_events",
    "procrastinate_periodic_defers",
    "procrastinate_jobs",
    "procrastinate_workers",
)
TYPES = ("procrastinate_job_to_defer_v1", "procrastinate_job_event_type", "procrastinate_job_status")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    for table in TABLES:
        op.execute(f"DROP TABLE IF EXISTS {table} CASCADE")
    functions = "SELECT oid::regprocedure::text FROM pg_proc WHERE proname LIKE 'procrastinate%'"
    for (signature,) in bind.exec_driver_sql(functions).all():
        bind.exec_driver_sql(f"DROP FUNCTION IF EXISTS {signature} CASCADE")
    for type_name in TYPES:
        op.execute(f"DROP TYPE IF EXISTS {type_name} CASCADE")

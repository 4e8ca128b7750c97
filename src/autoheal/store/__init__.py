"""Persistence: SQLAlchemy 2 models and repositories, Alembic migrations.

SQLite (WAL) is the embedded default; PostgreSQL is for teams. Both run the same migrations and
the same test suite. Each area owns its tables in its own module on the shared ``metadata`` of
``autoheal.store.schema`` and its own Alembic branch (see ``store/migrations/README.md``).
"""

"""Engines and migrations for the warehouse (SQLite by default, PostgreSQL in production)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
BUSY_TIMEOUT_MS = 10_000
LOAD_WAIT_MS = 3_600_000  # a load waits up to an hour for another load of the same SQLite file


def make_engine(url: str, *, enforce_foreign_keys: bool = True) -> Engine:
    """An engine for ``url``.  On SQLite, transactions and savepoints behave as on PostgreSQL.

    ``enforce_foreign_keys=False`` is for migrations only: SQLite rebuilds a table to alter it,
    and dropping the old copy must not cascade into the rows that reference it.
    """
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1].split("?", 1)[0]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # type: ignore[no-untyped-def]
            # pysqlite opens transactions lazily and behind our back, which breaks savepoints and
            # lets a read see another writer's commit mid-transaction: we issue BEGIN ourselves.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            # SQLite enforces foreign keys only when asked, per connection.
            cursor.execute(f"PRAGMA foreign_keys={'ON' if enforce_foreign_keys else 'OFF'}")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(connection):  # type: ignore[no-untyped-def]
            if not connection.get_execution_options().get("sqlite_write_lock"):
                connection.exec_driver_sql("BEGIN")
                return
            # A load (engine.execution_options(sqlite_write_lock=True)) takes the write lock
            # before it reads: a deferred transaction that read, then writes after another
            # writer committed fails at once in WAL mode.  It waits for a running load, however long.
            connection.exec_driver_sql(f"PRAGMA busy_timeout={LOAD_WAIT_MS}")
            try:
                connection.exec_driver_sql("BEGIN IMMEDIATE")
            finally:
                connection.exec_driver_sql(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")

        return engine
    return create_engine(url, pool_pre_ping=True)


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)

"""Engines and migrations for the warehouse (SQLite by default, PostgreSQL in production).

:func:`check_url` is the one place a warehouse URL (``--db`` or ``CHARITYNEWS_DB_URL``) is parsed
and checked; :func:`open_warehouse` also connects once.  Both raise :class:`WarehouseUrlError`
with a one-line message a user can act on, which the CLI prints instead of a traceback.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import URL, Engine, create_engine, event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
BUSY_TIMEOUT_MS = 10_000
LOAD_WAIT_MS = 3_600_000  # a load waits up to an hour for another load of the same SQLite file
URL_EXAMPLES = "e.g. sqlite:///data/warehouse.sqlite or postgresql+psycopg://user@host:5432/dbname"
# PostgreSQL waits this long for a server that does not answer, then says so.
CONNECT_TIMEOUT_S = 10


class WarehouseUrlError(ValueError):
    """A warehouse URL that cannot be used: malformed, unsupported, missing file, unreachable."""


def check_url(url: str, *, create: bool = False) -> URL:
    """The parsed URL, or :class:`WarehouseUrlError` saying what is wrong with it.

    A SQLite file must exist unless ``create`` (only ``db-upgrade``, the demo and the pipeline
    create a warehouse): a mistyped path must not silently become a new, empty warehouse.
    """
    shown = url if len(url) <= 80 else url[:77] + "…"
    try:
        parsed = make_url(url)
    except sa_exc.ArgumentError:
        raise WarehouseUrlError(f"{shown!r} is not a database URL ({URL_EXAMPLES})") from None
    if parsed.drivername in ("postgres", "postgres+psycopg"):
        raise WarehouseUrlError(
            f"{parsed.drivername}:// is not a SQLAlchemy scheme: write postgresql+psycopg://… "
            f"({URL_EXAMPLES})"
        )
    backend = parsed.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise WarehouseUrlError(
            f"unsupported database {backend!r}: the warehouse runs on SQLite or PostgreSQL"
        )
    try:
        parsed.get_dialect().import_dbapi()
    except (sa_exc.NoSuchModuleError, ImportError):
        raise WarehouseUrlError(
            f"no driver {parsed.drivername!r} installed: write sqlite:///… or postgresql+psycopg://…"
        ) from None
    if backend == "sqlite" and not create:
        path = sqlite_path(parsed)
        if path is not None and not path.is_file():
            raise WarehouseUrlError(
                f"no warehouse at {path} (mistyped? `charitynews db-upgrade` or the pipeline creates one)"
            )
    return parsed


def sqlite_path(url: URL) -> Path | None:
    """The file of a SQLite URL, absolute; None for an in-memory database."""
    if not url.database or url.database == ":memory:" or url.query.get("mode") == "memory":
        return None
    return Path(url.database).expanduser().resolve()


def open_warehouse(url: str, *, create: bool = False) -> Engine:
    """An engine for a checked URL, after one successful connection (else WarehouseUrlError)."""
    engine = make_engine(str(url), create=create)
    try:
        with engine.connect():
            pass
    except sa_exc.DBAPIError as exc:
        engine.dispose()
        raise WarehouseUrlError(
            f"cannot connect to {engine.url.render_as_string(hide_password=True)}: {first_line(exc.orig)}"
        ) from None
    return engine


def first_line(exc: BaseException | None) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def make_engine(url: str, *, enforce_foreign_keys: bool = True, create: bool = True) -> Engine:
    """An engine for ``url``.  On SQLite, transactions and savepoints behave as on PostgreSQL.

    ``enforce_foreign_keys=False`` is for migrations only: SQLite rebuilds a table to alter it,
    and dropping the old copy must not cascade into the rows that reference it.  ``create=False``
    refuses a SQLite file that does not exist yet (see :func:`check_url`).
    """
    parsed = check_url(url, create=create)
    if parsed.get_backend_name() == "sqlite":
        path = sqlite_path(parsed)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed)

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
    # A timeout in the URL's query wins over ours.
    connect_args = {} if "connect_timeout" in parsed.query else {"connect_timeout": CONNECT_TIMEOUT_S}
    return create_engine(parsed, pool_pre_ping=True, connect_args=connect_args)


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)

"""Alembic environment: one migration chain for SQLite and PostgreSQL."""

from __future__ import annotations

import os

from alembic import context
from alembic.util import CommandError

from warehouse.db import WarehouseUrlError, check_url, make_engine
from warehouse.models import Base

config = context.config
url = config.get_main_option("sqlalchemy.url") or os.environ.get("CHARITYNEWS_DB_URL", "")
target_metadata = Base.metadata
# Alembic prints a CommandError as one "FAILED: …" line instead of a traceback.
if not url:
    raise CommandError(
        "CHARITYNEWS_DB_URL is not set: say which warehouse to compare or migrate, e.g. "
        "CHARITYNEWS_DB_URL=sqlite:///data/warehouse.sqlite alembic check"
    )


def _creates_warehouse() -> bool:
    """Only ``alembic upgrade``/``stamp`` (and warehouse.db.upgrade) may create a SQLite file;
    ``alembic check`` on a mistyped path must not leave an empty warehouse behind."""
    options = config.cmd_opts
    if options is None:  # called from code: warehouse.db.upgrade, behind db-upgrade and the pipeline
        return True
    command = getattr(options, "cmd", (None,))[0]
    return getattr(command, "__name__", "") in ("upgrade", "stamp")


try:
    check_url(url, create=_creates_warehouse())
except WarehouseUrlError as exc:
    raise CommandError(f"CHARITYNEWS_DB_URL: {exc}") from None


def run_migrations_offline() -> None:
    context.configure(url=url, target_metadata=target_metadata, render_as_batch=True, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = make_engine(url, enforce_foreign_keys=False)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()

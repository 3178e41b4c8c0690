"""Alembic environment: one migration chain for SQLite and PostgreSQL."""

from __future__ import annotations

import os

from alembic import context

from warehouse.db import make_engine
from warehouse.models import Base

config = context.config
url = config.get_main_option("sqlalchemy.url") or os.environ.get("CHARITYNEWS_DB_URL", "")
target_metadata = Base.metadata


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

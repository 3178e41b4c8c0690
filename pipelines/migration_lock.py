"""One warehouse migration at a time, across processes and machines.

Site partitions processed side by side each start their load step by migrating the warehouse
to the latest schema.  Two Alembic upgrades of one fresh database at once both try to create
the same tables (and rows of ``alembic_version``), so the second would fail.  This lock makes
them take turns: a lock file beside a SQLite database, a session advisory lock on PostgreSQL.
An upgrade of a warehouse already at the latest schema only reads its version, so the turn is
a few milliseconds.

The loads themselves need no lock here: ``warehouse.load.load_extracted`` takes its own (a
transaction-level advisory lock on PostgreSQL, ``BEGIN IMMEDIATE`` on SQLite) before it reads
anything, which is what keeps shared rows (regions, sources, organizations) and syndication
clusters consistent when two partitions load at once.  An earlier lock of this module held
over the whole load only duplicated it.
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text

from warehouse.db import make_engine

# pg_advisory_lock key: "cn-migr!" in ASCII, truncated to 63 bits.
ADVISORY_KEY = int.from_bytes(b"cn-migr!", "big") & 0x7FFF_FFFF_FFFF_FFFF


@contextmanager
def one_migration_at_a_time(db_url: str) -> Iterator[None]:
    engine = make_engine(db_url)
    try:
        database = engine.url.database
        if engine.dialect.name == "sqlite":
            if not database or database == ":memory:":
                yield
                return
            with open(f"{database}.migrate-lock", "a+b") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                try:
                    yield
                finally:
                    fcntl.flock(lock, fcntl.LOCK_UN)
        elif engine.dialect.name == "postgresql":
            with engine.connect() as conn:
                conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": ADVISORY_KEY})
                conn.commit()
                try:
                    yield
                finally:
                    conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_KEY})
                    conn.commit()
        else:
            yield
    finally:
        engine.dispose()

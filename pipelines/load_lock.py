"""One warehouse load at a time, across processes and machines.

Site partitions parse and extract side by side; their loads take turns.  On SQLite that is
the engine's own rule (one writer: a second load would fail with "database is locked"), kept
with a lock file beside the database.  On PostgreSQL it is a session advisory lock: the
migration and the load's first writes of shared rows (regions, sources, a new organization,
syndication clusters over every article) are not safe to run twice at once, and a load that
sees the previous one committed clusters against it.  Loads are the short stage (parsing and
extraction are where the time goes), so turns cost little.
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text

from warehouse.db import make_engine

# pg_advisory_lock key: "charitynews load" in ASCII, truncated to 63 bits.
ADVISORY_KEY = int.from_bytes(b"cn-load!", "big") & 0x7FFF_FFFF_FFFF_FFFF


@contextmanager
def one_load_at_a_time(db_url: str) -> Iterator[None]:
    engine = make_engine(db_url)
    try:
        database = engine.url.database
        if engine.dialect.name == "sqlite":
            if not database or database == ":memory:":
                yield
                return
            with open(f"{database}.load-lock", "a+b") as lock:
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

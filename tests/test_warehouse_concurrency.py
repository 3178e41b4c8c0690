"""Two loads of different partitions at once on the real PostgreSQL: the warehouse stays whole.

Each load runs in its own process against a database of its own (created and dropped here).
The first holds its transaction open after its first batch; the second is started meanwhile
and must wait (it is seen waiting on the load lock in pg_locks); both then finish.  The result
must be the one loading the partitions one after the other gives: every article once, each
organization once, cross-partition copies in one cluster, amounts counted once.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import text

from tests.warehouse_rows import SITE, article_row
from warehouse.db import make_engine, upgrade
from warehouse.load import load_extracted

ROOT = Path(__file__).resolve().parent.parent

_CHILD = """
import sys
from tests.test_warehouse_concurrency import partition
from tests.warehouse_rows import SITE
from warehouse import load
from warehouse.db import make_engine

load.BATCH = 20
hold = sys.argv[3] == "hold"

def progress(handled):
    if hold and handled == 20:
        print("holding", flush=True)
        sys.stdin.readline()  # keep the transaction open until the parent says go

report = load.load_extracted(make_engine(sys.argv[1]), [SITE], partition(sys.argv[2]), progress=progress)
print("done", report.written, len(report.rejected), flush=True)
"""


def partition(name: str) -> list[dict]:
    """Partition "a" or "b": 60 articles each; "b" also carries copies of five articles of "a"
    (published later) and both name the same organizations, new to the warehouse."""
    first = 1000 if name == "a" else 2000
    rows = [article_row(i, amounts=(100 + i % 7, 3)) for i in range(first, first + 60)]
    for row in rows:
        for organization in row["organizations"]:
            organization["name"] = organization["surface"] = (
                f"并发测试{int(row['url'].rsplit('/', 1)[1]) % 9}号基金会"
            )
    if name == "b":
        for source in partition("a")[:5]:
            copy = dict(source, url=source["url"] + "/copy", published="2026-11-18T08:00:00")
            rows.append(copy)
    return rows


@pytest.fixture
def own_databases(postgres_server: str) -> Iterator[tuple[str, str]]:
    """Two fresh databases: one for the concurrent loads, one for the sequential reference."""
    admin = postgres_server.replace("postgresql+psycopg://", "postgresql://").rsplit("/", 1)[0] + "/postgres"
    names = [f"cn_load_concurrency_{uuid.uuid4().hex[:8]}_{kind}" for kind in ("together", "apart")]
    with psycopg.connect(admin, autocommit=True) as conn:
        for name in names:
            conn.execute(f'CREATE DATABASE "{name}"')
    base = postgres_server.rsplit("/", 1)[0]
    try:
        yield f"{base}/{names[0]}", f"{base}/{names[1]}"
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            for name in names:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _waiting_on_advisory_lock(url: str) -> int:
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        row = conn.execute(
            "SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
        ).fetchone()
    return int(row[0]) if row else 0


def _state(url: str) -> dict[str, object]:
    """The warehouse by URL and name (ids differ between the two databases)."""
    engine = make_engine(url)
    with engine.connect() as connection:
        q = lambda sql: [tuple(r) for r in connection.execute(text(sql))]  # noqa: E731
        state = {
            "articles": q(
                "SELECT a.url, r.url FROM article a JOIN syndication_cluster c ON c.id = a.cluster_id "
                "JOIN article r ON r.id = c.representative_article_id ORDER BY a.url"
            ),
            "cluster sizes": q(
                "SELECT r.url, c.size, (SELECT COUNT(*) FROM article m WHERE m.cluster_id = c.id) "
                "FROM syndication_cluster c JOIN article r ON r.id = c.id ORDER BY r.url"
            ),
            "organizations": q("SELECT name, COUNT(*) FROM organization GROUP BY name ORDER BY name"),
            "counted": q(
                "SELECT a.url, am.position, am.counted FROM amount_mention am "
                "JOIN article a ON a.id = am.article_id ORDER BY a.url, am.position"
            ),
            "mentions": q(
                "SELECT (SELECT COUNT(*) FROM amount_mention), (SELECT COUNT(*) FROM organization_mention), "
                "(SELECT COUNT(*) FROM region_mention), (SELECT COUNT(*) FROM syndication_band)"
            ),
        }
    engine.dispose()
    return state


def test_two_partitions_loading_at_once_leave_what_loading_them_in_turn_leaves(
    own_databases: tuple[str, str],
) -> None:
    together, apart = own_databases
    base = [article_row(i) for i in range(10)]
    for url in (together, apart):
        upgrade(url)
        load_extracted(make_engine(url), [SITE], base)

    def start(name: str, mode: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "-c", _CHILD, together, name, mode],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )

    first = start("a", "hold")
    second = None
    try:
        assert first.stdout is not None and first.stdin is not None
        assert first.stdout.readline().strip() == "holding"  # a's first batch written, uncommitted
        second = start("b", "run")
        deadline = time.monotonic() + 60
        while _waiting_on_advisory_lock(together) == 0:  # b waits for a instead of interleaving
            assert second.poll() is None, "the second load finished while the first held its transaction"
            assert time.monotonic() < deadline, "the second load never waited on the load lock"
            time.sleep(0.05)
        first.stdin.write("go\n")
        first.stdin.flush()
        out_a, _ = first.communicate(timeout=120)
        out_b, _ = second.communicate(timeout=120)
    finally:
        for child in (first, second):
            if child is not None and child.poll() is None:
                child.kill()
    assert first.returncode == 0 and second.returncode == 0
    assert out_a.split() == ["done", "60", "0"]
    assert out_b.split() == ["done", "65", "0"]

    reference = make_engine(apart)
    load_extracted(reference, [SITE], partition("a"))
    load_extracted(reference, [SITE], partition("b"))
    reference.dispose()
    state = _state(together)
    assert state == _state(apart)
    assert len(state["articles"]) == 10 + 60 + 65  # type: ignore[arg-type]
    assert all(count == 1 for _, count in state["organizations"])  # type: ignore[union-attr]
    copies = [(url, rep) for url, rep in state["articles"] if url.endswith("/copy")]  # type: ignore[union-attr]
    assert len(copies) == 5 and all(rep == url.removesuffix("/copy") for url, rep in copies)
    assert all(size == members for _, size, members in state["cluster sizes"])  # type: ignore[union-attr]

"""Loads are idempotent and transactional, on SQLite and the real PostgreSQL."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from tests.warehouse_rows import SITE, article_row
from warehouse import models as m
from warehouse.db import make_engine, upgrade
from warehouse.load import load_extracted

ROOT = Path(__file__).resolve().parent.parent
TABLES = (
    "source",
    "organization",
    "organization_alias",
    "syndication_cluster",
    "article",
    "amount_mention",
    "organization_mention",
    "region_mention",
)


def dump(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every warehouse table (the region reference table aside), in key order."""
    with engine.connect() as connection:
        return {
            table: [tuple(row) for row in connection.execute(text(f"SELECT * FROM {table} ORDER BY 1"))]
            for table in TABLES
        }


def test_rerunning_a_partition_leaves_identical_rows(db_url: str) -> None:
    upgrade(db_url)
    engine = make_engine(db_url)
    partition = [article_row(i, amounts=(100 + i, 5 + i)) for i in range(12)]
    first = load_extracted(engine, [SITE], partition)
    once = dump(engine)
    again = load_extracted(engine, [SITE], partition)
    assert dump(engine) == once  # ids, clusters and counted flags included
    assert (first.written, first.unchanged) == (12, 0)
    assert (again.written, again.unchanged) == (0, 12)
    assert len(once["amount_mention"]) == 24
    engine.dispose()


def test_reextraction_replaces_an_articles_mentions_and_nothing_else(db_url: str) -> None:
    upgrade(db_url)
    engine = make_engine(db_url)
    load_extracted(engine, [SITE], [article_row(i, amounts=(10, 20)) for i in range(3)])
    before = dump(engine)
    target = "http://demo.example/news/1"
    report = load_extracted(engine, [SITE], [article_row(1, amounts=(35,), version="0.2.0")])
    assert report.written == 1
    with Session(engine) as session:
        article_id = session.scalar(select(m.Article.id).where(m.Article.url == target))
        mentions = session.execute(
            select(m.AmountMention.value, m.AmountMention.extractor_version, m.AmountMention.counted).where(
                m.AmountMention.article_id == article_id
            )
        ).all()
        versions = {
            table.__tablename__: set(
                session.scalars(select(table.extractor_version).where(table.article_id == article_id))
            )
            for table in (m.AmountMention, m.OrganizationMention, m.RegionMention)
        }
    assert [(int(v), ver, counted) for v, ver, counted in mentions] == [(350000, "0.2.0", True)]
    assert versions == {
        "amount_mention": {"0.2.0"},
        "organization_mention": {"0.2.0"},
        "region_mention": {"0.2.0"},
    }
    others = f"SELECT * FROM {{table}} WHERE article_id <> {article_id} ORDER BY id"
    with engine.connect() as connection:
        for table in ("amount_mention", "organization_mention", "region_mention"):
            rows = [tuple(r) for r in connection.execute(text(others.format(table=table)))]
            assert len(rows) == 4  # two articles × two mentions, untouched
            assert set(rows) <= set(before[table])
    engine.dispose()


_CHILD = """
import sys
from tests.warehouse_rows import SITE, article_row
from warehouse import load
from warehouse.db import make_engine
from warehouse.load import load_extracted

load.BATCH = 100  # three batches: killed after the second is written

def progress(handled):
    if handled == 200:
        print("midway", flush=True)
        sys.stdin.readline()  # hold the open transaction until the parent kills us

rows = (article_row(i, amounts=(7, 8), version="0.9.0") for i in range(300))
load_extracted(make_engine(sys.argv[1]), [SITE], rows, progress=progress)
print("finished", flush=True)
"""


def test_a_load_killed_half_way_leaves_the_previous_state(db_url: str) -> None:
    upgrade(db_url)
    engine = make_engine(db_url)
    load_extracted(engine, [SITE], [article_row(i, amounts=(1,)) for i in range(40)])
    before = dump(engine)
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, db_url],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert child.stdout is not None
    line = child.stdout.readline()  # blocks until the child has written 200 articles, uncommitted
    assert line.strip() == "midway"
    child.send_signal(signal.SIGKILL)
    assert child.wait(timeout=60) == -signal.SIGKILL
    assert dump(engine) == before
    # The warehouse is usable afterwards: the same load, run to the end, commits.
    report = load_extracted(
        engine, [SITE], [article_row(i, amounts=(7, 8), version="0.9.0") for i in range(300)]
    )
    assert report.written == 300 and report.articles == 300
    engine.dispose()


def test_a_bad_reextraction_keeps_the_articles_previous_mentions(
    db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Replacing mentions is all or nothing: a rejected new version leaves the old one whole."""
    upgrade(db_url)
    engine = make_engine(db_url)
    load_extracted(engine, [SITE], [article_row(i, amounts=(10, 20)) for i in range(3)])
    before = dump(engine)
    bad = article_row(1, amounts=(30, 40), version="0.2.0")
    bad["amounts"][1]["end"] = len(bad["text"]) + 5  # the second amount points outside the text
    with caplog.at_level(logging.WARNING, logger="warehouse.load"):
        report = load_extracted(engine, [SITE], [bad, article_row(7)])
    assert [r.url for r in report.rejected] == ["http://demo.example/news/1"]
    assert "outside the text" in report.rejected[0].reason
    assert "article rejected: http://demo.example/news/1" in caplog.text
    after = dump(engine)
    with Session(engine) as session:
        version = session.scalar(
            select(m.Article.extractor_version).where(m.Article.url == "http://demo.example/news/1")
        )
    assert version == "0.1.0"
    for table in ("amount_mention", "organization_mention", "region_mention"):
        assert set(before[table]) <= set(after[table])  # nothing of article 1 was touched
    assert report.written == 1  # the good article after it still loaded
    engine.dispose()


def test_a_record_that_fails_while_its_rows_are_built_is_rejected_alone(db_url: str) -> None:
    """Faults found after validation (a malformed date, an amount missing a field) reject only
    their article; the batch around it is written."""
    upgrade(db_url)
    engine = make_engine(db_url)
    bad_date, bad_amount = article_row(1), article_row(2)
    bad_date["fetched_at"] = "yesterday"
    del bad_amount["amounts"][0]["qualifier"]
    report = load_extracted(engine, [SITE], [article_row(0), bad_date, bad_amount, article_row(3)])
    assert sorted(r.url for r in report.rejected) == [bad_date["url"], bad_amount["url"]]
    assert {r.reason.split(":")[0] for r in report.rejected} == {"ValueError", "KeyError"}
    assert (report.written, report.articles) == (2, 2)
    engine.dispose()

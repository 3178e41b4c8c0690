"""Syndication clusters: copies found across scripts, representatives, amounts counted once."""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from bench.syndication import fixture_articles, sample_site_articles, score
from pipelines.staging import extract_mentions
from tests.warehouse_rows import SITE
from transforms.normalize import normalize
from warehouse import models as m
from warehouse.db import make_engine, upgrade
from warehouse.load import load_extracted
from warehouse.syndication import JOIN_SIMILARITY, minhash, similarity


def test_fixture_copies_are_found_and_decoys_kept_apart() -> None:
    result = score(fixture_articles())
    assert result.gold_pairs == 9
    assert result.wrongly_joined == []
    assert result.missed == []


def test_sample_site_copies_are_found() -> None:
    result = score(sample_site_articles())
    assert result.gold_pairs == 2
    assert (result.found, result.missed, result.wrongly_joined) == (2, [], [])


def test_a_traditional_copy_is_near_its_original_and_a_decoy_is_not() -> None:
    by_key = {a.key: a for a in fixture_articles()}
    sig = {k: minhash(normalize(a.text, a.locale).simplified) for k, a in by_key.items()}
    assert similarity(sig["r2-original"], sig["r2-tw-copy"]) >= JOIN_SIMILARITY
    assert similarity(sig["r1-original"], sig["r6-original"]) < JOIN_SIMILARITY  # same donor, other news


def test_signatures_are_stable_across_processes() -> None:
    """Stored signatures must compare with ones computed later (no per-process hash seeds)."""
    sample = "松溪市慈善总会向岚县捐赠助学金80万元"
    here = minhash(sample).hex()
    code = f"from warehouse.syndication import minhash; print(minhash({sample!r}).hex())"
    root = Path(__file__).resolve().parent.parent
    there = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root)
    assert there.stdout.strip() == here


def test_empty_texts_join_nothing() -> None:
    assert similarity(minhash(""), minhash("")) == 0.0


def _fixture_rows() -> list[dict]:
    articles = []
    for n, a in enumerate(fixture_articles()):
        normalized = normalize(a.text, a.locale)
        original = a.key.endswith("-original")
        articles.append(
            {
                "url": f"http://demo.example/{a.key}",
                "site": "demo",
                "locale": a.locale,
                "region": None,
                "fetched_at": "2026-11-21T10:00:00+00:00",
                "encoding": "utf-8",
                "replacement_chars": 0,
                "title": a.text.splitlines()[0],
                # originals first: each report's original is its earliest copy
                "published": f"2026-11-{10 if original else 12}T{n % 24:02d}:00:00",
                "source_line": None,
                "text": a.text,
                "simplified": normalized.simplified,
                "variant": normalized.variant,
            }
        )
    rows, failures = extract_mentions(articles)
    assert failures == []
    return rows


def test_the_warehouse_clusters_copies_and_counts_each_amount_once(db_url: str) -> None:
    upgrade(db_url)
    engine = make_engine(db_url)
    rows = _fixture_rows()
    report = load_extracted(engine, [SITE], rows)
    gold = {f"http://demo.example/{a.key}": a.report for a in fixture_articles()}
    with Session(engine) as session:
        articles = session.execute(select(m.Article.id, m.Article.url, m.Article.cluster_id)).all()
        clusters = {c.id: c for c in session.scalars(select(m.SyndicationCluster))}
        by_report: dict[str, set[int | None]] = {}
        for article in articles:
            by_report.setdefault(gold[article.url], set()).add(article.cluster_id)
        assert all(len(ids) == 1 for ids in by_report.values())  # one cluster per report
        assert len(set().union(*by_report.values())) == len(by_report) == report.clusters == 7
        url_of = {a.id: a.url for a in articles}
        for cluster in clusters.values():
            assert url_of[cluster.representative_article_id].endswith("-original")
        # counted once: the view's amounts are exactly the representatives' amounts that restate
        # no other (headline copies, breakdown parts, conversions)
        representatives = {c.representative_article_id for c in clusters.values()}
        expected = sorted(
            Decimal(str(a.value_cny))
            for a in session.scalars(select(m.AmountMention))
            if a.article_id in representatives and a.restates_position is None and a.value_cny is not None
        )
        counted = sorted(
            Decimal(str(v)) for v in session.scalars(text("SELECT value_cny FROM counted_amount"))
        )
        every_copy = session.scalar(text("SELECT COUNT(*) FROM amount_mention WHERE value_cny IS NOT NULL"))
    assert counted == expected
    assert 0 < len(counted) < every_copy  # the copies' amounts are in the warehouse but not counted
    engine.dispose()

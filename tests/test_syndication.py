"""Syndication clusters: copies found across scripts, representatives, amounts counted once."""

from __future__ import annotations

import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
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


def _clusters_by_url(engine) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Each article's URL → its cluster representative's URL."""
    with Session(engine) as session:
        rows = session.execute(
            text(
                "SELECT a.url, r.url FROM article a JOIN syndication_cluster c ON c.id = a.cluster_id "
                "JOIN article r ON r.id = c.representative_article_id"
            )
        ).all()
    return dict(rows)


def _counted_by_url(engine) -> list[tuple[str, int, bool]]:  # type: ignore[no-untyped-def]
    with Session(engine) as session:
        rows = session.execute(
            text(
                "SELECT a.url, am.position, am.counted FROM amount_mention am "
                "JOIN article a ON a.id = am.article_id ORDER BY a.url, am.position"
            )
        ).all()
    return [(url, position, bool(counted)) for url, position, counted in rows]


def test_clusters_built_load_by_load_in_any_order_equal_one_load(db_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Incremental clustering gives what clustering everything at once gives: copies loaded
    before their originals (the representative changes), one article per load, batches of two."""
    from warehouse import load

    rows = _fixture_rows()
    whole = make_engine(f"sqlite:///{tmp_path / 'whole.sqlite'}")
    upgrade(str(whole.url))
    load_extracted(whole, [SITE], rows)
    expected_clusters, expected_counted = _clusters_by_url(whole), _counted_by_url(whole)
    whole.dispose()

    upgrade(db_url)
    engine = make_engine(db_url)
    copies_first = sorted(rows, key=lambda r: r["url"].endswith("-original"))
    original_batch = load.BATCH
    load.BATCH = 2
    try:
        load_extracted(engine, [SITE], copies_first[:5])
        for row in copies_first[5:]:
            load_extracted(engine, [SITE], [row])
    finally:
        load.BATCH = original_batch
    assert _clusters_by_url(engine) == expected_clusters
    assert _counted_by_url(engine) == expected_counted
    with Session(engine) as session:  # every cluster row's size is its member count
        sizes = session.execute(
            text(
                "SELECT c.size, (SELECT COUNT(*) FROM article a WHERE a.cluster_id = c.id) "
                "FROM syndication_cluster c"
            )
        ).all()
    assert all(size == members for size, members in sizes)
    engine.dispose()


def test_a_copy_rewritten_as_other_news_leaves_its_cluster_and_counts(db_url: str) -> None:
    upgrade(db_url)
    engine = make_engine(db_url)
    rows = _fixture_rows()
    load_extracted(engine, [SITE], rows)
    before = _clusters_by_url(engine)
    copy = next(r for r in rows if before[r["url"]] != r["url"])  # a copy, represented by another
    rewritten = dict(
        _fixture_rows_from([{**copy, "text": "岚山县今年新建了三座图书室，由县教育局统筹。"}])[0]
    )
    report = load_extracted(engine, [SITE], [rewritten])
    assert report.written == 1
    after = _clusters_by_url(engine)
    assert after[copy["url"]] == copy["url"]  # a cluster of its own now, its amounts counted
    assert {u: r for u, r in after.items() if u != copy["url"]} == {
        u: r for u, r in before.items() if u != copy["url"]
    }
    engine.dispose()


def _fixture_rows_from(articles: list[dict]) -> list[dict]:
    reextracted = []
    for article in articles:
        normalized = normalize(article["text"], article["locale"])
        reextracted.append({**article, "simplified": normalized.simplified, "variant": normalized.variant})
    rows, failures = extract_mentions(reextracted)
    assert failures == []
    return rows


def test_a_full_bucket_takes_no_more_members_yet_later_copies_still_join(db_url: str, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Six exact copies with buckets capped at three: the buckets stop growing at three, and the
    copies loaded after that are still compared with the three and join their cluster."""
    import warehouse.clusters

    monkeypatch.setattr(warehouse.clusters, "BUCKET_CAP", 3)
    upgrade(db_url)
    engine = make_engine(db_url)
    source = _fixture_rows()[0]
    copies = [dict(source, url=f"{source['url']}/copy{i}") for i in range(6)]
    load_extracted(engine, [SITE], copies[:2])
    report = load_extracted(engine, [SITE], copies[2:])
    assert report.compared == 2 + 3 + 3 + 3  # copy 2 meets the first two; the others the full bucket's three
    with Session(engine) as session:
        largest = session.scalar(
            text("SELECT MAX(n) FROM (SELECT COUNT(*) AS n FROM syndication_band GROUP BY key) buckets")
        )
    assert largest == 3
    assert len(set(_clusters_by_url(engine).values())) == 1
    engine.dispose()


def _reference_minhash(simplified_text: str) -> bytes:
    """The signature's definition, one shingle at a time (the loader computes it batched)."""
    import zlib

    import numpy as np

    from warehouse import syndication

    grams = syndication.shingles(simplified_text)
    if not grams:
        return bytes(syndication.SIGNATURE_BYTES)
    base = np.array([zlib.crc32(g.encode()) for g in grams], dtype=np.uint64)
    with np.errstate(over="ignore"):
        hashed = syndication._mix(base[None, :] ^ syndication._SEEDS[:, None]) & syndication._MASK32
    return hashed.min(axis=1).astype("<u4").tobytes()


@pytest.mark.parametrize("compiled", [True, False], ids=["compiled", "numpy"])
def test_batched_signatures_equal_the_one_shingle_at_a_time_definition(compiled: bool, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import random

    from warehouse import syndication
    from warehouse.syndication import minhashes

    if compiled and not syndication.native_signatures:
        pytest.skip("transforms/_native is not built (no C compiler)")
    monkeypatch.setattr(syndication, "native_signatures", compiled)

    rng = random.Random(7)
    alphabet = "松溪市慈善总会向岚县捐赠助学金万元abcXYZ0123456789，。 \n é𠀀"
    texts = ["", "，。", "a", "慈善", "慈善总会", "慈善总会向", "𠀀𠀀𠀀𠀀𠀀", "总会总会总会"]
    texts += ["".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 80))) for _ in range(400)]
    texts.append("松溪市慈善总会" * 3000)  # longer than one mixing block on its own
    assert minhashes(texts) == [_reference_minhash(t) for t in texts]
    # A signature stored before the batched computation: the same bytes today.
    assert minhash("松溪市慈善总会向岚县捐赠助学金80万元").hex()[:32] == "1c4a4006208b0701a5b8be12b6e09709"


def test_the_compiled_signatures_are_used_in_ci_and_refuse_malformed_input() -> None:

    from warehouse import syndication

    if os.environ.get("CI") == "true":  # `make test` built transforms/_native: no silent fallback
        assert syndication.native_signatures
    if not syndication.native_signatures:
        pytest.skip("transforms/_native is not built (no C compiler)")
    for texts in (["慈善", ""], ["慈善", 4], None):  # an empty text, not a text, not a sequence
        with pytest.raises((ValueError, TypeError)):
            syndication._native.signatures(texts, syndication._SEEDS)
    with pytest.raises(ValueError, match="seeds"):
        syndication._native.signatures(["慈善"], b"abc")


def test_deleting_an_article_takes_its_band_keys_and_a_stray_key_joins_nothing(db_url: str) -> None:
    upgrade(db_url)
    engine = make_engine(db_url)
    rows = _fixture_rows()
    load_extracted(engine, [SITE], rows)
    expected = _clusters_by_url(engine)
    copy = next(url for url, representative in expected.items() if url != representative)
    with engine.begin() as connection:
        gone = connection.scalar(text("SELECT id FROM article WHERE url = :u"), {"u": copy})
        keys = connection.execute(
            text("SELECT band, key FROM syndication_band WHERE article_id = :a"), {"a": gone}
        ).all()
        others = connection.scalar(
            text("SELECT COUNT(*) FROM syndication_band WHERE article_id <> :a"), {"a": gone}
        )
        assert len(keys) == 16
        for table in ("amount_mention", "organization_mention", "region_mention"):
            connection.execute(text(f"DELETE FROM {table} WHERE article_id = :a"), {"a": gone})
        connection.execute(text("DELETE FROM article WHERE id = :a"), {"a": gone})
    with engine.begin() as connection:
        assert (
            connection.scalar(
                text("SELECT COUNT(*) FROM syndication_band WHERE article_id = :a"), {"a": gone}
            )
            == 0
        )
        assert connection.scalar(text("SELECT COUNT(*) FROM syndication_band")) == others
        # The deleted article's keys written back by hand, naming an article that no longer exists.
        connection.execute(
            text("INSERT INTO syndication_band (article_id, band, key) VALUES (:a, :b, :k)"),
            [{"a": gone, "b": band, "k": key} for band, key in keys],
        )
    report = load_extracted(engine, [SITE], [r for r in rows if r["url"] == copy])
    assert report.written == 1 and not report.rejected
    assert _clusters_by_url(engine) == expected  # the copy joined its report again, the stray key nothing
    engine.dispose()

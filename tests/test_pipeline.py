"""The whole asset graph, materialized in-process against the sample sites and a temporary
SQLite warehouse, twice: the second run must leave identical row counts."""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from decimal import Decimal
from pathlib import Path

import dagster as dg
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pipelines.local_run import LocalRun, materialize_everything
from pipelines.mail import MailResource
from pipelines.resources import SiteRegistryResource, StorageResource, WarehouseResource
from spiders.sample_server import SAMPLE_ROOT
from warehouse import models as m
from warehouse.db import make_engine

TABLES = [
    m.Source,
    m.Article,
    m.Organization,
    m.OrganizationAlias,
    m.AmountMention,
    m.OrganizationMention,
    m.RegionMention,
    m.SyndicationCluster,
    m.Region,
]


def _materialize(data_dir: Path, db_url: str) -> LocalRun:
    resources = {
        "storage": StorageResource(data_dir=str(data_dir)),
        "site_registry": SiteRegistryResource(registry="samples"),
        "warehouse": WarehouseResource(db_url=db_url),
        "pipes_subprocess_client": dg.PipesSubprocessClient(),
        "mail": MailResource(enabled=False),  # previews only: no SMTP server in this test
    }
    with dg.instance_for_test() as instance:
        return materialize_everything(resources, instance, ["shanxing", "gangao", "xiangcun"])


def _counts(db_url: str) -> dict[str, int]:
    engine = make_engine(db_url)
    with Session(engine) as session:
        counts = {t.__tablename__: session.scalar(select(func.count()).select_from(t)) or 0 for t in TABLES}
    engine.dispose()
    return counts


@pytest.fixture(scope="module")
def two_runs(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[LocalRun, dict, dict, str, Path]:
    data_dir = tmp_path_factory.mktemp("data")
    db_url = f"sqlite:///{data_dir / 'warehouse.sqlite'}"
    first = _materialize(data_dir, db_url)
    assert first.success
    first_counts = _counts(db_url)
    second = _materialize(data_dir, db_url)
    return second, first_counts, _counts(db_url), db_url, data_dir


def _gold() -> dict[str, dict]:
    gold = {}
    for path in SAMPLE_ROOT.glob("*/articles/*.toml"):
        data = tomllib.loads(path.read_text("utf-8"))
        gold[data["slug"]] = data
    return gold


def test_every_stage_materializes(two_runs) -> None:  # type: ignore[no-untyped-def]
    run = two_runs[0]
    assert run.success
    materialized = {
        e.asset_key.to_user_string() for r in run.results for e in r.get_asset_materialization_events()
    }
    assert materialized == {"raw_pages", "articles", "mentions", "warehouse_tables", "weekly_digest"}
    crawls = {
        site: r.asset_materializations_for_node("raw_pages")[-1].metadata for site, r in run.crawls.items()
    }
    # This is the second run: the crawl is incremental, every article is already stored.
    assert {site: c["site"].value for site, c in crawls.items()} == {s: s for s in crawls}
    assert sum(c["articles_fetched"].value for c in crawls.values()) == 0
    assert {site: c["articles_already_stored"].value for site, c in crawls.items()} == {
        "shanxing": 18,
        "gangao": 12,
        "xiangcun": 14,
    }
    assert sum(c["failed_requests"].value for c in crawls.values()) == 0
    # The sample sites are clean: every check of every stage passes on them (one crawl check
    # per crawl, six processing checks per site partition, none for the digest).
    evaluations = run.check_evaluations()
    assert len(evaluations) == 3 + 6 * 3 and all(e.passed for e in evaluations), evaluations
    # Processing is incremental: the second run's partitions read no page again.
    processed = {
        site: r.asset_materializations_for_node("articles")[-1].metadata for site, r in run.processing.items()
    }
    assert {site: md["articles"].value for site, md in processed.items()} == {
        "shanxing": 0,
        "gangao": 0,
        "xiangcun": 0,
    }


def test_rerun_leaves_identical_row_counts(two_runs) -> None:  # type: ignore[no-untyped-def]
    _, first, second, _, data_dir = two_runs
    assert first == second
    assert second["article"] == 44 and second["source"] == 3
    # The raw store is append-only: each site's second crawl added a fetch log, not a second
    # copy of bodies.
    assert len(list((data_dir / "raw" / "fetches").glob("*.jsonl"))) == 2 * 3


def test_articles_have_dates_scripts_and_encodings(two_runs) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine(two_runs[3])
    with Session(engine) as session:
        articles = session.scalars(select(m.Article)).all()
        by_source = Counter(a.source.name for a in articles)
        variants = Counter((a.source.name, a.script_variant) for a in articles)
        encodings = {(a.source.name, a.encoding) for a in articles}
    engine.dispose()
    gold = _gold()
    assert by_source == {"shanxing": 18, "gangao": 12, "xiangcun": 14}
    assert variants[("gangao", "traditional")] == 12
    assert encodings == {("shanxing", "utf-8"), ("gangao", "big5hkscs"), ("xiangcun", "gb18030")}
    for article in articles:
        slug = next(s for s in gold if s in article.url)
        assert article.published_at is not None
        assert article.published_at.strftime("%Y-%m-%d %H:%M").startswith(gold[slug]["published"][:10])


def test_syndicated_copies_share_a_cluster(two_runs) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine(two_runs[3])
    with Session(engine) as session:
        clusters = Counter(session.scalars(select(m.Article.cluster_id)).all())
        by_slug = {a.url.rsplit("/", 1)[-1]: a.cluster_id for a in session.scalars(select(m.Article))}
    engine.dispose()
    copies = [
        (d["syndicated_from"].split("/", 1)[1], slug) for slug, d in _gold().items() if "syndicated_from" in d
    ]
    assert len(copies) == 2

    def cluster_of(slug: str) -> int | None:
        return next(c for url_tail, c in by_slug.items() if slug in url_tail)

    for original, copy in copies:
        assert cluster_of(original) == cluster_of(copy)
    assert sum(1 for size in clusters.values() if size > 1) == len(copies)  # nothing wrongly joined


def test_amounts_match_the_sample_gold(two_runs) -> None:  # type: ignore[no-untyped-def]
    """A regression floor, not the evaluation (that is `make eval` in the extraction issue)."""
    engine = make_engine(two_runs[3])
    gold = _gold()
    tp = fp = fn = 0
    with Session(engine) as session:
        for article in session.scalars(select(m.Article)):
            slug = next(s for s in gold if s in article.url)
            expected = Counter(
                (Decimal(str(a["value"])), a["currency"]) for a in gold[slug]["gold"]["amounts"]
            )
            found = Counter(
                (a.value, a.currency)
                for a in session.scalars(
                    select(m.AmountMention).where(m.AmountMention.article_id == article.id)
                )
            )
            tp += sum((expected & found).values())
            fp += sum((found - expected).values())
            fn += sum((expected - found).values())
            for mention in session.scalars(
                select(m.AmountMention).where(m.AmountMention.article_id == article.id)
            ):
                assert article.original_text[mention.start : mention.end] == mention.surface
                assert mention.surface in mention.sentence
    engine.dispose()
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    assert precision >= 0.95 and recall >= 0.88, (precision, recall)


def test_digest_files_for_the_latest_week(two_runs) -> None:  # type: ignore[no-untyped-def]
    data_dir = two_runs[4]
    html = (data_dir / "digest" / "digest-2026-W47.html").read_text("utf-8")
    text = (data_dir / "digest" / "digest-2026-W47.txt").read_text("utf-8")
    assert "本周收录 15 篇报道" in text
    assert "本周重要捐赠" in html and 'name="viewport"' in html
    # The 5亿元 pledge was syndicated to a second site, and its headline restates it: it is
    # listed once, noting both copies.
    assert sum(1 for line in text.splitlines() if re.fullmatch(r"\d+\. 5亿元", line)) == 1
    assert "2 个网站刊登" in text
    # A Hong Kong source's headline and sentence, quoted in the digest's simplified script.
    assert "全年筹款逾3.1亿港元" in text and "籌款" not in text and "籌款" not in html

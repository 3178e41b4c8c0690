"""Asset checks: is each stage's output complete and plausible, per site where it helps.

Sites come and go with the registry, so a check covers every site and its metadata has one row
per site (a Markdown table in the UI) instead of one check per site.  Severity: WARN when a
quality rate falls below its threshold (the data is usable but something deserves a look),
ERROR when the data is wrong or missing (nothing fetched, duplicate URLs, impossible amounts,
mentions pointing at no article).
"""

import hashlib
from collections import Counter
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

import dagster as dg
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from pipelines.assets.crawl import raw_pages
from pipelines.assets.transform import articles, load_batch, mentions
from pipelines.assets.warehouse import warehouse_tables
from pipelines.load_summary import MENTION_TABLES, article_ids, chunks, load_marks
from pipelines.partitions import SITE_RUN_TAG, processing_sites
from pipelines.resources import SiteRegistryResource, StorageResource, WarehouseResource
from pipelines.staging import read_jsonl, staged_urls
from spiders.raw_store import RawStore
from warehouse import models as m
from warehouse.db import make_engine

PARTITION_TAG = "dagster/partition"  # a processing run's partition: its site
BODY_SHARE_MIN = 0.8  # article pages that must yield an article with a main text
DATE_RATE_MIN = 0.9  # articles whose publication date was read
AMOUNT_CEILING_CNY = Decimal("1e11")  # 1000亿元: more than any single gift ever reported


def _table(header: tuple[str, ...], rows: Iterable[tuple[Any, ...]]) -> dg.MetadataValue:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return dg.MetadataValue.md("\n".join(lines))


def _rate(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


# -- raw_pages -----------------------------------------------------------------------------


def pages_in_latest_crawl(store: RawStore, site_names: list[str]) -> dict[str, int]:
    """Responses received (any status) in each site's most recent crawl; 0 if never crawled.

    Read from the raw store's index of fetch logs, not from the logs themselves."""
    latest: dict[str, int] = {}
    for entry in store.log_index().values():  # oldest log first: the last one seen is the newest
        for site, info in entry.sites.items():
            latest[site] = info.responses
    return {name: latest.get(name, 0) for name in site_names}


@dg.asset_check(asset=raw_pages, name="pages_fetched_per_site")
def pages_fetched_per_site(
    context: dg.AssetCheckExecutionContext, storage: StorageResource, site_registry: SiteRegistryResource
) -> dg.AssetCheckResult:
    """ERROR when a site got no response at all in its latest crawl (or was never crawled):
    the site is down, blocks us, or its registry entry is wrong.  In a crawl run it checks the
    run's site; run on its own, every registered site."""
    run_site = context.run.tags.get(SITE_RUN_TAG)
    names = [run_site] if run_site else [s.name for s in site_registry.sites()]
    pages = pages_in_latest_crawl(storage.raw_store(), names)
    empty = sorted(name for name, count in pages.items() if count == 0)
    return dg.AssetCheckResult(
        passed=not empty,
        severity=dg.AssetCheckSeverity.ERROR,
        description=f"no pages fetched for {', '.join(empty)}" if empty else None,
        metadata={
            "sites_without_pages": len(empty),
            "per_site": _table(("site", "pages in latest crawl"), sorted(pages.items())),
            "raw_store": dg.MetadataValue.path(str(storage.raw_store().root)),
        },
    )


# -- articles and mentions: per site partition, streaming its staging files ----------------


def _hashed(url: str) -> int:
    # 8 bytes per URL instead of the URL: a set over a whole site's archive stays small.
    return int.from_bytes(hashlib.blake2b(url.encode(), digest_size=8).digest(), "big")


def sites_of(context: dg.AssetCheckExecutionContext) -> list[str]:
    """The run's site partition; run on its own (no partition), every site partition."""
    site = context.run.tags.get(PARTITION_TAG)
    return [site] if site else processing_sites.get_partition_keys()


def body_share_of(storage: StorageResource, site: str) -> tuple[int, int]:
    """(articles with a main text, article pages read) in the site's latest batch."""
    batch = load_batch(storage, site)
    with_body = sum(1 for a in read_jsonl(storage.site_staging(site, "articles.jsonl")) if a["text"].strip())
    return with_body, batch.pages if batch is not None else 0


@dg.asset_check(asset=articles, name="body_share")
def body_share(context: dg.AssetCheckExecutionContext, storage: StorageResource) -> dg.AssetCheckResult:
    """WARN when fewer than 80 % of the article pages a site's latest run read gave an article
    with a main text: its page layout probably changed (see docs/adding-a-site.md for
    selectors).  A run that read no new page passes.  In a processing run it checks the run's
    site; run on its own, every site."""
    shares = {site: body_share_of(storage, site) for site in sites_of(context)}
    low = sorted(site for site, (ok, total) in shares.items() if total and _rate(ok, total) < BODY_SHARE_MIN)
    ok_all, total_all = sum(v[0] for v in shares.values()), sum(v[1] for v in shares.values())
    return dg.AssetCheckResult(
        passed=not low,
        severity=dg.AssetCheckSeverity.WARN,
        description=f"body share below {BODY_SHARE_MIN:.0%} for {', '.join(low)}" if low else None,
        metadata={
            "body_share": dg.MetadataValue.float(round(_rate(ok_all, total_all), 4)),
            "threshold": BODY_SHARE_MIN,
            "per_site": _table(
                ("site", "with body", "article pages", "share"),
                ((s, ok, t, f"{_rate(ok, t):.1%}") for s, (ok, t) in shares.items()),
            ),
        },
    )


def date_rate_of(storage: StorageResource, site: str) -> tuple[int, int]:
    """(articles with a publication date, articles) in the site's latest batch."""
    dated = total = 0
    for article in read_jsonl(storage.site_staging(site, "articles.jsonl")):
        dated += bool(article.get("published"))
        total += 1
    return dated, total


@dg.asset_check(asset=articles, name="date_extraction_rate")
def date_extraction_rate(
    context: dg.AssetCheckExecutionContext, storage: StorageResource
) -> dg.AssetCheckResult:
    """WARN when fewer than 90 % of a site's new articles have a publication date: undated
    articles fall out of the weekly digest and of every by-month view.  A run with no new
    article passes."""
    rates = {site: date_rate_of(storage, site) for site in sites_of(context)}
    low = sorted(
        site for site, (dated, total) in rates.items() if total and _rate(dated, total) < DATE_RATE_MIN
    )
    dated_all, total_all = sum(v[0] for v in rates.values()), sum(v[1] for v in rates.values())
    return dg.AssetCheckResult(
        passed=not low,
        severity=dg.AssetCheckSeverity.WARN,
        description=f"date rate below {DATE_RATE_MIN:.0%} for {', '.join(low)}" if low else None,
        metadata={
            "date_rate": dg.MetadataValue.float(round(_rate(dated_all, total_all), 4)),
            "threshold": DATE_RATE_MIN,
            "per_site": _table(
                ("site", "dated", "articles", "rate"),
                ((s, d, t, f"{_rate(d, t):.1%}") for s, (d, t) in rates.items()),
            ),
        },
    )


def duplicate_urls(storage: StorageResource, site: str) -> tuple[Counter[str], int]:
    """(extra copies per URL staged more than once, articles) in the site's staging file."""
    seen: set[int] = set()
    duplicates: Counter[str] = Counter()
    total = 0
    for url in staged_urls(storage.site_staging(site, "articles.jsonl")):
        total += 1
        key = _hashed(url)
        if key in seen:
            duplicates[url] += 1
        seen.add(key)
    return duplicates, total


@dg.asset_check(asset=articles, name="unique_article_urls")
def unique_article_urls(
    context: dg.AssetCheckExecutionContext, storage: StorageResource
) -> dg.AssetCheckResult:
    """ERROR when one URL appears as two articles in a site's staging file: every count and
    total downstream would count that article twice."""
    duplicates: Counter[str] = Counter()
    by_site: Counter[str] = Counter()
    total = 0
    for site in sites_of(context):
        found, articles_staged = duplicate_urls(storage, site)
        duplicates.update(found)
        by_site[site] += sum(found.values())
        total += articles_staged
    return dg.AssetCheckResult(
        passed=not duplicates,
        severity=dg.AssetCheckSeverity.ERROR,
        description=f"{len(duplicates)} URL(s) staged more than once" if duplicates else None,
        metadata={
            "duplicate_urls": len(duplicates),
            "articles": total,
            **(
                {
                    "duplicates": _table(("url", "extra copies"), sorted(duplicates.items())[:20]),
                    "per_site": _table(("site", "extra rows"), sorted((+by_site).items())),
                }
                if duplicates
                else {}
            ),
        },
    )


def not_extracted(storage: StorageResource, site: str) -> tuple[int, int]:
    """(articles staged but missing from the mentions file, articles staged) for the site."""
    # URLs only: the rest of a row is not looked at, and a mentions row is mostly mentions.
    extracted = {_hashed(url) for url in staged_urls(storage.site_staging(site, "mentions.jsonl"))}
    staged = missing = 0
    for url in staged_urls(storage.site_staging(site, "articles.jsonl")):
        staged += 1
        missing += _hashed(url) not in extracted
    return missing, staged


@dg.asset_check(asset=mentions, name="every_article_extracted")
def every_article_extracted(
    context: dg.AssetCheckExecutionContext, storage: StorageResource
) -> dg.AssetCheckResult:
    """WARN when articles went into extraction but did not come out (the extractor raised on
    them; the mentions step's metadata lists why): their amounts are missing."""
    missing = {site: not_extracted(storage, site) for site in sites_of(context)}
    lost = sum(v[0] for v in missing.values())
    staged = sum(v[1] for v in missing.values())
    return dg.AssetCheckResult(
        passed=not lost,
        severity=dg.AssetCheckSeverity.WARN,
        description=f"{lost} article(s) not extracted" if lost else None,
        metadata={
            "articles_not_extracted": lost,
            "extraction_rate": dg.MetadataValue.float(round(_rate(staged - lost, staged), 4)),
            **(
                {
                    "per_site": _table(
                        ("site", "not extracted"), ((s, v[0]) for s, v in missing.items() if v[0])
                    )
                }
                if lost
                else {}
            ),
        },
    )


# -- warehouse_tables ------------------------------------------------------------------------


def implausible_amounts(
    engine: Engine,
    ceiling: Decimal = AMOUNT_CEILING_CNY,
    site: str | None = None,
    urls: list[str] | None = None,
) -> list[tuple[Any, ...]]:
    """Amount mentions above ``ceiling`` CNY (of one site's articles if given; of the articles
    with these ``urls`` if given, looked up by their indexed ids): (site, value_cny, surface,
    article url), the largest first."""
    query = (
        select(m.Source.name, m.AmountMention.value_cny, m.AmountMention.surface, m.Article.url)
        .join(m.Article, m.Article.id == m.AmountMention.article_id)
        .join(m.Source, m.Source.id == m.Article.source_id)
        .where(m.AmountMention.value_cny > ceiling)
        .order_by(m.AmountMention.value_cny.desc())
    )
    if site is not None:
        query = query.where(m.Source.name == site)
    with Session(engine) as session:
        if urls is None:
            return [tuple(row) for row in session.execute(query).all()]
        found: list[tuple[Any, ...]] = []
        for chunk in chunks(article_ids(session, urls)):
            rows = session.execute(query.where(m.AmountMention.article_id.in_(chunk)))
            found += [tuple(row) for row in rows]
    return sorted(found, key=lambda row: row[1], reverse=True)


@dg.asset_check(asset=warehouse_tables, name="amounts_plausible")
def amounts_plausible(
    context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource, storage: StorageResource
) -> dg.AssetCheckResult:
    """ERROR when an amount mention of the site's articles exceeds 1e11 CNY (1000亿元): that
    is a misread number (a phone number, a unit read twice), and it would swamp every total.
    In a processing run, the articles this run loaded (its staged mentions file: what was
    already checked is not scanned again, so a daily run costs what it loads); run on its own,
    every site's articles."""
    site = context.run.tags.get(PARTITION_TAG)
    urls = list(staged_urls(storage.site_staging(site, "mentions.jsonl"))) if site else None
    engine = make_engine(warehouse.db_url)  # the asset migrated it; a check only reads
    try:
        found = implausible_amounts(engine, site=site, urls=urls)
    finally:
        engine.dispose()
    return dg.AssetCheckResult(
        passed=not found,
        severity=dg.AssetCheckSeverity.ERROR,
        description=f"{len(found)} amount(s) above {AMOUNT_CEILING_CNY:,.0f} CNY" if found else None,
        metadata={
            "amounts_above_ceiling": len(found),
            "ceiling_cny": float(AMOUNT_CEILING_CNY),
            **(
                {
                    "implausible": _table(
                        ("site", "CNY", "as written", "article"),
                        ((s, f"{v:,.0f}", surf, u) for s, v, surf, u in found[:20]),
                    )
                }
                if found
                else {}
            ),
        },
    )


def orphan_mentions(engine: Engine, above: Mapping[str, int] | None = None) -> dict[str, int]:
    """Per mention table, rows whose article does not exist (``above``: only the rows with an
    id above the table's mark, a primary-key range)."""
    counts = {}
    with Session(engine) as session:
        for table in MENTION_TABLES:
            orphans = (
                select(table.id)
                .outerjoin(m.Article, m.Article.id == table.article_id)
                .where(m.Article.id.is_(None))
            )
            if above is not None:
                orphans = orphans.where(table.id > above.get(table.__tablename__, 0))
            query = select(func.count()).select_from(orphans.subquery())
            counts[table.__tablename__] = int(session.scalar(query) or 0)
    return counts


@dg.asset_check(asset=warehouse_tables, name="no_orphan_mentions")
def no_orphan_mentions(
    context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource, storage: StorageResource
) -> dg.AssetCheckResult:
    """ERROR when a mention points at an article that is not in the warehouse (a load or a
    delete went wrong, e.g. on a SQLite file opened without foreign keys).  In a processing
    run, the mention rows this run's load inserted: those above the highest ids the step noted
    before its load (staging/<site>/load.json), as a load keeps its articles and writes
    mentions as new rows, so a daily run costs what it loads (SQLite may give a load's rows
    the ids of rows it deleted at the very top: rows of its own, existing articles).  Run on
    its own, the whole warehouse (one anti-join per mention table, on the article_id index),
    which also finds articles deleted under their mentions by another client."""
    site = context.run.tags.get(PARTITION_TAG)
    marks = load_marks(storage.site_staging(site, "load.json")) if site else None
    engine = make_engine(warehouse.db_url)
    try:
        counts = orphan_mentions(engine, marks)
    finally:
        engine.dispose()
    total = sum(counts.values())
    return dg.AssetCheckResult(
        passed=total == 0,
        severity=dg.AssetCheckSeverity.ERROR,
        description=f"{total} mention(s) without their article" if total else None,
        metadata={
            "orphan_mentions": total,
            "scope": "mentions inserted by this run's load" if marks is not None else "whole warehouse",
            "per_table": _table(("table", "orphans"), sorted(counts.items())),
        },
    )


ALL_CHECKS = [
    pages_fetched_per_site,
    body_share,
    date_extraction_rate,
    unique_article_urls,
    every_article_extracted,
    amounts_plausible,
    no_orphan_mentions,
]

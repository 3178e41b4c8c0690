"""Asset checks: is each stage's output complete and plausible, per site where it helps.

Sites come and go with the registry, so a check covers every site and its metadata has one row
per site (a Markdown table in the UI) instead of one check per site.  Severity: WARN when a
quality rate falls below its threshold (the data is usable but something deserves a look),
ERROR when the data is wrong or missing (nothing fetched, duplicate URLs, impossible amounts,
mentions pointing at no article).
"""

import json
from collections import Counter, defaultdict
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

import dagster as dg
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from pipelines.assets.crawl import raw_pages
from pipelines.assets.transform import articles, mentions
from pipelines.assets.warehouse import warehouse_tables
from pipelines.partitions import SITE_RUN_TAG
from pipelines.resources import SiteRegistryResource, StorageResource, WarehouseResource
from spiders.raw_store import RawStore
from warehouse import models as m

BODY_SHARE_MIN = 0.8  # article pages that must yield an article with a main text
DATE_RATE_MIN = 0.9  # articles whose publication date was read
AMOUNT_CEILING_CNY = Decimal("1e11")  # 1000亿元: more than any single gift ever reported


def _table(header: tuple[str, ...], rows: Iterable[tuple[Any, ...]]) -> dg.MetadataValue:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return dg.MetadataValue.md("\n".join(lines))


def _staged(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def _rate(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


# -- raw_pages -----------------------------------------------------------------------------


def pages_in_latest_crawl(store: RawStore, site_names: list[str]) -> dict[str, int]:
    """Responses received (any status) in each site's most recent crawl; 0 if never crawled."""
    latest_crawl: dict[str, str] = {}
    counts: Counter[tuple[str, str]] = Counter()
    for record in store.records():  # oldest crawl first: the last crawl id seen is the newest
        latest_crawl[record.site] = record.crawl_id
        if record.status is not None:
            counts[(record.site, record.crawl_id)] += 1
    return {name: counts[(name, latest_crawl[name])] if name in latest_crawl else 0 for name in site_names}


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


# -- articles --------------------------------------------------------------------------------


def body_share_by_site(store: RawStore, staged: list[dict[str, Any]]) -> dict[str, tuple[int, int]]:
    """Per site: (articles with a main text, article pages fetched)."""
    fetched = Counter(record.site for record in store.latest_articles().values())
    with_body = Counter(a["site"] for a in staged if (a.get("text") or "").strip())
    return {site: (with_body[site], total) for site, total in sorted(fetched.items())}


@dg.asset_check(asset=articles, name="body_share")
def body_share(storage: StorageResource) -> dg.AssetCheckResult:
    """WARN when fewer than 80 % of a site's fetched article pages gave an article with a main
    text: its page layout probably changed (see docs/adding-a-site.md for selectors)."""
    shares = body_share_by_site(storage.raw_store(), _staged(storage.staging("articles.jsonl")))
    low = sorted(site for site, (ok, total) in shares.items() if _rate(ok, total) < BODY_SHARE_MIN)
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


def date_rate_by_site(staged: list[dict[str, Any]]) -> dict[str, tuple[int, int]]:
    """Per site: (articles with a publication date, articles)."""
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for article in staged:
        totals[article["site"]][0] += bool(article.get("published"))
        totals[article["site"]][1] += 1
    return {site: (dated, total) for site, (dated, total) in sorted(totals.items())}


@dg.asset_check(asset=articles, name="date_extraction_rate")
def date_extraction_rate(storage: StorageResource) -> dg.AssetCheckResult:
    """WARN when fewer than 90 % of a site's articles have a publication date: undated
    articles fall out of the weekly digest and of every by-month view."""
    rates = date_rate_by_site(_staged(storage.staging("articles.jsonl")))
    low = sorted(site for site, (dated, total) in rates.items() if _rate(dated, total) < DATE_RATE_MIN)
    dated_all, total_all = sum(v[0] for v in rates.values()), sum(v[1] for v in rates.values())
    return dg.AssetCheckResult(
        passed=bool(rates) and not low,
        severity=dg.AssetCheckSeverity.WARN,
        description=(
            "no articles staged"
            if not rates
            else f"date rate below {DATE_RATE_MIN:.0%} for {', '.join(low)}"
            if low
            else None
        ),
        metadata={
            "date_rate": dg.MetadataValue.float(round(_rate(dated_all, total_all), 4)),
            "threshold": DATE_RATE_MIN,
            "per_site": _table(
                ("site", "dated", "articles", "rate"),
                ((s, d, t, f"{_rate(d, t):.1%}") for s, (d, t) in rates.items()),
            ),
        },
    )


@dg.asset_check(asset=articles, name="unique_article_urls")
def unique_article_urls(storage: StorageResource) -> dg.AssetCheckResult:
    """ERROR when one URL appears as two articles in the staging file: every count and total
    downstream would count that article twice."""
    staged = _staged(storage.staging("articles.jsonl"))
    counts = Counter(a["url"] for a in staged)
    duplicates = sorted((url, n) for url, n in counts.items() if n > 1)
    by_site = Counter(a["site"] for a in staged if counts[a["url"]] > 1)
    return dg.AssetCheckResult(
        passed=not duplicates,
        severity=dg.AssetCheckSeverity.ERROR,
        description=f"{len(duplicates)} URL(s) staged more than once" if duplicates else None,
        metadata={
            "duplicate_urls": len(duplicates),
            "articles": len(staged),
            **({"duplicates": _table(("url", "times"), duplicates[:20])} if duplicates else {}),
            **({"per_site": _table(("site", "duplicate rows"), sorted(by_site.items()))} if by_site else {}),
        },
    )


# -- mentions --------------------------------------------------------------------------------


@dg.asset_check(asset=mentions, name="every_article_extracted")
def every_article_extracted(storage: StorageResource) -> dg.AssetCheckResult:
    """WARN when articles went into extraction but did not come out (the extractor raised on
    them; the mentions step's metadata lists why): their amounts are missing."""
    staged = _staged(storage.staging("articles.jsonl"))
    extracted = {a["url"] for a in _staged(storage.staging("mentions.jsonl"))}
    missing = Counter(a["site"] for a in staged if a["url"] not in extracted)
    return dg.AssetCheckResult(
        passed=not missing,
        severity=dg.AssetCheckSeverity.WARN,
        description=f"{sum(missing.values())} article(s) not extracted" if missing else None,
        metadata={
            "articles_not_extracted": sum(missing.values()),
            "extraction_rate": dg.MetadataValue.float(round(_rate(len(extracted), len(staged)), 4)),
            **({"per_site": _table(("site", "not extracted"), sorted(missing.items()))} if missing else {}),
        },
    )


# -- warehouse_tables ------------------------------------------------------------------------


def implausible_amounts(engine: Engine, ceiling: Decimal = AMOUNT_CEILING_CNY) -> list[tuple[Any, ...]]:
    """Amount mentions above ``ceiling`` CNY: (site, value_cny, surface, article url)."""
    with Session(engine) as session:
        rows = session.execute(
            select(m.Source.name, m.AmountMention.value_cny, m.AmountMention.surface, m.Article.url)
            .join(m.Article, m.Article.id == m.AmountMention.article_id)
            .join(m.Source, m.Source.id == m.Article.source_id)
            .where(m.AmountMention.value_cny > ceiling)
            .order_by(m.AmountMention.value_cny.desc())
        ).all()
    return [tuple(row) for row in rows]


@dg.asset_check(asset=warehouse_tables, name="amounts_plausible")
def amounts_plausible(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    """ERROR when an amount mention exceeds 1e11 CNY (1000亿元): that is a misread number
    (a phone number, a unit read twice), and it would swamp every total."""
    engine = warehouse.migrated_engine()
    try:
        found = implausible_amounts(engine)
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


_MENTION_TABLES = (m.AmountMention, m.OrganizationMention, m.RegionMention)


def orphan_mentions(engine: Engine) -> dict[str, int]:
    """Per mention table, rows whose article does not exist."""
    counts = {}
    with Session(engine) as session:
        for table in _MENTION_TABLES:
            orphans = (
                select(table.id)
                .outerjoin(m.Article, m.Article.id == table.article_id)
                .where(m.Article.id.is_(None))
                .subquery()
            )
            counts[table.__tablename__] = len(session.execute(select(orphans.c.id)).all())
    return counts


@dg.asset_check(asset=warehouse_tables, name="no_orphan_mentions")
def no_orphan_mentions(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    """ERROR when a mention points at an article that is not in the warehouse (a load or a
    delete went wrong, e.g. on a SQLite file opened without foreign keys)."""
    engine = warehouse.migrated_engine()
    try:
        counts = orphan_mentions(engine)
    finally:
        engine.dispose()
    total = sum(counts.values())
    return dg.AssetCheckResult(
        passed=total == 0,
        severity=dg.AssetCheckSeverity.ERROR,
        description=f"{total} mention(s) without their article" if total else None,
        metadata={
            "orphan_mentions": total,
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

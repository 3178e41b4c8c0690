"""Warehouse stage: load extracted articles into the SQL warehouse."""

import time

import dagster as dg
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from pipelines.assets.transform import load_batch
from pipelines.digest.render import format_amount
from pipelines.load_summary import LoadedUrls, article_ids, load_summary, mention_marks, save_marks
from pipelines.partitions import processing_sites
from pipelines.resources import SiteRegistryResource, StorageResource, WarehouseResource
from pipelines.staging import save_state, staged_records
from transforms.extract import EXTRACTOR_VERSION
from warehouse import models as m
from warehouse.load import load_extracted
from warehouse.queries import CountedGift, top_gifts


def gifts_table(gifts: list[CountedGift]) -> str:
    """Counted gifts in CNY as a Markdown table linking to their articles."""
    lines = [
        "| CNY | as written | role | giver | copies | site | article |",
        "|---:|---|---|---|---:|---|---|",
    ]
    for gift in gifts:
        title = (gift.title or gift.url).replace("|", "\\|")
        lines.append(
            f"| {format_amount(gift.value_cny)} | {gift.surface.replace('|', ' ')} | {gift.role or ''} "
            f"| {(gift.organization or '').replace('|', ' ')} | {gift.copies} | {gift.site} "
            f"| [{title}]({gift.url}) |"
        )
    return "\n".join(lines)


def top_amounts_table(engine: Engine, limit: int = 10) -> str:
    """The largest counted gifts of the whole warehouse (the `gift` view)."""
    with Session(engine) as session:
        return gifts_table(top_gifts(session, limit))


@dg.asset(
    group_name="warehouse",
    deps=["mentions"],
    kinds={"sqlite", "postgres"},
    partitions_def=processing_sites,
    code_version=EXTRACTOR_VERSION,
)
def warehouse_tables(
    context: dg.AssetExecutionContext,
    storage: StorageResource,
    site_registry: SiteRegistryResource,
    warehouse: WarehouseResource,
) -> dg.MaterializeResult:
    """Sources, articles, organizations, GB/T 2260 regions and amount/organization/region
    mentions with provenance, in the warehouse at CHARITYNEWS_DB_URL (migrated to the latest
    schema first).  A load is one transaction: articles are keyed by URL, an unchanged record is
    not written again, a changed one has its mentions replaced.  An article the warehouse
    cannot take is rejected (logged, counted here) without stopping the others.  Syndication
    clusters are brought up to date after each load.

    Partitioned by site: a run loads the site's latest batch (streamed from
    staging/<site>/mentions.jsonl), then records in CHARITYNEWS_DATA_DIR/processing/<site>.json
    how far the site's raw pages are processed, so the next run starts after them.  Partitions
    processed side by side take turns to load (the loader's own lock, warehouse/load.py).  The
    gift totals and the top amounts are of this load's articles (what the run brought: a
    whole-warehouse total would cost a scan of every mention after each load); `organizations`
    is the whole warehouse's.
    """
    site_name = context.partition_key
    batch = load_batch(storage, site_name)
    loaded = LoadedUrls()
    rows = loaded.track(staged_records(storage.site_staging(site_name, "mentions.jsonl")))
    engine = warehouse.migrated_engine()
    # Where this load's mention rows will start, for no_orphan_mentions to check only those (a
    # load side by side may commit in between: its rows are then checked here too).
    with Session(engine) as session:
        save_marks(storage.site_staging(site_name, "load.json"), mention_marks(session))
    started = time.perf_counter()
    # Partitions side by side take turns here: the loader holds the warehouse's load lock.
    report = load_extracted(engine, site_registry.sites(), rows)
    load_seconds = time.perf_counter() - started
    # Until the loader asks for its first record it takes the load lock (waiting for a load
    # side by side) and reads regions and sources.
    load_wait = (loaded.first_asked or started) - started
    if batch is not None:
        save_state(storage.root, site_name, batch.after)  # only once the load is committed
    for rejected in report.rejected:
        context.log.warning(f"article rejected: {rejected.url}: {rejected.reason}")
    with Session(engine) as session:
        summary = load_summary(session, article_ids(session, loaded.urls))
        organizations = int(session.scalar(select(func.count()).select_from(m.Organization)) or 0)
    engine.dispose()
    return dg.MaterializeResult(
        metadata={
            "site": site_name,
            "whole_archive": bool(batch and batch.full_pass),
            "articles": report.articles,
            "articles_written": report.written,
            "articles_unchanged": report.unchanged,
            "articles_rejected": len(report.rejected),
            # Time in the loader (reading staging/<site>/mentions.jsonl included), apart from
            # the step's migration check and the counts below.
            "load_seconds": dg.MetadataValue.float(round(load_seconds, 3)),
            # Of which before the first record: the load lock (waiting for other partitions'
            # loads) and the loader's setup.
            "load_wait_seconds": dg.MetadataValue.float(round(load_wait, 3)),
            "amount_mentions": report.amount_mentions,
            "organization_mentions": report.organization_mentions,
            "region_mentions": report.region_mentions,
            "organizations": organizations,
            "syndication_clusters_with_copies": report.multi_article_clusters,
            # Counted as the views count (once per cluster; no targets, running totals or
            # restatements) beside the raw mentions, so nobody reads one as the other.
            "gifts_counted": summary.gifts,
            "gift_total_cny (counted gifts of this load, as the gift view)": format_amount(
                summary.gift_total_cny
            ),
            "amount_mentions_sum_cny (every mention of this load, not a giving total)": format_amount(
                summary.amount_total_cny
            ),
            "rejection_rate": dg.MetadataValue.float(
                round(len(report.rejected) / report.articles, 4) if report.articles else 0.0
            ),
            "top_amounts": dg.MetadataValue.md(gifts_table(summary.top_gifts)),  # of this load
            "database": dg.MetadataValue.text(engine.url.render_as_string(hide_password=True)),
        }
    )

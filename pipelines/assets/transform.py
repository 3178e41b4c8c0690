"""Transform stage: a site's new raw pages → articles → extracted mentions, streamed."""

import dataclasses
from collections import Counter
from collections.abc import Iterable, Iterator
from typing import Any

import dagster as dg

from pipelines.partitions import RAW_PAGES_OF_SITE, processing_sites
from pipelines.processing import REPROCESS_TAG
from pipelines.resources import SiteRegistryResource, StorageResource
from pipelines.staging import (
    Batch,
    Failures,
    extracted_articles,
    parse_pages,
    plan_batch,
    read_jsonl,
    write_jsonl,
)
from transforms.extract import EXTRACTOR_VERSION


def failure_table(failures: Failures) -> dg.MetadataValue:
    rows = "\n".join(f"| {f.site} | {f.url} | {f.reason} |" for f in failures.listed)
    unlisted = failures.count - len(failures.listed)
    more = f"\n\n… and {unlisted} more" if unlisted else ""
    return dg.MetadataValue.md("| site | url | reason |\n|---|---|---|\n" + rows + more)


class ArticleTally:
    """Counts over the articles streaming past, for the metadata."""

    def __init__(self) -> None:
        self.articles = self.dated = self.replacement_chars = 0
        self.variants: Counter[str] = Counter()

    def count(self, articles: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        for article in articles:
            self.articles += 1
            self.dated += bool(article["published"])
            self.variants[article["variant"]] += 1
            self.replacement_chars += article["replacement_chars"]
            yield article


@dg.asset(
    group_name="transform",
    deps=[dg.AssetDep("raw_pages", partition_mapping=RAW_PAGES_OF_SITE)],
    kinds={"python"},
    partitions_def=processing_sites,
    code_version=EXTRACTOR_VERSION,
)
def articles(
    context: dg.AssetExecutionContext, storage: StorageResource, site_registry: SiteRegistryResource
) -> dg.MaterializeResult:
    """One site's articles fetched since its last processing (newest fetch of each URL): title,
    publication date, main text without site furniture, and the same text normalized to
    simplified script (OpenCC).

    Partitioned by site (every site of the registry).  A run reads only the site's fetches not
    yet processed with the current extractor version: the raw store's index names the fetch
    logs holding the site, and CHARITYNEWS_DATA_DIR/processing/<site>.json how far each was
    read, so nothing before is opened again.  The first run of a site, a new extractor version,
    or the run tag `charitynews/reprocess=all` processes the site's whole archive.  (The lineage
    shows every `raw_pages` partition upstream, since Dagster cannot map the crawl's dynamic
    site dimension onto this static one: another site's crawl marks this partition stale, and
    its run then reads nothing.  `charitynews process` runs only partitions with new pages.)
    Pages that yield no article (no title, no main text) are skipped and listed in the
    metadata; they never stop the run.  Output: CHARITYNEWS_DATA_DIR/staging/<site>/articles.jsonl
    (this run's articles) and batch.json (what was read).
    """
    site_name = context.partition_key
    site = next((s for s in site_registry.sites() if s.name == site_name), None)
    if site is None:
        raise dg.Failure(f"site {site_name!r} is not in the registry {site_registry.registry_path()}")
    store = storage.raw_store()
    everything = context.run.tags.get(REPROCESS_TAG) == "all"
    batch = plan_batch(store, storage.root, site_name, everything=everything)
    failures, tally = Failures(), ArticleTally()
    fetches = store.latest_article_fetches(site_name, batch.spans)
    path = storage.site_staging(site_name, "articles.jsonl")
    write_jsonl(path, tally.count(parse_pages(store, site, fetches, failures)))
    batch = dataclasses.replace(batch, pages=tally.articles + failures.count)
    batch.save(storage.site_staging(site_name, "batch.json"))
    context.log.info(
        f"{site_name}: {tally.articles} article(s) from {len(batch.spans)} fetch log span(s)"
        + (" (whole archive)" if batch.full_pass else "")
    )
    return dg.MaterializeResult(
        metadata={
            "articles": tally.articles,
            "skipped_pages": failures.count,
            # Time inside the parser itself: the rest of the step is reading and staging.
            "work_seconds": dg.MetadataValue.float(round(failures.work_seconds, 3)),
            "whole_archive": batch.full_pass,
            "fetch_logs_read": len(batch.spans),
            "extractor_version": EXTRACTOR_VERSION,
            "date_rate": dg.MetadataValue.float(tally.dated / tally.articles if tally.articles else 0.0),
            "traditional_articles": tally.variants["traditional"],
            "mixed_articles": tally.variants["mixed"],
            "decoding_replacement_chars": tally.replacement_chars,
            "path": dg.MetadataValue.path(str(path)),
            **({"skipped": failure_table(failures)} if failures.count else {}),
        }
    )


@dg.asset(
    group_name="transform",
    deps=[articles],
    kinds={"python"},
    partitions_def=processing_sites,
    code_version=EXTRACTOR_VERSION,
)
def mentions(context: dg.AssetExecutionContext, storage: StorageResource) -> dg.MaterializeResult:
    """Money amounts, organizations and regions found in each article of the site's latest
    batch, each with its surface text, character offsets into the article text and sentence,
    plus the fingerprints for finding syndicated copies (SimHash, and the MinHash signature the
    warehouse clusters by).  Articles stream through one at a time.
    Output: CHARITYNEWS_DATA_DIR/staging/<site>/mentions.jsonl.
    """
    site_name = context.partition_key
    failures = Failures()
    counts: Counter[str] = Counter()

    def counted(rows: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        for row in rows:
            counts["articles"] += 1
            for kind in ("amounts", "organizations", "regions"):
                counts[kind] += len(row[kind])
            yield row

    articles_path = storage.site_staging(site_name, "articles.jsonl")
    path = storage.site_staging(site_name, "mentions.jsonl")
    write_jsonl(path, counted(extracted_articles(read_jsonl(articles_path), failures)))
    return dg.MaterializeResult(
        metadata={
            "articles": counts["articles"],
            "failed_articles": failures.count,
            # Time inside the extractor itself: the rest of the step is staging.
            "work_seconds": dg.MetadataValue.float(round(failures.work_seconds, 3)),
            "amount_mentions": counts["amounts"],
            "organization_mentions": counts["organizations"],
            "region_mentions": counts["regions"],
            "path": dg.MetadataValue.path(str(path)),
            **({"failed": failure_table(failures)} if failures.count else {}),
        }
    )


def load_batch(storage: StorageResource, site_name: str) -> Batch | None:
    """The batch the site's latest `articles` run read (None before any)."""
    path = storage.site_staging(site_name, "batch.json")
    return Batch.load(path) if path.exists() else None

"""Crawl stage: fetch one registered site, for one day, into the raw store."""

from urllib.parse import urlparse

import dagster as dg

from pipelines.partitions import DAY_DIMENSION, SITE_DIMENSION, site_crawl_days
from pipelines.resources import SiteRegistryResource, StorageResource
from spiders.registry import Site


def site_host(site: Site) -> str:
    """The host a site is fetched from: runs of one host never overlap (the `charitynews/host` tag)."""
    return urlparse(site.homepage).hostname or site.name


@dg.asset(
    group_name="crawl",
    kinds={"scrapy"},
    partitions_def=site_crawl_days,
    # Network step: a failed crawl is retried after 30 s, then 60 s; the retry resumes the queue.
    retry_policy=dg.RetryPolicy(max_retries=2, delay=30, backoff=dg.Backoff.EXPONENTIAL),
    # Every crawl step takes a slot of the `crawl` pool: the instance caps how many crawl at once.
    pool="crawl",
)
def raw_pages(
    context: dg.AssetExecutionContext,
    storage: StorageResource,
    site_registry: SiteRegistryResource,
    pipes_subprocess_client: dg.PipesSubprocessClient,
) -> dg.MaterializeResult:
    """One site's crawl of one day: its list pages, sitemaps, feeds and new articles, stored
    as fetched (bytes, status, headers, fetch time, encoding, redirects).

    Partitioned by day (Asia/Shanghai) and site (one key per site of the registry, added by
    the `site_registry_sensor`).  Runs the Scrapy crawler for that site only in a subprocess
    (Dagster Pipes): its log appears here, and it reports the list pages, new articles,
    articles already stored (not fetched again) and failures, plus pages not modified
    (conditional GET), 404/410, pages that decoded badly, non-HTML responses skipped,
    oversized pages, robots.txt refusals and retries.  Responses are appended to the raw store
    under CHARITYNEWS_DATA_DIR/raw (the `fetch_log` path is this crawl's log); nothing in it is
    ever rewritten.  A step retry resumes the same crawl.  A crawl that fetches nothing fails
    the step.  Two runs for the same site (or host) never run at once: see docs/operating.md.
    """
    keys = context.partition_key.keys_by_dimension  # type: ignore[attr-defined]
    site_name, day = keys[SITE_DIMENSION], keys[DAY_DIMENSION]
    known = {s.name for s in site_registry.sites()}
    if site_name not in known:
        raise dg.Failure(
            f"site {site_name!r} is no longer in the registry {site_registry.registry_path()}; "
            f"the registry has {sorted(known)}",
            allow_retries=False,  # retrying cannot bring the site back
        )
    crawl_id = f"{site_name}-{context.run.run_id[:8]}"
    context.log.info(f"crawling {site_name} for {day} (crawl id {crawl_id})")
    with site_registry.crawl_command(storage.root, crawl_id, only=[site_name]) as command:
        invocation = pipes_subprocess_client.run(command=command, context=context)
    reported = invocation.get_materialize_result()
    fetch_logs = sorted(storage.raw_store().fetches.glob(f"*-{crawl_id}.jsonl"))
    return dg.MaterializeResult(
        metadata={
            **(reported.metadata or {}),
            "site": site_name,
            "crawl_day": day,
            "fetch_log": dg.MetadataValue.path(str(fetch_logs[-1]) if fetch_logs else "(none written)"),
            "bodies": dg.MetadataValue.path(str(storage.raw_store().bodies)),
        }
    )

"""Crawl stage: fetch every registered site into the raw store."""

import dagster as dg

from pipelines.resources import SiteRegistryResource, StorageResource


@dg.asset(
    group_name="crawl",
    kinds={"scrapy"},
    retry_policy=dg.RetryPolicy(max_retries=2, delay=30, backoff=dg.Backoff.EXPONENTIAL),
)
def raw_pages(
    context: dg.AssetExecutionContext,
    storage: StorageResource,
    site_registry: SiteRegistryResource,
    pipes_subprocess_client: dg.PipesSubprocessClient,
) -> dg.MaterializeResult:
    """Every list page, sitemap, feed and article of the registered sites, as fetched (bytes,
    status, headers, fetch time, encoding, redirects).

    Runs the Scrapy crawler in a subprocess (Dagster Pipes): its log appears here, and it
    reports per site the list pages, new articles, articles already stored (not fetched again)
    and failures, plus pages not modified (conditional GET), 404/410, pages that decoded badly,
    non-HTML responses skipped, oversized pages, robots.txt refusals and retries.  Responses are
    appended to the raw store under CHARITYNEWS_DATA_DIR/raw; nothing in it is ever rewritten.
    A step retry resumes the same crawl (its queue is kept under CHARITYNEWS_DATA_DIR/jobs).
    With CHARITYNEWS_REDIS_URL set the queue lives in Redis and several crawlers can share it.
    With CHARITYNEWS_SITES=samples (the default) the bundled sample sites are served on
    127.0.0.1 for the length of the crawl.  A crawl that fetches nothing fails the step.
    """
    with site_registry.crawl_command(storage.root, context.run_id[:12]) as command:
        invocation = pipes_subprocess_client.run(command=command, context=context)
    return invocation.get_materialize_result()

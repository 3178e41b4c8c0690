"""Jobs: what schedules, sensors and operators launch.

The crawl is partitioned by day × site, processing by site and the digest by week; Dagster runs
assets with different partitions in separate jobs (each job takes its partitions from its
assets).
"""

from __future__ import annotations

import dagster as dg

crawl_job = dg.define_asset_job(
    "crawl",
    selection=dg.AssetSelection.assets("raw_pages"),
    description="Crawl one site for one day into the raw store (partition: date|site).",
)

process_news_job = dg.define_asset_job(
    "process_news",
    selection=dg.AssetSelection.assets("articles", "mentions", "warehouse_tables"),
    description=(
        "One site's raw pages not yet processed (partition: site) → articles → mentions → "
        "warehouse.  Tag a run charitynews/reprocess=all to redo the site's whole archive."
    ),
)

weekly_digest_job = dg.define_asset_job(
    "weekly_digest_job",
    selection=dg.AssetSelection.assets("weekly_digest"),
    description="Render the digest of one week (partition: the week's Monday).",
)

ALL_JOBS = [crawl_job, process_news_job, weekly_digest_job]

"""Partitions: crawl days per site, digest weeks.

Crawl runs are keyed by day (Asia/Shanghai, where the sources publish) and by site, so an
operator sees in the UI which site's crawl of which day ran, failed or is missing, and can
re-run exactly that one.  Sites are a dynamic dimension: the registry sensor adds a key when a
site appears in the registry file, without a code change.

Processing (articles, mentions, warehouse tables) is keyed by site: one partition per site of
the registry (CHARITYNEWS_SITES), read when the definitions load, so every registered site is
a partition in the UI without anyone adding it (reload the code location after editing the
registry).  A site partition's run processes that site's fetches not yet processed with the
current extractor (see pipelines/staging.py), so partitions run side by side and a daily run
costs what the day fetched.

Digest weeks are keyed by their Monday (``YYYY-MM-DD``), the day the digest goes out.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta

import dagster as dg

from pipelines.resources import SiteRegistryResource
from pipelines.settings import load_settings
from spiders.registry import RegistryError

log = logging.getLogger(__name__)

TIMEZONE = "Asia/Shanghai"
# The bundled sample sites publish from 2026-10; real sources are crawled from 2026 on.
FIRST_DAY = "2026-01-01"
FIRST_MONDAY = "2026-01-05"

SITE_DIMENSION = "site"
DAY_DIMENSION = "date"

crawl_days = dg.DailyPartitionsDefinition(start_date=FIRST_DAY, timezone=TIMEZONE)
sites = dg.DynamicPartitionsDefinition(name=SITE_DIMENSION)
site_crawl_days = dg.MultiPartitionsDefinition({DAY_DIMENSION: crawl_days, SITE_DIMENSION: sites})


def registered_site_names() -> list[str]:
    """The registry's site names; none (with a warning) when it cannot be read, so the code
    location still loads and the crawl's own error names the registry."""
    try:
        return [site.name for site in SiteRegistryResource(registry=load_settings().sites).sites()]
    except RegistryError as exc:
        log.warning("no processing partitions: %s", exc)
        return []


processing_sites = dg.StaticPartitionsDefinition(registered_site_names())
# A processing partition reads its site's crawls, whatever their day.  Dagster's
# MultiToSingleDimensionPartitionMapping would say exactly that, but it needs the very same
# partitions definition on both sides, and the crawl's site dimension is dynamic (added by the
# registry sensor) while processing's is static (read from the registry, so it is there without
# a sensor).  So the lineage says "every crawl", which over-states staleness, never misses it.
RAW_PAGES_OF_SITE = dg.AllPartitionMapping()
# end_offset=1: the running week is a partition too, so its digest can be previewed before Monday.
digest_weeks = dg.WeeklyPartitionsDefinition(
    start_date=FIRST_MONDAY, day_offset=1, timezone=TIMEZONE, end_offset=1
)

# Run tags every crawl run carries (a multi-partitioned run gets one tag per dimension); the
# instance's run queue allows one run per tag value, so two crawls of a site never overlap.
SITE_RUN_TAG = f"dagster/partition/{SITE_DIMENSION}"
HOST_RUN_TAG = "charitynews/host"


def site_day_key(day: str, site: str) -> dg.MultiPartitionKey:
    return dg.MultiPartitionKey({DAY_DIMENSION: day, SITE_DIMENSION: site})


def previous_monday(day: date) -> str:
    """The Monday of the week before ``day``'s week: the week a Monday digest reports on."""
    return (day - timedelta(days=day.weekday() + 7)).isoformat()


def monday_of(iso_week: str) -> str:
    """``2026-W47`` → ``2026-11-16``."""
    year, week = iso_week.split("-W")
    return date.fromisocalendar(int(year), int(week), 1).isoformat()

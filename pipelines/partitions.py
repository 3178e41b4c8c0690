"""Partitions: crawl days per site, digest weeks.

Crawl runs are keyed by day (Asia/Shanghai, where the sources publish) and by site, so an
operator sees in the UI which site's crawl of which day ran, failed or is missing, and can
re-run exactly that one.  Sites are a dynamic dimension: the registry sensor adds a key when a
site appears in the registry file, without a code change.

Digest weeks are keyed by their Monday (``YYYY-MM-DD``), the day the digest goes out.
"""

from __future__ import annotations

from datetime import date, timedelta

import dagster as dg

TIMEZONE = "Asia/Shanghai"
# The bundled sample sites publish from 2026-10; real sources are crawled from 2026 on.
FIRST_DAY = "2026-01-01"
FIRST_MONDAY = "2026-01-05"

SITE_DIMENSION = "site"
DAY_DIMENSION = "date"

crawl_days = dg.DailyPartitionsDefinition(start_date=FIRST_DAY, timezone=TIMEZONE)
sites = dg.DynamicPartitionsDefinition(name=SITE_DIMENSION)
site_crawl_days = dg.MultiPartitionsDefinition({DAY_DIMENSION: crawl_days, SITE_DIMENSION: sites})
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

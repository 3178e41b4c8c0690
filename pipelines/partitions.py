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

Digest weeks are keyed by their Monday (``YYYY-MM-DD``, how Dagster keys weekly partitions);
the CLI and the digest speak ISO weeks (``2026-W47``).  Both are accepted wherever a week is
given (:func:`digest_week_of`), and the digest's materialization shows both
(:func:`describe_week`: ``2026-W47 · 2026-11-16 – 2026-11-22``).
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
# a sensor).  So Dagster's lineage draws each processing partition from every crawl partition,
# which over-states staleness (another site's crawl marks it stale), never misses it.  What a
# run reads is narrower and incremental: only its own site's fetch logs (found in the raw
# store's index), only past the watermark in processing/<site>.json (pipelines/staging.py).
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


def digest_week_of(text: str) -> str:
    """The ISO week of a digest week given either way: ``2026-W47`` or its Monday ``2026-11-16``.

    ValueError names the input: a date that is not a Monday says which Monday it meant.
    """
    from warehouse.queries import iso_week_bounds, iso_week_of

    text = text.strip()
    if "-W" in text.upper():
        iso_week = text.upper()
        iso_week_bounds(iso_week)  # ValueError when malformed
        return iso_week
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not an ISO week like 2026-W47 or a Monday like 2026-11-16") from None
    monday = day - timedelta(days=day.weekday())
    if day != monday:
        raise ValueError(
            f"{text} is a {day:%A}: a digest week is given by its Monday ({monday}, {iso_week_of(monday)})"
        )
    return iso_week_of(day)


def describe_week(iso_week: str) -> str:
    """``2026-W47 · 2026-11-16 – 2026-11-22``: the ISO week and the partition key (its Monday)."""
    from warehouse.queries import iso_week_bounds

    monday, sunday = iso_week_bounds(iso_week)
    return f"{iso_week} · {monday} – {sunday}"

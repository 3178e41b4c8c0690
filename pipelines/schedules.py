"""Schedules, in Asia/Shanghai time.  All are stopped until an operator starts them (in the UI
or with ``dagster schedule start NAME``): a development checkout never crawls on its own."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import dagster as dg

from pipelines.assets.crawl import site_host
from pipelines.jobs import crawl_job, process_news_job, weekly_digest_job
from pipelines.partitions import (
    FIRST_DAY,
    HOST_RUN_TAG,
    SITE_DIMENSION,
    TIMEZONE,
    previous_monday,
    processing_sites,
    site_day_key,
)
from pipelines.processing import PENDING_TAG, pending_sites
from pipelines.resources import SiteRegistryResource, StorageResource


@dg.schedule(
    job=crawl_job,
    cron_schedule="0 1 * * *",
    execution_timezone=TIMEZONE,
    default_status=dg.DefaultScheduleStatus.STOPPED,
    description="01:00 every day: crawl yesterday's partition of every registered site, one run per site.",
)
def daily_crawl(context: dg.ScheduleEvaluationContext, site_registry: SiteRegistryResource):  # type: ignore[no-untyped-def]
    # The day that ended before this tick, in Shanghai: 01:00 on the 21st crawls the 20th.
    scheduled = context.scheduled_execution_time.astimezone(ZoneInfo(TIMEZONE))
    day = (scheduled - timedelta(days=1)).date().isoformat()
    if day < FIRST_DAY:
        return dg.SkipReason(f"{day} is before the first crawl day {FIRST_DAY}")
    known = set(context.instance.get_dynamic_partitions(SITE_DIMENSION))
    requests = []
    for site in site_registry.sites():
        if site.name not in known:  # the registry sensor adds it and starts its first crawl
            context.log.info(f"{site.name} has no partition yet; the site_registry_sensor adds it")
            continue
        requests.append(
            dg.RunRequest(
                run_key=f"{day}|{site.name}",
                partition_key=site_day_key(day, site.name),
                tags={HOST_RUN_TAG: site_host(site)},
            )
        )
    return requests or dg.SkipReason("no site has a partition yet: start the site_registry_sensor")


@dg.schedule(
    job=process_news_job,
    name="daily_processing",
    cron_schedule="0 6 * * *",
    execution_timezone=TIMEZONE,
    default_status=dg.DefaultScheduleStatus.STOPPED,
    description=(
        "06:00 every day, after the crawls: one process_news run per site with raw pages not "
        "yet processed (or processed by an older extractor)."
    ),
)
def daily_processing(context: dg.ScheduleEvaluationContext, storage: StorageResource):  # type: ignore[no-untyped-def]
    tick = context.scheduled_execution_time.astimezone(ZoneInfo(TIMEZONE)).date().isoformat()
    requests = [
        dg.RunRequest(run_key=f"{tick}|{site}", partition_key=site, tags={PENDING_TAG: reason})
        for site, reason in pending_sites(storage, processing_sites.get_partition_keys())
    ]
    return requests or dg.SkipReason("every site's raw pages are processed")


@dg.schedule(
    job=weekly_digest_job,
    name="weekly_digest_schedule",
    cron_schedule="0 8 * * 1",
    execution_timezone=TIMEZONE,
    default_status=dg.DefaultScheduleStatus.STOPPED,
    description="Monday 08:00: the digest of the previous week (Monday to Sunday).",
)
def weekly_digest_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    scheduled = context.scheduled_execution_time.astimezone(ZoneInfo(TIMEZONE))
    week = previous_monday(scheduled.date())
    return dg.RunRequest(run_key=week, partition_key=week)


ALL_SCHEDULES = [daily_crawl, daily_processing, weekly_digest_schedule]

"""Assembles the charity-news code location: assets by stage, resources from the environment."""

from __future__ import annotations

import dagster as dg

from pipelines.assets import crawl, digest, transform, warehouse
from pipelines.checks import ALL_CHECKS
from pipelines.executors import executor_from_env
from pipelines.jobs import ALL_JOBS
from pipelines.mail import MailResource
from pipelines.resources import SiteRegistryResource, StorageResource, WarehouseResource
from pipelines.schedules import ALL_SCHEDULES
from pipelines.sensors import ALL_SENSORS
from pipelines.settings import load_settings

ALL_ASSETS = dg.load_assets_from_modules([crawl, transform, warehouse, digest])


def build_resources() -> dict[str, object]:
    settings = load_settings()
    return {
        "storage": StorageResource(data_dir=str(settings.data_dir)),
        "site_registry": SiteRegistryResource(registry=settings.sites),
        "warehouse": WarehouseResource(db_url=settings.db_url),
        "pipes_subprocess_client": dg.PipesSubprocessClient(),
        "mail": MailResource.from_env(),
    }


# --- operating (issue 6): jobs, schedules, sensors, checks ---
defs = dg.Definitions(
    assets=ALL_ASSETS,
    asset_checks=ALL_CHECKS,
    resources=build_resources(),
    jobs=ALL_JOBS,
    schedules=ALL_SCHEDULES,
    sensors=ALL_SENSORS,
    executor=executor_from_env(),  # in process, or Celery workers when CHARITYNEWS_CELERY_BROKER is set
)


def process_news() -> dg.JobDefinition:
    """The processing job with its resources, for ``dg.reconstructable`` (CLI, Celery workers)."""
    return defs.resolve_job_def("process_news")

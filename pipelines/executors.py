"""Where steps run: in the run's own process, or, when CHARITYNEWS_CELERY_BROKER is set, on
Celery workers on any machine listening to that broker (dagster-celery; Redis as broker and
result backend).  Start workers with ``celery -A dagster_celery.app worker`` as
docs/operating.md shows.

In process rather than Dagster's default of a subprocess per step: a run is one partition's
short chain of steps (the crawl has its own subprocess anyway), and starting a Python process
per step and per check cost more than the work (about 45 s of a 2-minute processing run).
Partitions run side by side as separate runs (the run queue, a backfill, or
``charitynews process --jobs N``), each in its own process."""

import os

import dagster as dg
from dagster_celery import celery_executor

CELERY_BROKER_ENV = "CHARITYNEWS_CELERY_BROKER"  # e.g. redis://redis.internal:6379/6
CELERY_BACKEND_ENV = "CHARITYNEWS_CELERY_BACKEND"  # default: the broker


def celery_settings() -> dict[str, str] | None:
    broker = os.environ.get(CELERY_BROKER_ENV, "").strip()
    if not broker:
        return None
    return {"broker": broker, "backend": os.environ.get(CELERY_BACKEND_ENV, "").strip() or broker}


def executor_from_env() -> dg.ExecutorDefinition:
    """The Celery executor when a broker is configured, else the in-process executor."""
    settings = celery_settings()
    return dg.in_process_executor if settings is None else celery_executor.configured(settings)


def worker_config_module(settings: dict[str, str]) -> str:
    """The ``dagster_celery_config`` module a worker reads (on its PYTHONPATH): the same
    broker and backend as the runs that send it steps."""
    return f"broker_url = {settings['broker']!r}\nresult_backend = {settings['backend']!r}\n"

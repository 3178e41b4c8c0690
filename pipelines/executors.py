"""Where steps run: in subprocesses of the run (Dagster's default), or, when
CHARITYNEWS_CELERY_BROKER is set, on Celery workers on any machine listening to that broker
(dagster-celery; Redis as broker and result backend).  Start workers with
``celery -A dagster_celery.app worker`` as docs/operating.md shows."""

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


def executor_from_env() -> dg.ExecutorDefinition | None:
    """The Celery executor when a broker is configured; None keeps Dagster's default."""
    settings = celery_settings()
    return None if settings is None else celery_executor.configured(settings)


def worker_config_module(settings: dict[str, str]) -> str:
    """The ``dagster_celery_config`` module a worker reads (on its PYTHONPATH): the same
    broker and backend as the runs that send it steps."""
    return f"broker_url = {settings['broker']!r}\nresult_backend = {settings['backend']!r}\n"

"""A small job for the Celery test: each step reports the process and host it ran in.

Imported by the Celery worker too (to rebuild the job), so it lives in its own module."""

import os
import socket

import dagster as dg

from pipelines.executors import executor_from_env


@dg.op
def where_am_i(context: dg.OpExecutionContext) -> dict:
    here = {"pid": os.getpid(), "ppid": os.getppid(), "host": socket.gethostname()}
    context.add_output_metadata(here)
    return here


@dg.op
def count_twice(context: dg.OpExecutionContext, upstream: dict) -> int:
    context.add_output_metadata({"pid": os.getpid(), "upstream_pid": upstream["pid"]})
    return 2


@dg.job(executor_def=executor_from_env())
def celery_probe() -> None:
    count_twice(where_am_i())

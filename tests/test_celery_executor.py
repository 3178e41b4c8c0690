"""Distributed steps: one Celery worker (dagster-celery, real Redis as broker and result
backend) started on this machine runs the steps of a job launched here; the steps report the
worker's processes, not the launcher's, and the worker's log names their tasks."""

from __future__ import annotations

import importlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest

from pipelines.executors import CELERY_BROKER_ENV, celery_settings, worker_config_module
from tests.process_group import start_group, stop_group

ROOT = Path(__file__).resolve().parents[1]
REDIS_URL = "redis://127.0.0.1:6379/6"  # database 6: this project's Celery tests only
READY_SECONDS = 120
STOP_SECONDS = 60


def _redis_or_unavailable() -> None:
    import redis

    from tests.conftest import _unavailable

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        _unavailable(f"Redis at {REDIS_URL}", str(exc))


@pytest.fixture
def celery_worker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[subprocess.Popen, Path]]:
    _redis_or_unavailable()
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()  # no task left over from an interrupted run
    monkeypatch.setenv(CELERY_BROKER_ENV, REDIS_URL)
    settings = celery_settings()
    assert settings is not None
    config_dir = tmp_path / "celery_config"
    config_dir.mkdir()
    (config_dir / "dagster_celery_config.py").write_text(worker_config_module(settings), encoding="utf-8")
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(ROOT / "deploy" / "dagster-dev.yaml", home / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    log = tmp_path / "worker.log"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(config_dir), str(ROOT)])}
    worker, pgid = start_group(
        [
            str(Path(sys.executable).parent / "celery"),
            *("-A", "dagster_celery.app", "worker", "--loglevel", "INFO"),
            *("--concurrency", "1", "--prefetch-multiplier", "1", "-Q", "dagster"),
            *("-n", f"charitynews-test-{os.getpid()}@%h"),
        ],
        cwd=ROOT,
        env=env,
        log=log,
    )
    try:
        deadline = time.monotonic() + READY_SECONDS
        while " ready." not in log.read_text(errors="replace"):
            if worker.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"Celery worker did not start:\n{log.read_text(errors='replace')[-3000:]}")
            time.sleep(0.5)
        yield worker, log
    finally:
        # SIGTERM is Celery's warm shutdown: finish the task in hand.
        leftover = stop_group(worker, pgid, signal.SIGTERM, STOP_SECONDS)
    assert not leftover, f"Celery worker processes still running {STOP_SECONDS} s after SIGTERM"


def test_steps_run_in_the_celery_worker(celery_worker: tuple[subprocess.Popen, Path]) -> None:
    worker, log = celery_worker
    celery_job = importlib.import_module("tests.celery_job")  # after the broker is configured
    assert celery_job.celery_probe.executor_def.name == "celery"
    # The persistent instance in DAGSTER_HOME: the worker opens the same one to log its events.
    with (
        dg.DagsterInstance.get() as instance,
        dg.execute_job(dg.reconstructable(celery_job.celery_probe), instance=instance) as result,
    ):
        assert result.success
        placed = result.output_for_node("where_am_i")
        succeeded = {e.step_key for e in result.all_events if e.is_step_success}
        engine_messages = [e.message or "" for e in result.all_events if e.is_engine_event]
    # Each step ran in the worker's pool process (a child of the worker), not in this process.
    assert placed["pid"] != os.getpid()
    assert placed["ppid"] == worker.pid
    assert succeeded == {"where_am_i", "count_twice"}
    assert any("celery" in m.lower() for m in engine_messages), engine_messages
    worker_log = log.read_text(errors="replace")
    assert worker_log.count("Task execute_plan[") >= 2 and "succeeded" in worker_log, worker_log[-2000:]
    assert "where_am_i" in worker_log and "count_twice" in worker_log  # the tasks' events name the steps

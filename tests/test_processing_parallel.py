"""Processing by partition, side by side: `charitynews process --jobs 3` starts one run per site
partition of a generated archive at once, their steps go to two real Celery workers (Redis as
broker) that load the one PostgreSQL warehouse concurrently; afterwards every page is in the
warehouse exactly once with its mentions, copies share their original's cluster, and a second
`process` after a small crawl reads only the new pages."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bench.archive import ArchiveGenerator, build_archive, write_crawl
from pipelines.executors import CELERY_BROKER_ENV, worker_config_module
from pipelines.staging import read_jsonl
from spiders.raw_store import RawStore
from tests.process_group import start_group, stop_group
from warehouse import models as m
from warehouse.db import make_engine

ROOT = Path(__file__).resolve().parents[1]
REDIS_URL = "redis://127.0.0.1:6379/12"  # database 12: this test only
ARTICLES = 60
READY_SECONDS = 180
RUN_SECONDS = 900


def _redis_or_unavailable() -> None:
    import redis

    from tests.conftest import _unavailable

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        _unavailable(f"Redis at {REDIS_URL}", str(exc))


def _process(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [str(Path(sys.executable).parent / "charitynews"), "process", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=RUN_SECONDS,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout


def test_two_celery_workers_process_partitions_of_one_backfill(tmp_path: Path, postgres_url: str) -> None:
    _redis_or_unavailable()
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    data_dir = tmp_path / "data"
    build_archive(data_dir / "raw", ARTICLES, crawls=2)
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(ROOT / "deploy" / "dagster-dev.yaml", home / "dagster.yaml")
    config_dir = tmp_path / "celery_config"
    config_dir.mkdir()
    (config_dir / "dagster_celery_config.py").write_text(
        worker_config_module({"broker": REDIS_URL, "backend": REDIS_URL}), encoding="utf-8"
    )
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "CHARITYNEWS_DATA_DIR": str(data_dir),
        "CHARITYNEWS_DB_URL": postgres_url,
        CELERY_BROKER_ENV: REDIS_URL,
        "PYTHONPATH": os.pathsep.join([str(config_dir), str(ROOT)]),
    }
    workers = []
    try:
        for n in (1, 2):
            log = tmp_path / f"worker{n}.log"
            command = [
                str(Path(sys.executable).parent / "celery"),
                *("-A", "dagster_celery.app", "worker", "--loglevel", "INFO"),
                *("--concurrency", "1", "--prefetch-multiplier", "1", "-Q", "dagster"),
                *("-n", f"charitynews-process-{n}-{os.getpid()}@%h"),
            ]
            workers.append((*start_group(command, cwd=ROOT, env=env, log=log), log))
        deadline = time.monotonic() + READY_SECONDS
        for worker, _, log in workers:
            while " ready." not in log.read_text(errors="replace"):
                if worker.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"Celery worker did not start:\n{log.read_text(errors='replace')[-3000:]}")
                time.sleep(0.5)

        first = _process(env, "--jobs", "3")
        assert re.findall(r"pending  (\w+)\s+never processed", first) != []
        assert "processed 3 of 3 partition(s)" in first, first
        logs = [log.read_text(errors="replace") for _, _, log in workers]
        # Both workers took steps of this backfill (each runs one task at a time).
        assert all(len(re.findall(r"Task execute_plan\[[^]]+\] succeeded", text)) >= 1 for text in logs), [
            text[-1500:] for text in logs
        ]

        # A day's crawl adds a few pages: only they are read again.
        write_crawl(RawStore(data_dir / "raw"), ArchiveGenerator(), ARTICLES, ARTICLES + 6, "day-two")
        second = _process(env, "--jobs", "2")
        read = sum(int(n) for n in re.findall(r"(\d+) article\(s\) read", second))
        assert read == 6, second
        assert "nothing to process" in _process(env)
    finally:
        leftovers = [stop_group(worker, pgid, signal.SIGTERM, 60) for worker, pgid, _ in workers]
        redis.Redis.from_url(REDIS_URL).flushdb()
    assert not any(leftovers), "Celery worker processes still running 60 s after SIGTERM"

    generator = ArchiveGenerator()
    pages = [generator.page(n) for n in range(ARTICLES + 6)]
    engine = make_engine(postgres_url)
    with Session(engine) as session:
        urls = Counter(session.scalars(select(m.Article.url)))
        cluster_of = dict(session.execute(select(m.Article.url, m.Article.cluster_id)).all())
        amount_rows = session.scalar(select(func.count()).select_from(m.AmountMention))
    engine.dispose()
    assert set(urls) == {p.url for p in pages} and set(urls.values()) == {1}  # none lost, none doubled
    staged_amounts = sum(
        len(row["amounts"])
        for site in ("shanxing", "gangao", "xiangcun")
        for row in read_jsonl(data_dir / "staging" / site / "mentions.jsonl")
    )
    assert amount_rows >= staged_amounts > 0  # the last batches' mentions are all there
    copies = [
        (n, generator.original_of(n)) for n in range(ARTICLES + 6) if generator.original_of(n) is not None
    ]
    for copy, original in copies:
        assert cluster_of[pages[copy].url] == cluster_of[pages[original].url], (copy, original)


def test_the_local_instance_lives_under_the_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pipelines.local_run import local_instance

    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    with local_instance(tmp_path) as instance:
        home = tmp_path / "dagster_home"
        assert Path(instance.root_directory) == home
        assert os.environ["DAGSTER_HOME"] == str(home)  # runs started from here use it too
    assert (home / "dagster.yaml").read_text() == (ROOT / "deploy" / "dagster-dev.yaml").read_text()


def test_process_refuses_a_site_not_in_the_registry(tmp_path: Path) -> None:
    env = {**os.environ, "CHARITYNEWS_DATA_DIR": str(tmp_path), "DAGSTER_HOME": str(tmp_path / "home")}
    result = subprocess.run(
        [str(Path(sys.executable).parent / "charitynews"), "process", "--site", "nosuch", "--dry-run"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 2
    assert "not a site of the registry" in result.stderr and "shanxing" in result.stderr
    assert "Traceback" not in result.stderr
    build_archive(tmp_path / "raw", 12, crawls=1)
    listed = subprocess.run(
        [str(Path(sys.executable).parent / "charitynews"), "process", "--dry-run"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert listed.returncode == 0
    assert re.findall(r"pending  (\w+)", listed.stdout) == ["shanxing", "gangao", "xiangcun"]
    assert not (tmp_path / "home").exists()  # a dry run starts no run

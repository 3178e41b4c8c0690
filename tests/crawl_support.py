"""Helpers for the crawl tests: run the crawler as a subprocess (Twisted's reactor runs once per
process), read what it stored, and reach the real Redis."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from spiders.raw_store import FetchRecord, RawStore

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = os.environ.get("CHARITYNEWS_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
REQUIRE_SERVICES = os.environ.get("CHARITYNEWS_REQUIRE_SERVICES") == "1"

# Fast, still polite in kind: robots.txt obeyed, AutoThrottle on, retries with (short) back-off.
TEST_SETTINGS = {
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_START_DELAY": 0,
    "DOWNLOAD_TIMEOUT": 1.5,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
    "CHARITYNEWS_RETRY_BACKOFF_BASE": 0.1,
}


@dataclass
class CrawlRun:
    returncode: int
    stats: dict[str, Any]
    stderr: str

    def stat(self, name: str) -> int:
        return int(self.stats.get(name, 0))


def crawl_command(
    registry: Path, data_dir: Path, *extra: str, settings: dict[str, Any] | None = None
) -> list[str]:
    command = [
        sys.executable,
        "-m",
        "spiders.crawl",
        "--registry",
        str(registry),
        "--data-dir",
        str(data_dir),
        "--log-level",
        "INFO",
        *extra,
    ]
    for name, value in {**TEST_SETTINGS, **(settings or {})}.items():
        command += ["--set", f"{name}={json.dumps(value)}"]
    return command


def run_crawler(
    registry: Path,
    data_dir: Path,
    *extra: str,
    settings: dict[str, Any] | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 120,
) -> CrawlRun:
    stats_path = data_dir / f"stats-{time.monotonic_ns()}.json"
    command = crawl_command(registry, data_dir, *extra, "--stats-json", str(stats_path), settings=settings)
    done = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=timeout, env={**os.environ, **(env or {})}
    )
    stats = json.loads(stats_path.read_text("utf-8")) if stats_path.exists() else {}
    return CrawlRun(done.returncode, stats, done.stderr)


def records(data_dir: Path) -> list[FetchRecord]:
    return list(RawStore(data_dir / "raw").records())


def wait_until(condition: Callable[[], bool], deadline_s: float, what: str) -> None:
    """Poll, never sleep a fixed time: returns as soon as ``condition`` holds."""
    deadline = time.monotonic() + deadline_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def redis_or_skip() -> str:
    """The real Redis on 127.0.0.1:6379; skip without it, fail if CHARITYNEWS_REQUIRE_SERVICES=1."""
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        message = f"Redis at {REDIS_URL} not reachable ({exc})"
        if REQUIRE_SERVICES:
            pytest.fail(message + " and CHARITYNEWS_REQUIRE_SERVICES=1", pytrace=False)
        pytest.skip(message)
    return REDIS_URL

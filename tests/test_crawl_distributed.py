"""Two crawler processes at once share one frontier in the real Redis (scrapy-redis): every
page is fetched exactly once, and together they fetch every page."""

from __future__ import annotations

import json
import os
import subprocess
import threading
import uuid
from collections import Counter
from pathlib import Path

import pytest
from crawl_support import ROOT, crawl_command, records, redis_or_skip, wait_until

from spiders.fixture_web import FixtureConfig, registry_toml, serve_fixture_web


@pytest.fixture
def redis_url() -> str:
    return redis_or_skip()


def test_two_crawlers_share_one_redis_frontier(tmp_path: Path, redis_url: str) -> None:
    import redis

    crawl_id = f"test-{uuid.uuid4().hex[:8]}"
    # Articles are held back until both crawlers are up (each has asked for robots.txt), so the
    # test does not depend on how fast two interpreters start on a busy machine.
    gate = threading.Event()
    config = FixtureConfig(articles=30, page_size=5, article_delay=0.05, article_gate=gate)
    env = {**os.environ, "CHARITYNEWS_REDIS_URL": redis_url, "CHARITYNEWS_REDIS_IDLE_SECONDS": "2"}
    server = redis.Redis.from_url(redis_url)
    try:
        with serve_fixture_web(config) as web:
            registry = tmp_path / "sites.toml"
            sites = registry_toml(web).split("[[site]]")
            registry.write_text("[[site]]".join(["", sites[1], sites[2]]), "utf-8")  # list + sitemap sites
            crawlers = []
            for n in (1, 2):
                data_dir = tmp_path / f"crawler{n}"  # separate machines: separate raw stores
                data_dir.mkdir()
                command = crawl_command(
                    registry,
                    data_dir,
                    "--crawl-id",
                    crawl_id,
                    "--stats-json",
                    str(data_dir / "stats.json"),
                    # Held-back answers must not time out (a retry would be a second fetch).
                    settings={"CONCURRENT_REQUESTS_PER_DOMAIN": 2, "DOWNLOAD_TIMEOUT": 60},
                )
                log = (data_dir / "crawl.log").open("w")  # a file, not a pipe: neither crawler can block
                crawlers.append((data_dir, subprocess.Popen(command, cwd=ROOT, env=env, stderr=log)))
                log.close()
            try:
                wait_until(lambda: web.count("/robots.txt") >= 2, 60, "both crawlers to start")
            finally:
                gate.set()
            for data_dir, process in crawlers:
                process.wait(timeout=120)
                assert process.returncode == 0, (data_dir / "crawl.log").read_text("utf-8")[-3000:]
            hits = Counter(web.hits)
        assert server.exists(f"charitynews:{crawl_id}:dupefilter")  # the shared seen-set was used
    finally:
        for key in server.scan_iter(f"charitynews:{crawl_id}:*"):
            server.delete(key)

    pages = [
        *web.list_page_paths(),
        *web.list_article_paths(),
        "/sitemap_index.xml",
        "/sitemaps/a.xml",
        "/sitemaps/b.xml.gz",
        *web.sitemap_article_paths(),
    ]
    for path in pages:
        assert hits[path] == 1, (path, hits[path])  # exactly once across both crawlers
    assert set(hits) - set(pages) == {"/robots.txt"}  # each crawler reads robots.txt itself
    fetched = [r.url.removeprefix(web.url) for d, _ in crawlers for r in records(d) if r.status == 200]
    assert sorted(fetched) == sorted(pages)  # the union is complete, with no page stored twice
    stats = [json.loads((d / "stats.json").read_text("utf-8")) for d, _ in crawlers]
    per_crawler = [s.get("scheduler/dequeued/redis", 0) for s in stats]
    assert all(n > 0 for n in per_crawler), per_crawler  # both took work from the shared queue

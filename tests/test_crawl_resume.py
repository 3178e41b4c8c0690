"""A crawl stopped half-way (SIGTERM, as an operator or a scheduler stops it) and started again
with the same crawl id fetches no page twice and misses none."""

from __future__ import annotations

import json
import signal
import subprocess
from collections import Counter
from pathlib import Path

from crawl_support import ROOT, crawl_command, records, run_crawler, wait_until

from spiders.crawl import job_dir
from spiders.fixture_web import FixtureConfig, registry_toml, serve_fixture_web


def _articles_stored(data_dir: Path) -> int:
    return sum(1 for r in records(data_dir) if r.kind == "article")


def test_killed_crawl_resumes_without_refetching_or_missing(tmp_path: Path) -> None:
    config = FixtureConfig(articles=40, page_size=5, article_delay=0.1)
    with serve_fixture_web(config) as web:
        registry = tmp_path / "sites.toml"
        # Only the paginated site: 8 list pages, 40 slow articles.
        registry.write_text(registry_toml(web).split("[[site]]")[1].join(["[[site]]", ""]), "utf-8")
        settings = {"CONCURRENT_REQUESTS_PER_DOMAIN": 2}
        stats_path = tmp_path / "first-stats.json"
        command = crawl_command(
            registry, tmp_path, "--crawl-id", "resume-me", "--stats-json", str(stats_path), settings=settings
        )
        first = subprocess.Popen(
            command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        )
        try:
            wait_until(lambda: _articles_stored(tmp_path) >= 8, 60, "8 stored articles")
            first.send_signal(signal.SIGTERM)
            _, stderr = first.communicate(timeout=60)
        finally:
            if first.poll() is None:
                first.kill()
        first_stats = json.loads(stats_path.read_text("utf-8"))
        assert first_stats["finish_reason"] == "shutdown", stderr[-2000:]
        stored_before = _articles_stored(tmp_path)
        assert 8 <= stored_before < 40  # really stopped half-way
        assert (job_dir(tmp_path / "raw", "resume-me") / "requests.queue").exists()

        second = run_crawler(registry, tmp_path, "--crawl-id", "resume-me", settings=settings)
        assert second.stats["finish_reason"] == "finished", second.stderr[-2000:]

        hits = Counter(web.hits)
    article_paths = web.list_article_paths()
    for path in article_paths + web.list_page_paths():
        assert hits[path] == 1, (path, hits[path])
    stored = Counter(r.url for r in records(tmp_path) if r.kind == "article")
    assert set(stored) == {web.url + p for p in article_paths}
    assert set(stored.values()) == {1}
    assert second.stat("charitynews/fx-list/articles") == 40 - stored_before
    assert not job_dir(tmp_path / "raw", "resume-me").exists()  # a finished crawl leaves no queue behind


def test_hard_killed_crawl_misses_nothing_and_refetches_only_pages_in_flight(tmp_path: Path) -> None:
    """SIGKILL leaves no time to save the queue: the restart finds the job marked as still
    running, discards its half-written queue and rebuilds the frontier from the raw store.

    Stored articles are not fetched again, list pages are only revalidated (304, no body), and
    the pages that were in flight at the kill (at most the per-domain concurrency) are fetched
    again, because nothing recorded that they had arrived.
    """
    config = FixtureConfig(articles=40, page_size=5, article_delay=0.1)
    with serve_fixture_web(config) as web:
        registry = tmp_path / "sites.toml"
        registry.write_text(registry_toml(web).split("[[site]]")[1].join(["[[site]]", ""]), "utf-8")
        settings = {"CONCURRENT_REQUESTS_PER_DOMAIN": 2}
        command = crawl_command(registry, tmp_path, "--crawl-id", "killed", settings=settings)
        first = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_until(lambda: _articles_stored(tmp_path) >= 8, 60, "8 stored articles")
        finally:
            first.kill()
            first.wait(timeout=30)
        second = run_crawler(registry, tmp_path, "--crawl-id", "killed", settings=settings)
        assert second.stats["finish_reason"] == "finished", second.stderr[-2000:]
        hits = Counter(web.hits)
    stored = Counter(r.url for r in records(tmp_path) if r.kind == "article")
    assert set(stored) == {web.url + p for p in web.list_article_paths()}
    assert set(stored.values()) == {1}
    twice = [p for p in web.list_article_paths() if hits[p] > 1]
    assert len(twice) <= 2 and all(hits[p] == 2 for p in twice)
    for path in web.list_page_paths():
        assert hits[path] - web.conditional_hits[path] == 1  # one full fetch; the rest answered 304

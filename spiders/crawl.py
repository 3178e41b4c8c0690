"""Run a crawl in this process: ``python -m spiders.crawl --registry FILE --data-dir DIR``.

Dagster starts this as a subprocess (Twisted's reactor cannot be restarted inside a long-lived
process) and, through Dagster Pipes, receives its log lines and a materialization report;
``charitynews crawl`` runs it in the CLI's own process.

Resuming: the scheduler's queue and seen-requests live in ``<data dir>/jobs/<crawl id>`` (Scrapy
JOBDIR) or, with ``CHARITYNEWS_REDIS_URL`` set, in Redis (scrapy-redis) under
``charitynews:<crawl id>``, shared by every crawler started with the same crawl id.  A crawl
stopped with SIGINT/SIGTERM and started again with the same crawl id goes on where it stopped.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import shutil
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from scrapy.crawler import CrawlerProcess

from spiders.news_spider import NewsSpider
from spiders.raw_store import RawStore
from spiders.registry import Site, load_registry

DEFAULT_USER_AGENT = "charity-news/0.1 (+https://github.com/charity-news/charity-news; research crawler)"
_URL_IN_TEXT = re.compile(r"https?://\S+")
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]


class CrawlConfigError(ValueError):
    """A crawl option or environment variable is wrong; the message says which."""


def user_agent() -> str:
    """CHARITYNEWS_USER_AGENT, or the default; it must carry a contact URL operators can reach."""
    agent = os.environ.get("CHARITYNEWS_USER_AGENT", "").strip() or DEFAULT_USER_AGENT
    if not _URL_IN_TEXT.search(agent):
        raise CrawlConfigError(
            f"CHARITYNEWS_USER_AGENT {agent!r} has no contact URL: site operators must be able to "
            "reach us, e.g. 'charity-news/0.1 (+https://example.org/contact)'"
        )
    return agent


@dataclass(frozen=True)
class CrawlOptions:
    limit: int | None = None  # article pages per site, at most
    refetch: bool = False  # fetch articles already in the raw store, ignore list-page validators
    dry_run: bool = False  # report what would be stored; write nothing
    extract: bool = False  # parse each article while crawling (dry runs and the benchmark)
    redis_url: str | None = None  # shared frontier (scrapy-redis)
    overrides: dict[str, Any] = field(default_factory=dict)  # Scrapy settings, for tests and bench


def _slots(sites: list[Site]) -> dict[str, dict[str, Any]]:
    """Per-domain politeness overrides as Scrapy download slots (one slot per host)."""
    slots: dict[str, dict[str, Any]] = {}
    for site in sites:
        p = site.politeness
        if p.download_delay is None and p.concurrency is None:
            continue
        hosts = {urlparse(u).hostname for u in (site.homepage, *site.start_urls, *site.sitemaps, *site.feeds)}
        for host in sorted(h for h in hosts | set(site.allowed_domains) if h):
            slot = slots.setdefault(host, {})
            if p.download_delay is not None:
                slot["delay"] = max(slot.get("delay", 0.0), p.download_delay)
            if p.concurrency is not None:
                slot["concurrency"] = min(slot.get("concurrency", p.concurrency), p.concurrency)
    return slots


def crawl_settings(
    sites: list[Site],
    raw_dir: Path,
    crawl_id: str,
    proxy: str | None = None,
    log_level: str = "INFO",
    options: CrawlOptions | None = None,
) -> dict[str, Any]:
    """Scrapy settings: the project template's polite defaults plus our pipelines and middlewares."""
    options = options or CrawlOptions()
    settings: dict[str, Any] = {
        "BOT_NAME": "charitynews",
        "USER_AGENT": user_agent(),
        "ROBOTSTXT_OBEY": True,
        "CONCURRENT_REQUESTS": 16,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 4,
        "DOWNLOAD_DELAY": 1.0,
        "DOWNLOAD_SLOTS": _slots(sites),
        "AUTOTHROTTLE_ENABLED": True,
        "AUTOTHROTTLE_START_DELAY": 0.5,
        "AUTOTHROTTLE_TARGET_CONCURRENCY": 2.0,
        "EXTENSIONS": {
            "scrapy.extensions.throttle.AutoThrottle": None,
            "spiders.throttle.SiteAwareAutoThrottle": 0,
        },
        "RETRY_ENABLED": True,
        "RETRY_TIMES": 2,
        "RETRY_HTTP_CODES": RETRY_HTTP_CODES,
        "CHARITYNEWS_RETRY_BACKOFF_BASE": 2.0,
        "CHARITYNEWS_RETRY_BACKOFF_MAX": 60.0,
        "DOWNLOAD_TIMEOUT": 30,
        "DOWNLOAD_MAXSIZE": 10 * 1024 * 1024,
        "DOWNLOAD_WARNSIZE": 2 * 1024 * 1024,
        "REDIRECT_MAX_TIMES": 5,
        "HTTPERROR_ALLOW_ALL": False,
        "ITEM_PIPELINES": {
            (
                "spiders.pipelines.DryRunPipeline"
                if options.dry_run
                else "spiders.pipelines.RawStorePipeline"
            ): 100
        },
        "DOWNLOADER_MIDDLEWARES": {
            "spiders.middlewares.FetchProxyMiddleware": 50,
            "spiders.middlewares.RetryBackoffMiddleware": 560,
        },
        "CHARITYNEWS_FETCH_PROXY": proxy,
        "CHARITYNEWS_RAW_DIR": str(raw_dir),
        "CHARITYNEWS_CRAWL_ID": crawl_id,
        "LOG_LEVEL": log_level,
        "LOG_INSTALL_ROOT_HANDLER": True,
        "TELNETCONSOLE_ENABLED": False,
    }
    if options.redis_url:
        key = f"charitynews:{crawl_id}"
        settings |= {
            "SCHEDULER": "scrapy_redis.scheduler.Scheduler",
            "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
            "REDIS_URL": options.redis_url,
            "SCHEDULER_PERSIST": True,  # the frontier outlives one crawler: others and restarts share it
            "SCHEDULER_QUEUE_KEY": f"{key}:requests",
            "SCHEDULER_DUPEFILTER_KEY": f"{key}:dupefilter",
        }
    elif not options.dry_run:
        settings["JOBDIR"] = str(job_dir(raw_dir, crawl_id))
    return settings | options.overrides


def job_dir(raw_dir: Path, crawl_id: str) -> Path:
    return raw_dir.parent / "jobs" / crawl_id


@dataclass(frozen=True)
class CrawlResult:
    crawl_id: str
    stats: dict[str, Any]
    sites: list[str]

    def per_site(self) -> dict[str, dict[str, int]]:
        return {
            site: {
                kind: int(self.stats.get(f"charitynews/{site}/{kind}", 0))
                for kind in ("list_pages", "articles", "already_stored", "failed")
            }
            for site in self.sites
        }

    def count(self, name: str) -> int:
        return int(self.stats.get(f"charitynews/{name}", 0))

    @property
    def pages_fetched(self) -> int:
        return int(self.stats.get("response_received_count", 0))

    @property
    def finish_reason(self) -> str | None:
        return self.stats.get("finish_reason")


def run_crawl(
    sites: list[Site],
    raw_dir: Path,
    crawl_id: str,
    proxy: str | None = None,
    log_level: str = "INFO",
    options: CrawlOptions | None = None,
) -> CrawlResult:
    options = options or CrawlOptions()
    settings = crawl_settings(sites, raw_dir, crawl_id, proxy, log_level, options)
    running_marker = _claim_job_dir(Path(settings["JOBDIR"])) if "JOBDIR" in settings else None
    memory = RawStore(raw_dir).crawl_memory({s.name for s in sites}, remember=not options.dry_run)
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(NewsSpider)
    process.crawl(
        crawler,
        sites=sites,
        memory=memory,
        refetch=options.refetch,
        article_limit=options.limit,
        extract=options.extract or options.dry_run,
        raw_dir=str(raw_dir),
        idle_grace=float(os.environ.get("CHARITYNEWS_REDIS_IDLE_SECONDS", "3")) if options.redis_url else 0.0,
    )
    process.start()
    stats = dict(crawler.stats.get_stats()) if crawler.stats else {}
    result = CrawlResult(crawl_id, stats, [s.name for s in sites])
    # A finished crawl leaves nothing to resume; a stopped one keeps its queue for the restart.
    if result.finish_reason == "finished" and "JOBDIR" in settings:
        shutil.rmtree(settings["JOBDIR"], ignore_errors=True)
    elif running_marker is not None:
        running_marker.unlink(missing_ok=True)  # stopped cleanly: the saved queue is whole
    return result


def _claim_job_dir(path: Path) -> Path:
    """Mark the job dir as in use; discard it first if a previous crawler died inside it.

    Scrapy saves its queue only on a clean stop, while seen-request fingerprints are written as
    they come: after a hard kill the two disagree, and trusting them could skip pages that were
    queued but never fetched.  The raw store is written page by page, so the restart rebuilds the
    frontier from it instead (stored articles skipped, list pages revalidated with 304s).
    """
    marker = path / "charitynews.running"
    if marker.exists():
        logging.getLogger(__name__).warning(
            "%s was left by a crawler that did not stop cleanly; starting its frontier afresh", path
        )
        shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True, exist_ok=True)
    marker.write_text(str(os.getpid()), encoding="utf-8")
    return marker


def _setting(text: str) -> tuple[str, Any]:
    name, sep, value = text.partition("=")
    if not sep or not name.isupper():
        raise argparse.ArgumentTypeError(
            f"--set wants NAME=VALUE with an upper-case Scrapy setting, not {text!r}"
        )
    try:
        return name, json.loads(value)
    except json.JSONDecodeError:
        return name, value


def _parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m spiders.crawl", description=__doc__.split("\n")[0])
    parser.add_argument("--registry", type=Path, required=True, help="site registry (TOML)")
    parser.add_argument("--data-dir", type=Path, required=True, help="CHARITYNEWS_DATA_DIR")
    parser.add_argument(
        "--proxy",
        default=None,
        help="fetch every page through this HTTP proxy (the local sample server)",
    )
    parser.add_argument("--site", action="append", default=[], help="crawl only these sites")
    parser.add_argument("--crawl-id", default=None, help="reuse one to resume a stopped crawl")
    parser.add_argument("--limit", type=int, default=None, help="article pages per site, at most")
    parser.add_argument("--refetch", action="store_true", help="fetch articles already stored")
    parser.add_argument("--dry-run", action="store_true", help="print what would be stored; store nothing")
    parser.add_argument("--extract", action="store_true", help="parse articles while crawling")
    parser.add_argument("--stats-json", type=Path, default=None, help="write Scrapy's final stats here")
    parser.add_argument("--set", type=_setting, action="append", default=[], help="Scrapy setting NAME=VALUE")
    parser.add_argument("--log-level", default="INFO", help="Scrapy's log level")
    return parser.parse_args(argv)


def select_sites(sites: list[Site], names: list[str]) -> list[Site]:
    if not names:
        return sites
    unknown = sorted(set(names) - {s.name for s in sites})
    if unknown:
        raise CrawlConfigError(f"unknown site(s) {unknown}; the registry has {sorted(s.name for s in sites)}")
    return [s for s in sites if s.name in names]


def options_from_args(args: argparse.Namespace) -> CrawlOptions:
    if args.limit is not None and args.limit < 1:
        raise CrawlConfigError(f"--limit must be at least 1, not {args.limit}")
    return CrawlOptions(
        limit=args.limit,
        refetch=args.refetch,
        dry_run=args.dry_run,
        extract=args.extract,
        redis_url=os.environ.get("CHARITYNEWS_REDIS_URL") or None,
        overrides=dict(args.set),
    )


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(sys.argv[1:] if argv is None else argv)
    try:
        sites = select_sites(load_registry(args.registry), args.site)
        options = options_from_args(args)
        user_agent()
    except (ValueError, OSError) as exc:
        print(f"crawl not started: {exc}", file=sys.stderr)
        return 2
    crawl_id = args.crawl_id or uuid.uuid4().hex[:12]
    raw_dir = args.data_dir / "raw"
    if "DAGSTER_PIPES_CONTEXT" in os.environ:
        from dagster_pipes import open_dagster_pipes

        with open_dagster_pipes() as pipes:
            result = run_crawl(sites, raw_dir, crawl_id, args.proxy, args.log_level, options)
            pipes.report_asset_materialization(metadata=_metadata(result, raw_dir))
    else:
        result = run_crawl(sites, raw_dir, crawl_id, args.proxy, args.log_level, options)
        logging.getLogger(__name__).info("crawl %s: %s", crawl_id, result.per_site())
    if args.stats_json:
        args.stats_json.write_text(json.dumps(result.stats, default=str, indent=1), encoding="utf-8")
    return 0 if result.pages_fetched else 1


def _metadata(result: CrawlResult, raw_dir: Path) -> dict[str, Any]:
    per_site = result.per_site()
    rows = "\n".join(
        f"| {site} | {c['list_pages']} | {c['articles']} | {c['already_stored']} | {c['failed']} |"
        for site, c in per_site.items()
    )
    return {
        "crawl_id": result.crawl_id,
        "finish_reason": result.finish_reason,
        "pages_fetched": result.pages_fetched,
        "articles_fetched": sum(c["articles"] for c in per_site.values()),
        "articles_already_stored": sum(c["already_stored"] for c in per_site.values()),
        "list_pages_not_modified": result.count("not_modified"),
        "failed_requests": sum(c["failed"] for c in per_site.values()),
        "gone_404_410": result.count("gone"),
        "decoded_badly": result.count("decoded_badly"),
        "skipped_not_html": result.count("skipped_non_html") + result.count("skipped_binary"),
        "too_large": result.count("too_large"),
        "robots_forbidden": int(result.stats.get("robotstxt/forbidden", 0)),
        "retries": int(result.stats.get("retry/count", 0)),
        "raw_store": {"raw_value": str(raw_dir), "type": "path"},
        "per_site": {
            "raw_value": "| site | list pages | articles | already stored | failed |\n|---|---|---|---|---|\n"
            + rows,
            "type": "md",
        },
    }


if __name__ == "__main__":
    sys.exit(main())

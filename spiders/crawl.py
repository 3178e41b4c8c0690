"""Run a crawl in this process: ``python -m spiders.crawl --registry FILE --data-dir DIR``.

Dagster starts this as a subprocess (Twisted's reactor cannot be restarted inside a long-lived
process) and, through Dagster Pipes, receives its log lines and a materialization report.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scrapy.crawler import CrawlerProcess

from spiders.news_spider import NewsSpider
from spiders.registry import Site, load_registry

USER_AGENT = "charity-news/0.1 (+https://github.com/charity-news/charity-news; research crawler)"


def crawl_settings(
    sites: list[Site], raw_dir: Path, crawl_id: str, proxy: str | None = None, log_level: str = "INFO"
) -> dict[str, Any]:
    """Scrapy settings: the project template's polite defaults plus the raw-store pipeline."""
    return {
        "BOT_NAME": "charitynews",
        "USER_AGENT": USER_AGENT,
        "ROBOTSTXT_OBEY": True,
        "CONCURRENT_REQUESTS": 16,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 4,
        "DOWNLOAD_DELAY": min((s.download_delay for s in sites if s.download_delay is not None), default=1.0),
        "AUTOTHROTTLE_ENABLED": True,
        "AUTOTHROTTLE_START_DELAY": 0.5,
        "AUTOTHROTTLE_TARGET_CONCURRENCY": 2.0,
        "RETRY_TIMES": 2,
        "DOWNLOAD_TIMEOUT": 30,
        "DOWNLOAD_MAXSIZE": 10 * 1024 * 1024,
        "HTTPERROR_ALLOW_ALL": False,
        "ITEM_PIPELINES": {"spiders.pipelines.RawStorePipeline": 100},
        "DOWNLOADER_MIDDLEWARES": {"spiders.middlewares.FetchProxyMiddleware": 50},
        "CHARITYNEWS_FETCH_PROXY": proxy,
        "CHARITYNEWS_RAW_DIR": str(raw_dir),
        "CHARITYNEWS_CRAWL_ID": crawl_id,
        "LOG_LEVEL": log_level,
        "LOG_INSTALL_ROOT_HANDLER": True,
        "TELNETCONSOLE_ENABLED": False,
    }


@dataclass(frozen=True)
class CrawlResult:
    crawl_id: str
    stats: dict[str, Any]
    sites: list[str]

    def per_site(self) -> dict[str, dict[str, int]]:
        return {
            site: {
                kind: int(self.stats.get(f"charitynews/{site}/{kind}", 0))
                for kind in ("list_pages", "articles", "failed")
            }
            for site in self.sites
        }

    @property
    def pages_fetched(self) -> int:
        return int(self.stats.get("response_received_count", 0))


def run_crawl(
    sites: list[Site], raw_dir: Path, crawl_id: str, proxy: str | None = None, log_level: str = "INFO"
) -> CrawlResult:
    settings = crawl_settings(sites, raw_dir, crawl_id, proxy, log_level)
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(NewsSpider)
    process.crawl(crawler, sites=sites)
    process.start()
    stats = dict(crawler.stats.get_stats()) if crawler.stats else {}
    return CrawlResult(crawl_id, stats, [s.name for s in sites])


def _parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m spiders.crawl", description=__doc__)
    parser.add_argument("--registry", type=Path, required=True, help="site registry (TOML)")
    parser.add_argument("--data-dir", type=Path, required=True, help="CHARITYNEWS_DATA_DIR")
    parser.add_argument(
        "--proxy",
        default=None,
        help="fetch every page through this HTTP proxy (the local sample server)",
    )
    parser.add_argument("--site", action="append", default=[], help="crawl only these sites")
    parser.add_argument("--crawl-id", default=None)
    parser.add_argument("--log-level", default="INFO", help="Scrapy's log level")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(sys.argv[1:] if argv is None else argv)
    sites = load_registry(args.registry)
    if args.site:
        unknown = set(args.site) - {s.name for s in sites}
        if unknown:
            print(f"unknown site(s): {sorted(unknown)}", file=sys.stderr)
            return 2
        sites = [s for s in sites if s.name in args.site]
    crawl_id = args.crawl_id or uuid.uuid4().hex[:12]
    raw_dir = args.data_dir / "raw"
    if "DAGSTER_PIPES_CONTEXT" in os.environ:
        from dagster_pipes import open_dagster_pipes

        with open_dagster_pipes() as pipes:
            result = run_crawl(sites, raw_dir, crawl_id, args.proxy, args.log_level)
            pipes.report_asset_materialization(metadata=_metadata(result, raw_dir))
    else:
        result = run_crawl(sites, raw_dir, crawl_id, args.proxy, args.log_level)
        logging.getLogger(__name__).info("crawl %s: %s", crawl_id, result.per_site())
    return 0 if result.pages_fetched else 1


def _metadata(result: CrawlResult, raw_dir: Path) -> dict[str, Any]:
    per_site = result.per_site()
    rows = "\n".join(
        f"| {site} | {c['list_pages']} | {c['articles']} | {c['failed']} |" for site, c in per_site.items()
    )
    return {
        "crawl_id": result.crawl_id,
        "pages_fetched": result.pages_fetched,
        "articles_fetched": sum(c["articles"] for c in per_site.values()),
        "failed_requests": sum(c["failed"] for c in per_site.values()),
        "robots_forbidden": int(result.stats.get("robotstxt/forbidden", 0)),
        "raw_store": {"raw_value": str(raw_dir), "type": "path"},
        "per_site": {
            "raw_value": "| site | list pages | articles | failed |\n|---|---|---|---|\n" + rows,
            "type": "md",
        },
    }


if __name__ == "__main__":
    sys.exit(main())

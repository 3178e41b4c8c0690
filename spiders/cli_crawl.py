"""``charitynews crawl``: crawl registered sites now, or check one with ``--dry-run``.

    charitynews crawl --registry sites/real.toml --site gongyishibao --limit 20 --dry-run

A dry run fetches (obeying robots.txt and the site's politeness settings) and prints, for each
page, what would be stored: status, final URL, encoding, title, date, source line and the start
of the body; nothing is written.  Without ``--dry-run`` pages go to the raw store under
CHARITYNEWS_DATA_DIR, as the Dagster ``raw_pages`` asset does.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

from pipelines.settings import SAMPLES, load_settings


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    crawl = sub.add_parser("crawl", help="crawl registered sites (or check one with --dry-run)")
    crawl.add_argument(
        "--registry",
        default=None,
        help="site registry (TOML); default CHARITYNEWS_SITES ('samples': the bundled sample sites)",
    )
    crawl.add_argument(
        "--site", action="append", default=[], metavar="NAME", help="only this site (repeatable)"
    )
    crawl.add_argument("--limit", type=int, default=None, help="article pages per site, at most")
    crawl.add_argument("--dry-run", action="store_true", help="print what would be stored; store nothing")
    crawl.add_argument("--refetch", action="store_true", help="fetch articles even if already stored")
    crawl.add_argument("--crawl-id", default=None, help="the id of a stopped crawl, to resume it")
    crawl.add_argument("--log-level", default="WARNING", help="Scrapy's log level (default WARNING)")
    crawl.set_defaults(func=run)


@contextlib.contextmanager
def _registry(name: str) -> Iterator[tuple[Path, str | None]]:
    """The registry path, and the proxy that answers for the sample sites if they are used."""
    if name != SAMPLES:
        yield Path(name), None
        return
    from spiders.sample_server import serve_sample_sites

    with serve_sample_sites() as running:
        yield running.registry_path, running.proxy


def _leave_logging_to_scrapy() -> None:
    """Scrapy installs its own root handler at --log-level; the plain stderr handler that the
    CLI's ``logging.basicConfig`` added would print every Scrapy line a second time."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if type(handler) is logging.StreamHandler and handler.stream is sys.stderr:
            root.removeHandler(handler)


def run(args: argparse.Namespace) -> int:
    from spiders.crawl import CrawlOptions, options_from_args, run_crawl, select_sites, user_agent
    from spiders.registry import load_registry

    settings = load_settings()
    args.extract = False
    args.set = []
    try:
        options: CrawlOptions = options_from_args(args)
        user_agent()
        with _registry(args.registry or settings.sites) as (registry_path, proxy):
            sites = select_sites(load_registry(registry_path), args.site)
            unverified = [s.name for s in sites if not s.verified]
            if unverified:
                print(f"note: unverified site(s) {unverified}: check the output before relying on it")
            crawl_id = args.crawl_id or uuid.uuid4().hex[:12]
            what = "dry run (nothing is stored)" if args.dry_run else f"into {settings.data_dir / 'raw'}"
            print(f"crawl {crawl_id} of {', '.join(s.name for s in sites)}: {what}", flush=True)
            _leave_logging_to_scrapy()
            result = run_crawl(sites, settings.data_dir / "raw", crawl_id, proxy, args.log_level, options)
    except (ValueError, OSError) as exc:
        print(f"crawl not started: {exc}", file=sys.stderr)
        return 2
    print(f"\nfinished ({result.finish_reason}): {result.pages_fetched} responses")
    for site, counts in result.per_site().items():
        print(
            f"  {site:<24} list pages {counts['list_pages']:>4}  articles {counts['articles']:>5}  "
            f"already stored {counts['already_stored']:>5}  failed {counts['failed']:>4}"
        )
    for label, key in (
        ("decoded badly (flagged)", "decoded_badly"),
        ("not HTML, skipped", "skipped_non_html"),
        ("binary, skipped", "skipped_binary"),
        ("gone (404/410)", "gone"),
        ("larger than the size limit", "too_large"),
    ):
        if result.count(key):
            print(f"  {label}: {result.count(key)}")
    if result.finish_reason == "shutdown" and not args.dry_run:
        print(f"stopped early: resume with  charitynews crawl --crawl-id {result.crawl_id} …")
    return 0 if result.pages_fetched else 1

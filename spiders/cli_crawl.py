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
from urllib.parse import urlsplit

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


_ROBOTS = "scrapy.downloadermiddlewares.robotstxt"


class _OneLinePerFailure(logging.Filter):
    """Each failed URL is said once, in one line with its reason, and never as a traceback.

    Scrapy reports a failed fetch three times (the retry middleware's "Gave up retrying", our
    errback's "fetch failed" warning and, in a dry run, the page line) and a robots.txt that
    cannot be fetched as an ERROR with the whole Twisted traceback.  At the CLI's default log
    levels we keep one of each: the page line in a dry run, the warning otherwise, and one line for
    robots.txt.  ``--log-level INFO`` or ``DEBUG`` shows Scrapy's own lines unchanged.
    """

    def __init__(self, dry_run: bool) -> None:
        super().__init__()
        self.dry_run = dry_run

    def filter(self, record: logging.LogRecord) -> bool:
        message = str(record.msg)
        if record.name == "scrapy.downloadermiddlewares.retry" and message.startswith("Gave up retrying"):
            return False
        if record.name == _ROBOTS and record.levelno >= logging.ERROR:
            args = record.args if isinstance(record.args, dict) else {}
            request, error = args.get("request"), args.get("f_exception")
            if request is None:
                return True
            parts = urlsplit(request.url)
            reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            print(
                f"robots  ERR  {parts.scheme}://{parts.netloc}/robots.txt  failed: {reason} "
                "(the host's pages are fetched as if it allowed them)",
                file=sys.stdout if self.dry_run else sys.stderr,
                flush=True,
            )
            return False
        return not (self.dry_run and record.name == "news" and message.startswith("fetch failed"))


@contextlib.contextmanager
def _failures_said_once(dry_run: bool, log_level: str) -> Iterator[None]:
    if logging.getLevelName(log_level.upper()) not in (logging.WARNING, logging.ERROR, logging.CRITICAL):
        yield
        return
    one_line = _OneLinePerFailure(dry_run)
    loggers = [logging.getLogger(n) for n in ("scrapy.downloadermiddlewares.retry", _ROBOTS, "news")]
    for logger in loggers:
        logger.addFilter(one_line)
    try:
        yield
    finally:
        for logger in loggers:
            logger.removeFilter(one_line)


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
            with _failures_said_once(args.dry_run, args.log_level):
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

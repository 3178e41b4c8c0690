"""Scrapy item pipelines: every fetched page goes into the raw store, or (dry run) onto a report."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, TextIO

from scrapy.crawler import Crawler

from spiders.news_spider import FetchedPage
from spiders.raw_store import RawStore, RawStoreWriter


class RawStorePipeline:
    def __init__(self, root: Path, crawl_id: str) -> None:
        self.writer: RawStoreWriter = RawStore(root).writer(crawl_id)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RawStorePipeline:
        settings = crawler.settings
        return cls(Path(settings["CHARITYNEWS_RAW_DIR"]), settings["CHARITYNEWS_CRAWL_ID"])

    def process_item(self, item: Any) -> Any:
        if isinstance(item, FetchedPage):
            self.writer.write(
                url=item.url,
                site=item.site,
                kind=item.kind,
                status=item.status,
                headers=item.headers,
                body=item.body,
                error=item.error,
                **item.details,
            )
        return item

    def close_spider(self) -> None:
        self.writer.close()


class DryRunPipeline:
    """``--dry-run``: one line per page that would be stored, nothing written to the raw store."""

    def __init__(self, out: TextIO) -> None:
        self.out = out

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DryRunPipeline:
        return cls(sys.stdout)

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, FetchedPage):
            return item
        status = item.status if item.status is not None else "ERR"
        line = f"{item.kind:<7} {status!s:>3}  {item.url}"
        if item.error:  # a failed fetch is one line, with its reason
            line += f"  failed: {item.error}"
        elif item.details.get("skipped"):
            line += f"\n          not stored as a page: {item.details['skipped']}"
        if item.details.get("requested_url"):
            line += f"\n          redirected from {item.details['requested_url']}"
        if item.kind == "article" and item.body is not None:
            encoding = f"{item.details.get('encoding')} ({item.details.get('encoding_source')})"
            bad = item.details.get("bad_bytes", 0)
            line += f"\n          encoding {encoding}" + (f", FLAGGED: {bad} bad bytes" if bad else "")
            extracted = item.extracted or {}
            if "error" in extracted:
                line += f"\n          extraction failed: {extracted['error']}"
            elif extracted:
                line += (
                    f"\n          title     {extracted['title']}"
                    f"\n          published {extracted['published'] or 'NOT FOUND'}"
                    f"\n          source    {extracted['source_line'] or '-'}"
                    f"\n          body      {extracted['body_chars']} characters: {extracted['lead']}…"
                )
        self.out.write(line + "\n")
        self.out.flush()
        return item

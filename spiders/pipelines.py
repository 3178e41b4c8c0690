"""Scrapy item pipeline: every fetched page goes into the raw store."""

from __future__ import annotations

from pathlib import Path
from typing import Any

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
            )
        return item

    def close_spider(self) -> None:
        self.writer.close()

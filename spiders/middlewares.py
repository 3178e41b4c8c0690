"""Downloader middleware: send every request through a configured HTTP proxy.

Used for the bundled sample sites, whose fictional ``.example`` hosts are answered by the local
sample server; robots.txt requests pass through here too, so each host keeps its own rules.
"""

from __future__ import annotations

from scrapy import Request
from scrapy.crawler import Crawler


class FetchProxyMiddleware:
    def __init__(self, proxy: str | None) -> None:
        self.proxy = proxy

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FetchProxyMiddleware:
        return cls(crawler.settings.get("CHARITYNEWS_FETCH_PROXY"))

    def process_request(self, request: Request) -> None:
        if self.proxy and "proxy" not in request.meta:
            request.meta["proxy"] = self.proxy

"""Downloader middlewares: the sample-site proxy, and back-off before retries."""

from __future__ import annotations

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import reactor
from twisted.internet.task import deferLater


class FetchProxyMiddleware:
    """Send every request through a configured HTTP proxy.

    Used for the bundled sample sites, whose fictional ``.example`` hosts are answered by the local
    sample server; robots.txt requests pass through here too, so each host keeps its own rules.
    """

    def __init__(self, proxy: str | None) -> None:
        self.proxy = proxy

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FetchProxyMiddleware:
        return cls(crawler.settings.get("CHARITYNEWS_FETCH_PROXY"))

    def process_request(self, request: Request) -> None:
        if self.proxy and "proxy" not in request.meta:
            request.meta["proxy"] = self.proxy


class RetryBackoffMiddleware:
    """Wait before a retry, doubling each time: a struggling server gets room to recover.

    Scrapy's RetryMiddleware re-schedules a failed request at once; it marks the copy with
    ``retry_times``, which sets the wait here: base × 2^(n-1), at most ``CHARITYNEWS_RETRY_BACKOFF_MAX``.
    """

    def __init__(self, base: float, cap: float, crawler: Crawler | None = None) -> None:
        self.base = base
        self.cap = cap
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RetryBackoffMiddleware:
        settings = crawler.settings
        return cls(
            settings.getfloat("CHARITYNEWS_RETRY_BACKOFF_BASE", 2.0),
            settings.getfloat("CHARITYNEWS_RETRY_BACKOFF_MAX", 60.0),
            crawler,
        )

    def delay(self, retries: int) -> float:
        return min(self.cap, self.base * 2 ** (retries - 1)) if retries > 0 else 0.0

    async def process_request(self, request: Request) -> None:
        delay = self.delay(request.meta.get("retry_times", 0))
        if delay > 0:
            if self.crawler is not None and self.crawler.stats is not None:
                self.crawler.stats.inc_value("charitynews/retry_backoff_waits")
            await maybe_deferred_to_future(deferLater(reactor, delay, lambda: None))

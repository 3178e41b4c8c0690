"""One spider for every registered site.

Discovery: list pages (and their pagination), sitemaps (indexes, ``.gz``) and RSS/Atom feeds
lead to article pages.  Every response is kept (the raw-store pipeline); an article URL already
settled in the raw store is not fetched again unless ``refetch`` is set; list pages, sitemaps and
feeds seen before are fetched with a conditional GET, and on ``304`` their stored copy is read.
One bad page never stops the crawl: it is recorded, counted in the stats and logged.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import scrapy
from scrapy import signals
from scrapy.exceptions import DontCloseSpider, DownloadCancelledError, DownloadTimeoutError
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import TimeoutError as TxTimeoutError
from twisted.python.failure import Failure

from spiders import pages
from spiders.raw_store import CrawlMemory, RawStore
from spiders.registry import Site
from transforms.article import PageError, parse_article


@dataclass
class FetchedPage:
    url: str
    site: str
    kind: str
    status: int | None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    error: str | None = None
    details: dict[str, Any] = field(default_factory=dict)  # optional FetchRecord fields
    extracted: dict[str, Any] | None = None  # title/date/body summary when extraction is on


def _headers(response: Response) -> dict[str, str]:
    return {
        key.decode("latin-1").lower(): b", ".join(values).decode("latin-1")
        for key, values in response.headers.items()
    }


class NewsSpider(scrapy.Spider):
    name = "news"

    def __init__(
        self,
        sites: list[Site],
        memory: CrawlMemory | None = None,
        refetch: bool = False,
        article_limit: int | None = None,
        extract: bool = False,
        raw_dir: str | None = None,
        idle_grace: float = 0.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.sites = {site.name: site for site in sites}
        self.allowed_domains = sorted({d for s in sites for d in s.allowed_domains})
        self.memory = memory or CrawlMemory()
        self.refetch = refetch
        self.article_limit = article_limit
        self.extract = extract
        self.store = RawStore(Path(raw_dir)) if raw_dir else None
        self.idle_grace = idle_grace  # shared (Redis) frontier: wait for other crawlers' links
        self._articles_scheduled: dict[str, int] = {}
        self._seen_articles: set[str] = set()
        self._last_activity = time.monotonic()

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> NewsSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.on_idle, signal=signals.spider_idle)
        return spider

    # --- requests --------------------------------------------------------------------------
    async def start(self) -> AsyncIterator[scrapy.Request]:
        self._last_activity = time.monotonic()  # the idle grace counts from here, not from __init__
        for site in self.sites.values():
            for url in site.start_urls:
                yield self._discovery_request(url, site, "list")
            for url in site.sitemaps:
                yield self._discovery_request(url, site, "sitemap")
            for url in site.feeds:
                yield self._discovery_request(url, site, "feed")

    def _request(
        self, url: str, site: Site, kind: str, headers: dict[str, str] | None = None
    ) -> scrapy.Request:
        callbacks = {
            "list": self.parse_list,
            "sitemap": self.parse_sitemap,
            "feed": self.parse_feed,
            "article": self.parse_article,
        }
        meta: dict[str, Any] = {"site": site.name, "kind": kind}
        if site.politeness.timeout is not None:
            meta["download_timeout"] = site.politeness.timeout
        if site.politeness.max_page_bytes is not None:
            meta["download_maxsize"] = site.politeness.max_page_bytes
        if kind != "article":
            meta["handle_httpstatus_list"] = [304]
        return scrapy.Request(
            url,
            callback=callbacks[kind],
            errback=self.failed,
            cb_kwargs={"site": site.name},
            meta=meta,
            headers=headers,
        )

    def _discovery_request(self, url: str, site: Site, kind: str) -> scrapy.Request:
        """A list page, sitemap or feed: conditional if an earlier crawl stored it."""
        headers = {}
        known = self.memory.listings.get(url)
        if known and not self.refetch:
            if known.etag:
                headers["If-None-Match"] = known.etag
            if known.last_modified:
                headers["If-Modified-Since"] = known.last_modified
        return self._request(url, site, kind, headers)

    def _article_request(self, url: str, site: Site) -> scrapy.Request | None:
        stats = self.crawler.stats
        if url in self._seen_articles:
            return None
        self._seen_articles.add(url)
        if not self.refetch and url in self.memory.settled_articles:
            stats.inc_value(f"charitynews/{site.name}/already_stored")
            stats.inc_value("charitynews/already_stored")
            return None
        scheduled = self._articles_scheduled.get(site.name, 0)
        if self.article_limit is not None and scheduled >= self.article_limit:
            stats.inc_value("charitynews/over_limit")
            return None
        self._articles_scheduled[site.name] = scheduled + 1
        return self._request(url, site, "article")

    def _follow(self, links: list[str], site: Site, from_kind: str) -> Iterator[scrapy.Request]:
        for url in links:
            if site.is_article(url):
                if (request := self._article_request(url, site)) is not None:
                    yield request
            elif from_kind == "list" and site.is_list(url):
                yield self._discovery_request(url, site, "list")

    # --- callbacks -------------------------------------------------------------------------
    def _record(self, response: Response, site: str, kind: str, **details: Any) -> FetchedPage:
        self._last_activity = time.monotonic()
        redirects = response.meta.get("redirect_urls") or []
        if redirects:
            details.setdefault("requested_url", redirects[0])
            details.setdefault("redirects", tuple(redirects))
        body = None if response.status == 304 or details.get("skipped") else response.body
        return FetchedPage(
            response.url, site, kind, response.status, _headers(response), body, details=details
        )

    def _discovery_body(self, response: Response, site: str, kind: str) -> bytes | None:
        """The body to read links from: this response's, or the stored copy on 304."""
        self.crawler.stats.inc_value(f"charitynews/{site}/{kind}_pages")
        if response.status != 304:
            return response.body
        self.crawler.stats.inc_value("charitynews/not_modified")
        known = self.memory.listings.get(response.request.url if response.request else response.url)
        if known is None or self.store is None:
            self.logger.warning("304 for %s but no stored copy; its links are not followed", response.url)
            return None
        return self.store.body(known.body_sha256)

    def parse_list(self, response: Response, site: str) -> Iterator[Any]:
        registered = self.sites[site]
        skipped = pages.skip_reason(
            response.headers.get("Content-Type", b"").decode("latin-1"), response.body
        )
        if response.status != 304 and skipped:
            yield from self._skip(response, site, "list", skipped)
            return
        body = self._discovery_body(response, site, "list")
        yield self._record(response, site, "list")
        if body is not None:
            yield from self._follow(pages.html_links(response.url, body), registered, "list")

    def parse_sitemap(self, response: Response, site: str) -> Iterator[Any]:
        registered = self.sites[site]
        body = self._discovery_body(response, site, "sitemap")
        yield self._record(response, site, "sitemap")
        if body is None:
            return
        try:
            found = pages.sitemap_links(response.url, body)
        except ValueError as exc:
            self._count_bad(site, "sitemap", response.url, str(exc))
            return
        for url in found.sitemaps:
            yield self._discovery_request(url, registered, "sitemap")
        yield from self._follow(found.pages, registered, "sitemap")

    def parse_feed(self, response: Response, site: str) -> Iterator[Any]:
        registered = self.sites[site]
        body = self._discovery_body(response, site, "feed")
        yield self._record(response, site, "feed")
        if body is None:
            return
        try:
            links = pages.feed_links(response.url, body)
        except ValueError as exc:
            self._count_bad(site, "feed", response.url, str(exc))
            return
        yield from self._follow(links, registered, "feed")

    def parse_article(self, response: Response, site: str) -> Iterator[FetchedPage]:
        stats = self.crawler.stats
        content_type = response.headers.get("Content-Type", b"").decode("latin-1") or None
        skipped = pages.skip_reason(content_type, response.body)
        if skipped:
            yield from self._skip(response, site, "article", skipped)
            return
        stats.inc_value(f"charitynews/{site}/articles")
        decoded = pages.decode(response.body, content_type)
        if decoded.decoded_badly:
            stats.inc_value("charitynews/decoded_badly")
            stats.inc_value(f"charitynews/{site}/decoded_badly")
            self.logger.warning(
                "%s decodes badly: %d bad bytes as %s (%s); flagged",
                response.url,
                decoded.bad_bytes,
                decoded.encoding,
                decoded.source,
            )
        page = self._record(
            response,
            site,
            "article",
            canonical_url=pages.canonical_url(response.url, decoded.text),
            encoding=decoded.encoding,
            encoding_source=decoded.source,
            bad_bytes=decoded.bad_bytes,
        )
        if self.extract:
            page.extracted = self._extract(response, site, content_type)
        yield page

    def _extract(self, response: Response, site: str, content_type: str | None) -> dict[str, Any]:
        try:
            article = parse_article(response.url, response.body, content_type, self.sites[site].selectors)
        except PageError as exc:
            self.crawler.stats.inc_value("charitynews/extract_failed")
            return {"error": str(exc)}
        self.crawler.stats.inc_value("charitynews/extracted")
        return {
            "title": article.title,
            "published": article.published.isoformat() if article.published else None,
            "body_chars": len(article.body),
            "lead": article.body[:40],
            "source_line": article.source_line,
        }

    def _skip(self, response: Response, site: str, kind: str, reason: str) -> Iterator[FetchedPage]:
        key = "binary" if reason.startswith("binary") else "non_html"
        self.crawler.stats.inc_value(f"charitynews/skipped_{key}")
        self.logger.info("skipped %s: %s", response.url, reason)
        yield self._record(response, site, kind, skipped=reason)

    def _count_bad(self, site: str, kind: str, url: str, reason: str) -> None:
        self.crawler.stats.inc_value(f"charitynews/bad_{kind}")
        self.logger.warning("unreadable %s %s (%s): %s", kind, url, site, reason)

    def failed(self, failure: Failure) -> Iterator[FetchedPage]:
        self._last_activity = time.monotonic()
        request = failure.request  # type: ignore[attr-defined]
        site, kind = request.meta["site"], request.meta["kind"]
        stats = self.crawler.stats
        stats.inc_value(f"charitynews/{site}/failed")
        status = None
        headers: dict[str, str] = {}
        if failure.check(HttpError):
            response = failure.value.response
            status = response.status
            headers = _headers(response)
            if status in (404, 410):
                stats.inc_value("charitynews/gone")
        elif failure.check(DownloadTimeoutError, TxTimeoutError):
            stats.inc_value("charitynews/timeouts")
        message = failure.getErrorMessage()
        if failure.check(DownloadCancelledError):
            # Scrapy cancels a download only for the size limit here (we never stop downloads
            # ourselves); when the size shows only while arriving, the error carries no message.
            stats.inc_value("charitynews/too_large")
            limit = request.meta.get("download_maxsize") or self.crawler.settings.getint("DOWNLOAD_MAXSIZE")
            message = message or f"Received more bytes than the download max size ({limit})"
        self.logger.warning("fetch failed: %s (%s): %s", request.url, site, message)
        yield FetchedPage(
            request.url, site, kind, status, headers, error=message or type(failure.value).__name__
        )

    def on_idle(self) -> None:
        """With a shared frontier another crawler may still be adding links: wait a moment."""
        if self.idle_grace and time.monotonic() - self._last_activity < self.idle_grace:
            raise DontCloseSpider


__all__ = ["FetchedPage", "NewsSpider"]

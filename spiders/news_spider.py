"""One spider for every registered site: list pages lead to articles; every response is kept."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import scrapy
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from spiders.registry import Site


@dataclass
class FetchedPage:
    url: str
    site: str
    kind: str
    status: int | None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    error: str | None = None


def _headers(response: Response) -> dict[str, str]:
    return {
        key.decode("latin-1").lower(): b", ".join(values).decode("latin-1")
        for key, values in response.headers.items()
    }


class NewsSpider(scrapy.Spider):
    name = "news"

    def __init__(self, sites: list[Site], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.sites = {site.name: site for site in sites}
        self.allowed_domains = sorted({d for s in sites for d in s.allowed_domains})

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for site in self.sites.values():
            for url in site.start_urls:
                yield self._request(url, site, "list")

    def _request(self, url: str, site: Site, kind: str) -> scrapy.Request:
        callback = self.parse_list if kind == "list" else self.parse_article
        return scrapy.Request(
            url,
            callback=callback,
            errback=self.failed,
            cb_kwargs={"site": site.name},
            meta={"site": site.name, "kind": kind},
        )

    def parse_list(self, response: Response, site: str) -> Iterator[Any]:
        registered = self.sites[site]
        self.crawler.stats.inc_value(f"charitynews/{site}/list_pages")
        yield FetchedPage(response.url, site, "list", response.status, _headers(response), response.body)
        for href in response.css("a::attr(href)").getall():
            url = response.urljoin(href)
            if registered.article_url_pattern.search(url):
                yield self._request(url, registered, "article")
            elif registered.list_url_pattern.search(url):
                yield self._request(url, registered, "list")

    def parse_article(self, response: Response, site: str) -> Iterator[FetchedPage]:
        self.crawler.stats.inc_value(f"charitynews/{site}/articles")
        yield FetchedPage(response.url, site, "article", response.status, _headers(response), response.body)

    def failed(self, failure: Failure) -> Iterator[FetchedPage]:
        request = failure.request  # type: ignore[attr-defined]
        site, kind = request.meta["site"], request.meta["kind"]
        self.crawler.stats.inc_value(f"charitynews/{site}/failed")
        status = None
        if failure.check(HttpError):
            status = failure.value.response.status
        self.logger.warning("fetch failed: %s (%s): %s", request.url, site, failure.getErrorMessage())
        yield FetchedPage(request.url, site, kind, status, error=failure.getErrorMessage())

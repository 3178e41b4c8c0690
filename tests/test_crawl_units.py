"""Crawl building blocks without a reactor: page objects, settings, back-off, user agent."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from spiders import pages
from spiders.crawl import CrawlConfigError, _slots, crawl_settings, user_agent
from spiders.middlewares import RetryBackoffMiddleware
from spiders.registry import parse_registry

BASE = "http://news.example.cn/list/"
URLSET = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<url><loc>http://news.example.cn/a/1.html</loc></url><url><loc> http://news.example.cn/a/2.html </loc></url>
</urlset>"""
INDEX = b"""<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>http://news.example.cn/s1.xml.gz</loc></sitemap></sitemapindex>"""


@pytest.mark.parametrize(
    ("content_type", "body", "reason"),
    [
        ("text/html; charset=utf-8", b"<html><p>\xe5\x96\x84</p></html>", None),
        (None, b"<html></html>", None),
        ("application/pdf", b"%PDF-1.4", "not HTML: Content-Type application/pdf"),
        ("text/html", b"\x89PNG\r\n\x1a\n" + bytes(100), "binary content served as text/html"),
        ("text/html", b"PK\x03\x04" + bytes(100), "binary content served as text/html"),
        ("text/html", b"<html>" + bytes(200), "binary content served as text/html"),
        ("image/jpeg", b"\xff\xd8\xff", "not HTML: Content-Type image/jpeg"),
    ],
)
def test_skip_reason(content_type: str | None, body: bytes, reason: str | None) -> None:
    assert pages.skip_reason(content_type, body) == reason


def test_links_are_absolute_and_without_fragments() -> None:
    body = (
        b"<a href=\"../a/1.html#top\">x</a> <A HREF=/a/2.html>y</A> <a href='3.html?x=1&amp;y=2'>z</a>"
        b'<a href="javascript:void(0)">j</a><a href="mailto:a@b.c">m</a><a href="#">t</a>'
    )
    assert pages.html_links(BASE, body) == [
        "http://news.example.cn/a/1.html",
        "http://news.example.cn/a/2.html",
        "http://news.example.cn/list/3.html?x=1&y=2",
    ]


def test_canonical_url() -> None:
    head = '<head><link href="/a/1.html" rel="canonical"><link rel="stylesheet" href="x.css"></head>'
    assert pages.canonical_url(BASE, head) == "http://news.example.cn/a/1.html"
    assert pages.canonical_url(BASE, "<head></head>") is None


def test_sitemaps_plain_gzipped_and_index() -> None:
    assert pages.sitemap_links(BASE, URLSET).pages == [
        "http://news.example.cn/a/1.html",
        "http://news.example.cn/a/2.html",
    ]
    assert pages.sitemap_links(BASE, gzip.compress(URLSET)).pages[1].endswith("/a/2.html")
    index = pages.sitemap_links(BASE, INDEX)
    assert index.sitemaps == ["http://news.example.cn/s1.xml.gz"] and index.pages == []
    with pytest.raises(ValueError, match="not a sitemap"):
        pages.sitemap_links(BASE, b"<html><body>404</body></html>")


def test_feeds_rss_and_atom() -> None:
    rss = b"<rss version='2.0'><channel><item><title>t</title><link>http://n.example/1.html</link></item></channel></rss>"
    atom = (
        b'<feed xmlns="http://www.w3.org/2005/Atom"><entry><link rel="edit" href="/e/1"/>'
        b'<link rel="alternate" href="http://n.example/2.html"/></entry></feed>'
    )
    assert pages.feed_links(BASE, rss) == ["http://n.example/1.html"]
    assert pages.feed_links(BASE, atom) == ["http://n.example/2.html"]
    with pytest.raises(ValueError, match="not an RSS or Atom feed"):
        pages.feed_links(BASE, b"<html><body>moved</body></html>")


def test_user_agent_needs_a_contact_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CHARITYNEWS_USER_AGENT", raising=False)
    assert "+https://" in user_agent()
    monkeypatch.setenv("CHARITYNEWS_USER_AGENT", "research-bot/1.0 (+https://lab.example.org/crawler)")
    assert user_agent() == "research-bot/1.0 (+https://lab.example.org/crawler)"
    monkeypatch.setenv("CHARITYNEWS_USER_AGENT", "research-bot/1.0")
    with pytest.raises(CrawlConfigError, match="no contact URL"):
        user_agent()


def test_site_politeness_becomes_download_slots() -> None:
    sites = parse_registry(
        '[[site]]\nname="a"\ntitle="A"\nhomepage="https://www.a.example/"\narticle_url_pattern="x"\n'
        'start_urls=["https://www.a.example/news/"]\nfeeds=["https://rss.a.example/feed.xml"]\n'
        'allowed_domains=["a.example"]\npoliteness={download_delay=3.0, concurrency=1}\n'
        '[[site]]\nname="b"\ntitle="B"\nhomepage="https://b.example/"\narticle_url_pattern="x"\n'
        'start_urls=["https://b.example/"]\n'
    )
    slots = _slots(sites)
    assert slots["www.a.example"] == slots["rss.a.example"] == {"delay": 3.0, "concurrency": 1}
    assert "b.example" not in slots  # no overrides: Scrapy's defaults apply
    settings = crawl_settings(sites, Path("/tmp/raw"), "c1")
    assert settings["ROBOTSTXT_OBEY"] and settings["AUTOTHROTTLE_ENABLED"]
    assert settings["JOBDIR"].endswith("jobs/c1") and "SCHEDULER" not in settings


def test_backoff_doubles_up_to_the_cap() -> None:
    middleware = RetryBackoffMiddleware(base=2.0, cap=5.0)
    assert [middleware.delay(n) for n in range(4)] == [0.0, 2.0, 4.0, 5.0]


def test_autothrottle_speeds_up_but_keeps_a_sites_own_minimum_delay() -> None:
    from types import SimpleNamespace

    from scrapy.core.downloader import Slot
    from scrapy.http import Request, Response
    from scrapy.utils.test import get_crawler

    from spiders.throttle import SiteAwareAutoThrottle

    crawler = get_crawler(
        settings_dict={
            "AUTOTHROTTLE_ENABLED": True,
            "DOWNLOAD_DELAY": 0,
            "DOWNLOAD_SLOTS": {"slow.example": {"delay": 3.0}},
        }
    )
    throttle = SiteAwareAutoThrottle(crawler)
    throttle.mindelay, throttle.maxdelay = 0.0, 60.0
    slots = {"slow.example": Slot(1, 3.0, 0), "fast.example": Slot(1, 3.0, 0)}
    crawler.engine = SimpleNamespace(downloader=SimpleNamespace(slots=slots))  # type: ignore[assignment]
    for host in slots:
        request = Request(f"http://{host}/a", meta={"download_slot": host, "download_latency": 0.01})
        for _ in range(10):  # fast answers: AutoThrottle lowers the delay towards latency / 2
            throttle._response_downloaded(Response(request.url, status=200, request=request), request, None)
    assert slots["fast.example"].delay < 0.1
    assert slots["slow.example"].delay == 3.0  # the registry's politeness.download_delay holds

"""The sample sites over real HTTP on 127.0.0.1: encodings, robots.txt, pagination, parsing."""

from __future__ import annotations

import urllib.request
from urllib.error import HTTPError

import pytest

from spiders.sample_server import RunningSamples
from transforms.article import parse_article


def fetch(samples: RunningSamples, url: str) -> tuple[int, dict[str, str], bytes]:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({"http": samples.proxy}))
    try:
        with opener.open(url, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def _site(samples: RunningSamples, name: str):  # type: ignore[no-untyped-def]
    return next(s for s in samples.sites if s.name == name)


def test_enough_articles_across_three_sites(sample_sites: RunningSamples) -> None:
    assert len(sample_sites.sites) >= 3
    assert sample_sites.article_count >= 40


@pytest.mark.parametrize(
    ("site", "header_charset", "meta"),
    [
        ("shanxing", "charset=utf-8", b'<meta charset="utf-8">'),
        ("gangao", "charset=big5", b"charset=big5"),
        ("xiangcun", None, b"charset=gb2312"),  # declared only in <meta>
    ],
)
def test_each_site_declares_its_encoding(
    sample_sites: RunningSamples, site: str, header_charset: str | None, meta: bytes
) -> None:
    status, headers, body = fetch(sample_sites, _site(sample_sites, site).start_urls[0])
    assert status == 200
    content_type = headers["Content-Type"]
    if header_charset:
        assert header_charset in content_type
    else:
        assert "charset" not in content_type
    assert meta in body[:600]


def test_robots_txt_per_host_and_missing_pages(sample_sites: RunningSamples) -> None:
    for site in sample_sites.sites:
        status, _, body = fetch(sample_sites, site.homepage + "robots.txt")
        assert status == 200 and b"Disallow: /search" in body
    status, _, _ = fetch(sample_sites, _site(sample_sites, "shanxing").homepage + "news/nothing-here.html")
    assert status == 404


def test_list_pages_paginate_to_every_article(sample_sites: RunningSamples) -> None:
    site = _site(sample_sites, "xiangcun")
    seen: set[str] = set()
    pending = [site.start_urls[0]]
    visited: set[str] = set()
    while pending:
        url = pending.pop()
        if url in visited:
            continue
        visited.add(url)
        _, _, body = fetch(sample_sites, url)
        html = body.decode("gb18030")
        for href in __import__("re").findall(r'href="([^"]+)"', html):
            full = urllib.parse.urljoin(url, href)
            if site.article_url_pattern.search(full):
                seen.add(full)
            elif site.list_url_pattern.search(full):
                pending.append(full)
    assert len(visited) >= 2  # more than one list page
    assert len(seen) == 14


@pytest.mark.parametrize("site_name", ["shanxing", "gangao", "xiangcun"])
def test_article_pages_parse_without_furniture(sample_sites: RunningSamples, site_name: str) -> None:
    site = _site(sample_sites, site_name)
    _, _, listing = fetch(sample_sites, site.start_urls[0])
    import re

    hrefs = [
        urllib.parse.urljoin(site.start_urls[0], h.replace("&amp;", "&"))
        for h in re.findall(rb'href="([^"]+)"', listing)
        for h in [h.decode("ascii")]
    ]
    url = next(h for h in hrefs if site.article_url_pattern.search(h))
    _, headers, body = fetch(sample_sites, url)
    article = parse_article(url, body, headers.get("Content-Type"), site.selectors)
    assert article.published is not None and article.published.year == 2026
    assert article.replacement_chars == 0
    assert len(article.body) > 150
    for furniture in ("Copyright", "版权所有", "版權所有", "当前位置", "相关新闻", "延伸閱讀", "ICP", "分享"):
        assert furniture not in article.body, furniture
    assert article.title and article.title in body.decode(article.encoding)

"""A local web of awkward sites on 127.0.0.1, for crawl tests and the crawl benchmark.

One HTTP server answers for several registered "sites" under path prefixes:

- ``/news/``: list pages with pagination, ETag and Last-Modified (conditional GET answered 304);
- ``/sitemap_index.xml``: a sitemap index naming a plain sitemap and a ``.xml.gz`` one;
- ``/feeds/rss.xml`` and ``/feeds/atom.xml``: RSS 2.0 and Atom;
- ``/enc/``: the same kind of article in every encoding and declaration we meet;
- ``/trouble/``: 301, 302, 404, 410, 500, a 503 that recovers, slow and timed-out responses,
  a 20 MB page (generated while it is sent), binary bytes served as text/html, a PDF, and a
  page under ``/private/`` that robots.txt disallows.

Every GET is counted per path (``FixtureWeb.hits``), so tests can prove what was fetched how often.
Article texts are the fictional ones in ``tests/fixtures/web/articles.toml``.

``python -m spiders.fixture_web --articles 2000`` serves it until interrupted (the benchmark).
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import html
import threading
import time
import tomllib
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

FIXTURE_TEXTS = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "web" / "articles.toml"
ROBOTS = "User-agent: *\nDisallow: /private/\n"
_LAST_MODIFIED = formatdate(1_763_000_000, usegmt=True)  # a fixed date: list pages never change
_PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489") + bytes(2048)
_HUGE_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class FixtureConfig:
    articles: int = 12  # per discovery site (list, sitemap, feeds)
    page_size: int = 5
    article_delay: float = 0.0  # seconds before each article answer (kill-and-resume tests)
    slow_delay: float = 0.4  # /trouble/slow.html: slow, but inside the timeout
    timeout_delay: float = 4.0  # /trouble/timeout.html: longer than the test's DOWNLOAD_TIMEOUT
    # Article answers wait for this event (tests that need several crawlers running first).
    article_gate: threading.Event | None = field(default=None, compare=False)


def load_texts(path: Path = FIXTURE_TEXTS) -> list[dict[str, Any]]:
    return tomllib.loads(path.read_text("utf-8"))["article"]


# Encoding variants: (name, Python codec, Content-Type header, <meta> charset or None, BOM, script)
ENCODING_VARIANTS: list[tuple[str, str, str, str | None, bytes, str]] = [
    ("utf8-header", "utf-8", "text/html; charset=utf-8", None, b"", "simplified"),
    ("gbk-header", "gbk", "text/html; charset=GBK", None, b"", "simplified"),
    ("gb2312-meta-only", "gbk", "text/html", "gb2312", b"", "simplified"),
    ("gb18030-undeclared", "gb18030", "text/html", None, b"", "simplified"),
    ("big5-header", "big5", "text/html; charset=big5", None, b"", "traditional"),
    ("big5hkscs-meta-only", "big5hkscs", "text/html", "big5", b"", "traditional"),
    ("big5-undeclared", "big5", "text/html", None, b"", "traditional"),
    ("utf8-bom-undeclared", "utf-8", "text/html", None, b"\xef\xbb\xbf", "traditional"),
    ("header-lies-utf8", "gbk", "text/html; charset=utf-8", "gbk", b"", "simplified"),
    ("mixed-broken", "mixed", "text/html; charset=utf-8", None, b"", "simplified"),
]
# What each variant must decode as, for the tests: (codec, bad bytes expected?)
EXPECTED_DECODING = {
    "utf8-header": ("utf-8", False),
    "gbk-header": ("gb18030", False),
    "gb2312-meta-only": ("gb18030", False),
    "gb18030-undeclared": ("gb18030", False),
    "big5-header": ("big5hkscs", False),
    "big5hkscs-meta-only": ("big5hkscs", False),
    "big5-undeclared": ("big5hkscs", False),
    "utf8-bom-undeclared": ("utf-8", False),
    "header-lies-utf8": ("gb18030", False),
    "mixed-broken": ("utf-8", True),
}
TROUBLE_PAGES = (
    "moved-301",
    "moved-302",
    "missing-404",
    "gone-410",
    "broken-500",
    "flaky-503",
    "slow",
    "timeout",
    "huge",
    "huge-unannounced",
    "binary",
    "annual-report",
)


def _page(
    title: str, paragraphs: list[str], *, date: str, source: str, author: str, extra_head: str = ""
) -> str:
    body = "\n".join(f"    <p>{html.escape(p)}</p>" for p in paragraphs)
    return f"""<!DOCTYPE html>
<html><head>{extra_head}<title>{html.escape(title)}_善行资讯网</title></head>
<body>
<div class="top-nav"><a href="/">首页</a> | <a href="/news/">公益资讯</a> | <a href="/about">关于</a></div>
<div class="breadcrumb">当前位置：首页 &gt; 公益资讯 &gt; 正文</div>
<div class="article">
  <h1>{html.escape(title)}</h1>
  <div class="info">发布时间：{date}　来源：{html.escape(source)}　作者：{html.escape(author)}</div>
  <div id="content">
{body}
  </div>
  <div class="share">分享到：微信 微博 QQ空间</div>
</div>
<div class="related"><h3>相关新闻</h3><ul><li><a href="/news/">更多公益资讯</a></li></ul></div>
<div class="footer">版权所有 © 2026 善行资讯网　京ICP备00000000号</div>
</body></html>
"""


def _list_page(title: str, links: list[tuple[str, str]], pager: list[tuple[str, str]]) -> str:
    items = "\n".join(f'<li><a href="{u}">{html.escape(t)}</a></li>' for u, t in links)
    pages = " ".join(f'<a href="{u}">{html.escape(t)}</a>' for u, t in pager)
    return (
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title></head>'
        f'<body><h1>{title}</h1><ul class="list">\n{items}\n</ul>'
        f'<div class="pager">{pages}</div></body></html>'
    )


@dataclass
class FixtureWeb:
    url: str
    config: FixtureConfig
    hits: Counter[str] = field(default_factory=Counter)
    conditional_hits: Counter[str] = field(default_factory=Counter)
    user_agents: Counter[str] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, path: str) -> int:
        with self._lock:
            return self.hits[path]

    # --- URL schemes ------------------------------------------------------------------------
    def list_article_paths(self) -> list[str]:
        return [f"/news/2026-11/{1 + i % 28:02d}/n{i:04d}.html" for i in range(self.config.articles)]

    def sitemap_article_paths(self) -> list[str]:
        return [f"/sm/2026/11{1 + i % 28:02d}/c{i:04d}.html" for i in range(self.config.articles)]

    def feed_article_paths(self) -> list[str]:
        half = self.config.articles // 2
        rss = [f"/feed/rss-{i:04d}.shtml" for i in range(half)]
        atom = [f"/feed/atom-{i:04d}.shtml" for i in range(self.config.articles - half)]
        return rss + atom

    def encoding_paths(self) -> list[str]:
        return [f"/enc/{name}.html" for name, *_ in ENCODING_VARIANTS]

    def list_page_paths(self) -> list[str]:
        count = max(1, -(-self.config.articles // self.config.page_size))
        return ["/news/"] + [f"/news/index_{n}.html" for n in range(1, count)]


def _handler(web: FixtureWeb, texts: list[dict[str, Any]]) -> type[BaseHTTPRequestHandler]:
    config = web.config
    article_index = {p: i for i, p in enumerate(web.list_article_paths())}
    article_index |= {p: i for i, p in enumerate(web.sitemap_article_paths())}
    article_index |= {p: i for i, p in enumerate(web.feed_article_paths())}
    encodings = {f"/enc/{v[0]}.html": v for v in ENCODING_VARIANTS}
    list_pages = {p: n for n, p in enumerate(web.list_page_paths())}
    simplified = [t for t in texts if t["script"] == "simplified"]
    traditional = [t for t in texts if t["script"] == "traditional"]

    def article_html(i: int, texts_: list[dict[str, Any]] | None = None, extra_head: str = "") -> str:
        text = (texts_ or texts)[i % len(texts_ or texts)]
        day = 1 + i % 28
        return _page(
            text["title"],
            text["paragraphs"],
            date=f"2026-11-{day:02d} 09:{i % 60:02d}",
            source=text["source"],
            author=text["author"],
            extra_head=extra_head,
        )

    class Handler(BaseHTTPRequestHandler):
        server_version = "FixtureCMS/1.0"
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass  # the hit counters are the log

        def _send(
            self, status: int, body: bytes, content_type: str = "text/html; charset=utf-8", **headers: str
        ) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in headers.items():
                self.send_header(name.replace("_", "-"), value)
            self.end_headers()
            self.wfile.write(body)

        def _redirect(self, status: int, location: str) -> None:
            self.send_response(status)
            self.send_header("Location", location)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_GET(self) -> None:
            parsed = urlparse(self.path)
            path = parsed.path + (f"?{parsed.query}" if parsed.query else "")
            with web._lock:
                web.hits[path] += 1
                web.user_agents[self.headers.get("User-Agent", "")] += 1
                hits = web.hits[path]
                if self.headers.get("If-None-Match") or self.headers.get("If-Modified-Since"):
                    web.conditional_hits[path] += 1
            # The crawler may give up on a response (timeout, size limit): expected here.
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self._route(parsed.path, path, hits)

        def _route(self, path: str, full: str, hits: int) -> None:
            if path == "/robots.txt":
                self._send(200, ROBOTS.encode(), "text/plain")
            elif path in list_pages:
                self._list(list_pages[path])
            elif path in article_index:
                if config.article_gate is not None:
                    config.article_gate.wait(timeout=60)
                if config.article_delay:
                    time.sleep(config.article_delay)
                self._send(200, article_html(article_index[path]).encode("utf-8"))
            elif path == "/sitemap_index.xml":
                self._sitemap_index()
            elif path in ("/sitemaps/a.xml", "/sitemaps/b.xml.gz"):
                self._sitemap(path)
            elif path == "/feeds/rss.xml":
                self._rss()
            elif path == "/feeds/atom.xml":
                self._atom()
            elif path == "/enc/":
                links = [(p, p.rsplit("/", 1)[1]) for p in web.encoding_paths()]
                self._send(200, _list_page("编码测试", links, []).encode("utf-8"))
            elif path in encodings:
                self._encoded(encodings[path])
            elif path == "/trouble/":
                links = [(f"/trouble/{name}.html", name) for name in TROUBLE_PAGES]
                links.append(("/private/secret.html", "robots.txt says no"))
                self._send(200, _list_page("问题页面", links, []).encode("utf-8"))
            elif path.startswith(("/trouble/", "/private/")):
                self._trouble(path, full, hits)
            else:
                self._send(404, "<html><body><h1>404 页面不存在</h1></body></html>".encode())

        def _list(self, number: int) -> None:
            etag = f'"list-{number}-{config.articles}"'
            if (
                self.headers.get("If-None-Match") == etag
                or self.headers.get("If-Modified-Since") == _LAST_MODIFIED
            ):
                self.send_response(304)
                self.send_header("ETag", etag)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            paths = web.list_article_paths()[number * config.page_size : (number + 1) * config.page_size]
            links = [(p, texts[article_index[p] % len(texts)]["title"]) for p in paths]
            pager = [(p, f"第{n + 1}页") for n, p in enumerate(web.list_page_paths())]
            if number + 1 < len(web.list_page_paths()):
                pager.append((web.list_page_paths()[number + 1], "下一页"))
            body = _list_page(f"公益资讯 第{number + 1}页", links, pager).encode("utf-8")
            self._send(200, body, ETag=etag, Last_Modified=_LAST_MODIFIED)

        def _sitemap_index(self) -> None:
            body = (
                '<?xml version="1.0" encoding="UTF-8"?>\n'
                '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                f"<sitemap><loc>{web.url}/sitemaps/a.xml</loc><lastmod>2026-11-20</lastmod></sitemap>"
                f"<sitemap><loc>{web.url}/sitemaps/b.xml.gz</loc></sitemap></sitemapindex>"
            ).encode()
            self._send(200, body, "application/xml")

        def _sitemap(self, path: str) -> None:
            paths = web.sitemap_article_paths()
            half = len(paths) // 2
            chosen = paths[:half] if path.endswith("a.xml") else paths[half:]
            urls = "".join(f"<url><loc>{web.url}{p}</loc><lastmod>2026-11-17</lastmod></url>" for p in chosen)
            xml = (
                '<?xml version="1.0" encoding="UTF-8"?>\n'
                f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'
            ).encode()
            if path.endswith(".gz"):
                self._send(200, gzip.compress(xml), "application/x-gzip")
            else:
                self._send(200, xml, "application/xml")

        def _rss(self) -> None:
            paths = [p for p in web.feed_article_paths() if "/rss-" in p]
            items = "".join(
                f"<item><title>{html.escape(texts[i % len(texts)]['title'])}</title>"
                f"<link>{web.url}{p}</link><pubDate>Tue, 17 Nov 2026 08:00:00 +0800</pubDate></item>"
                for i, p in enumerate(paths)
            )
            body = (
                '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
                f"<title>公益资讯</title><link>{web.url}/</link>{items}</channel></rss>"
            )
            self._send(200, body.encode(), "application/rss+xml")

        def _atom(self) -> None:
            paths = [p for p in web.feed_article_paths() if "/atom-" in p]
            entries = "".join(
                f"<entry><title>{html.escape(texts[i % len(texts)]['title'])}</title>"
                f'<link rel="alternate" href="{web.url}{p}"/><id>urn:fixture:{i}</id>'
                "<updated>2026-11-17T08:00:00+08:00</updated></entry>"
                for i, p in enumerate(paths)
            )
            body = f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>公益</title>{entries}</feed>'
            self._send(200, body.encode(), "application/atom+xml")

        def _encoded(self, variant: tuple[str, str, str, str | None, bytes, str]) -> None:
            name, codec, content_type, meta, bom, script = variant
            head = f'<meta http-equiv="Content-Type" content="text/html; charset={meta}">' if meta else ""
            pool = simplified if script == "simplified" else traditional
            index = [v[0] for v in ENCODING_VARIANTS].index(name)
            page = article_html(index, pool, head)
            if name == "big5hkscs-meta-only":
                page = page.replace("</h1>", "</h1><p>深水埗𨋢口街坊</p>")  # 𨋢 exists only in HKSCS
            if codec == "mixed":
                # A CMS that pasted GBK bytes into a UTF-8 page: part cannot be decoded at all.
                half = len(page) // 2
                body = page[:half].encode("utf-8") + page[half:].encode("gbk", errors="replace")
            else:
                body = bom + page.encode(codec, errors="xmlcharrefreplace")  # as old CMSes do
            self._send(200, body, content_type)

        def _trouble(self, path: str, full: str, hits: int) -> None:
            name = path.rsplit("/", 1)[1].removesuffix(".html")
            text = texts[len(name) % len(texts)]
            ok = _page(text["title"], text["paragraphs"], date="2026-11-18", source="问题页面", author="测试")
            if name == "moved-301":
                self._redirect(301, "/trouble/final-301.html")
            elif name == "moved-302":
                self._redirect(302, f"{web.url}/trouble/final-302.html?from=302")
            elif name == "final-302":
                canonical = f'<link rel="canonical" href="{web.url}/trouble/final-302.html">'
                self._send(200, ok.replace("<head>", "<head>" + canonical).encode())
            elif name == "missing-404":
                self._send(404, "<h1>404 页面不存在</h1>".encode())
            elif name == "gone-410":
                self._send(410, "<h1>410 页面已删除</h1>".encode())
            elif name == "broken-500":
                self._send(500, b"<h1>500 Internal Server Error</h1>")
            elif name == "flaky-503" and hits == 1:
                self._send(503, b"<h1>503 Service Unavailable</h1>", Retry_After="1")
            elif name == "slow":
                time.sleep(config.slow_delay)
                self._send(200, ok.encode())
            elif name == "timeout":
                time.sleep(config.timeout_delay)
                self._send(200, ok.encode())
            elif name == "huge":
                self._huge(announced=True)
            elif name == "huge-unannounced":
                self._huge(announced=False)
            elif name == "binary":
                self._send(200, _PNG, "text/html; charset=utf-8")
            elif name == "annual-report":
                self._send(200, b"%PDF-1.4\n" + bytes(4096), "application/pdf")
            else:  # final-301, flaky-503 after its first failure, private/secret
                self._send(200, ok.encode())

        def _huge(self, announced: bool) -> None:
            """20 MB of article-like HTML, produced while sending: nothing this large is kept
            anywhere.  Announced with Content-Length, or not (the size shows only as it arrives)."""
            chunk = ("<p>" + "善款用于乡村学校的图书角建设。" * 60 + "</p>\n").encode("utf-8")
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            if announced:
                self.send_header("Content-Length", str(_HUGE_BYTES))
            else:
                self.send_header("Connection", "close")  # the body ends when the connection does
                self.close_connection = True
            self.end_headers()
            sent = 0
            while sent < _HUGE_BYTES:
                piece = chunk[: _HUGE_BYTES - sent]
                self.wfile.write(piece)
                sent += len(piece)

    return Handler


@contextmanager
def serve_fixture_web(config: FixtureConfig | None = None, port: int = 0) -> Iterator[FixtureWeb]:
    """Serve the fixture web on 127.0.0.1 until the block ends."""
    config = config or FixtureConfig()
    server = ThreadingHTTPServer(("127.0.0.1", port), BaseHTTPRequestHandler)
    web = FixtureWeb(url=f"http://127.0.0.1:{server.server_address[1]}", config=config)
    server.RequestHandlerClass = _handler(web, load_texts())
    server.daemon_threads = True
    server.request_queue_size = 128
    thread = threading.Thread(target=server.serve_forever, name="fixture-web", daemon=True)
    thread.start()
    try:
        yield web
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def registry_toml(web: FixtureWeb | str, delay: float = 0.0) -> str:
    """A registry for the fixture web's sites, with this server's address (or the server)."""
    u = web if isinstance(web, str) else web.url
    politeness = f"politeness = {{ download_delay = {delay} }}\n"
    return f"""
[[site]]
name = "fx-list"
title = "列表分页站"
homepage = "{u}/"
start_urls = ["{u}/news/"]
list_url_pattern = '/news/(?:index_\\d+\\.html)?$'
article_url_pattern = '/news/\\d{{4}}-\\d{{2}}/\\d{{2}}/n\\d+\\.html$'
{politeness}
[[site]]
name = "fx-sitemap"
title = "网站地图站"
homepage = "{u}/"
sitemaps = ["{u}/sitemap_index.xml"]
article_url_pattern = '/sm/\\d{{4}}/\\d{{4}}/c\\d+\\.html$'
{politeness}
[[site]]
name = "fx-feeds"
title = "订阅源站"
homepage = "{u}/"
feeds = ["{u}/feeds/rss.xml", "{u}/feeds/atom.xml"]
article_url_pattern = '/feed/(?:rss|atom)-\\d+\\.shtml$'
{politeness}
[[site]]
name = "fx-encodings"
title = "編碼站"
homepage = "{u}/"
start_urls = ["{u}/enc/"]
article_url_pattern = '/enc/[a-z0-9-]+\\.html$'
locale = "hk"
{politeness}
[[site]]
name = "fx-trouble"
title = "问题站"
homepage = "{u}/"
start_urls = ["{u}/trouble/"]
article_url_pattern = '/(?:trouble|private)/[a-z0-9-]+\\.html$'
{politeness}"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m spiders.fixture_web", description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=2000, help="articles per discovery site")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    with serve_fixture_web(FixtureConfig(articles=args.articles, page_size=50), args.port) as web:
        print(web.url, flush=True)  # the benchmark reads the address from the first line
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            return 0


if __name__ == "__main__":
    raise SystemExit(main())

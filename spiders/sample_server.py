"""A local HTTP server for the bundled, fictional sample sites (demo and tests only).

One server on a free port of 127.0.0.1 answers for every sample host (``www.shanxing.example``…)
as an HTTP proxy would, routing by the requested host, so each site keeps its own robots.txt
and its URLs do not change from run to run.  Pages are rendered from the article files in
``sample_sites/<site>/articles/*.toml`` and encoded as the site declares (UTF-8; Big5; GBK
declared only in a ``<meta>`` tag, as gb2312).
"""

from __future__ import annotations

import hashlib
import logging
import threading
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import jinja2

from spiders.registry import Site, load_registry

log = logging.getLogger(__name__)

SAMPLE_ROOT = Path(__file__).resolve().parent.parent / "sample_sites"
_GIF = bytes.fromhex("47494638396101000100800000000000ffffff21f90401000000002c00000000010001000002024401003b")
_ROBOTS = "User-agent: *\nDisallow: /search\nDisallow: /member/\nDisallow: /admin/\n"


@dataclass(frozen=True)
class SampleArticle:
    site: str
    slug: str
    data: dict[str, Any]

    @property
    def published(self) -> str:
        return str(self.data["published"])


class SampleSite:
    """Renders one site's list and article pages."""

    def __init__(self, site: Site, root: Path, env: jinja2.Environment) -> None:
        self.site = site
        self.options = dict(site.sample)
        self.page_size = int(self.options.get("page_size", 6))
        self.env = env
        files = sorted((root / site.name / "articles").glob("*.toml"))
        articles = [SampleArticle(site.name, f.stem, tomllib.loads(f.read_text("utf-8"))) for f in files]
        self.articles = sorted(articles, key=lambda a: a.published, reverse=True)
        self.by_path = {self.article_path(a): a for a in self.articles}

    # --- URL schemes, one per template family -------------------------------------------
    def article_path(self, a: SampleArticle) -> str:
        day = a.published[:10]
        template = self.options["template"]
        if template == "portal":
            return f"/news/{day[:7]}/{day[8:10]}/{a.data['slug']}.html"
        if template == "weekly":
            return f"/zh-hk/article.php?id={a.data['slug']}"
        compact = day.replace("-", "")
        return f"/xczx/{compact[:6]}/t{compact}_{a.data['slug']}.shtml"

    def list_path(self, page: int) -> str:
        template = self.options["template"]
        if template == "portal":
            return "/news/" if page == 1 else f"/news/index_{page - 1}.html"
        if template == "weekly":
            return "/zh-hk/news.php" if page == 1 else f"/zh-hk/news.php?page={page}"
        return "/xczx/list.shtml" if page == 1 else f"/xczx/list_{page - 1}.shtml"

    def page_count(self) -> int:
        return max(1, -(-len(self.articles) // self.page_size))

    def list_page_number(self, path: str) -> int | None:
        for page in range(1, self.page_count() + 1):
            if self.list_path(page) == path:
                return page
        return None

    # --- Rendering --------------------------------------------------------------------------
    def _view(self, a: SampleArticle) -> dict[str, Any]:
        data = a.data
        body = str(data.get("body", "")).strip()
        paragraphs = [p.strip() for p in body.split("\n\n") if p.strip()]
        published = a.published
        y, m, d = published[:4], int(published[5:7]), int(published[8:10])
        figures = [
            {"file": f, "caption": c}
            for f, c in zip(data.get("images", []), [*data.get("captions", []), *[""] * 9], strict=False)
        ]
        return {
            "url": self.article_path(a),
            "title": data["title"],
            "published": published,
            "published_zh": f"{y}年{m}月{d}日",
            "published_cn": f"{y}年{m:02d}月{d:02d}日 {published[11:16]}",
            "date_compact": published[:10].replace("-", ""),
            "source": ("來源：" if self.options["template"] == "weekly" else "")
            + str(data.get("source", "")),
            "author": data.get("author", ""),
            "paragraphs": paragraphs,
            "lead": paragraphs[0][:60] if paragraphs else "",
            "figures": figures,
            "views": 100 + sum(map(ord, a.slug)) % 3000,
        }

    def _context(self) -> dict[str, Any]:
        return {
            "site": {"title": self.site.title},
            "declared_charset": self.options.get("declared_charset", self.options["encoding"]),
            "today": "2026年11月21日 星期六",
        }

    def render_list(self, page: int) -> str:
        chunk = self.articles[(page - 1) * self.page_size : page * self.page_size]
        template = self.env.get_template(f"{self.options['template']}_list.html")
        return template.render(
            **self._context(),
            articles=[self._view(a) for a in chunk],
            page=page,
            pages=list(range(1, self.page_count() + 1)),
            page_url=self.list_path,
        )

    def render_article(self, a: SampleArticle) -> str:
        index = self.articles.index(a)
        neighbours = [
            self.articles[i] for i in (index - 1, index + 1, index + 2) if 0 <= i < len(self.articles)
        ]
        template = self.env.get_template(f"{self.options['template']}_article.html")
        return template.render(
            **self._context(), a=self._view(a), related=[self._view(r) for r in neighbours]
        )

    def encode(self, html: str) -> bytes:
        # Characters a legacy charset lacks become numeric references, as old CMSes do.
        return html.encode(self.options["encoding"], errors="xmlcharrefreplace")

    def content_type(self) -> str:
        if self.options.get("charset_in_header", True):
            return f"text/html; charset={self.options.get('declared_charset', self.options['encoding'])}"
        return "text/html"


def _handler_for(samples: dict[str, SampleSite]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "SampleCMS/2.1"

        def log_message(self, format: str, *args: Any) -> None:
            log.debug("%s", format % args)

        def _send(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _send_validated(self, body: bytes, content_type: str) -> None:
            """A list page with an ETag, answering a matching conditional GET with 304."""
            etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("ETag", etag)
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            # A proxy request carries the absolute URL; a direct one only the Host header.
            parsed = urlparse(self.path)
            host = (parsed.hostname or self.headers.get("Host", "").split(":")[0]).lower()
            sample = samples.get(host)
            if sample is None:
                self._send(502, f"unknown sample host {host!r}".encode(), "text/plain; charset=utf-8")
                return
            path, query = parsed.path or "/", parse_qs(parsed.query)
            if path == "/robots.txt":
                self._send(200, _ROBOTS.encode(), "text/plain")
            elif path.lower().endswith((".jpg", ".jpeg", ".gif", ".png")):
                self._send(200, _GIF, "image/gif")
            elif path == "/":
                self.send_response(302)
                self.send_header("Location", sample.list_path(1))
                self.send_header("Content-Length", "0")
                self.end_headers()
            elif (full := path + (f"?{parsed.query}" if parsed.query else "")) in sample.by_path:
                page = sample.render_article(sample.by_path[full])
                self._send(200, sample.encode(page), sample.content_type())
            elif (
                number := sample.list_page_number(
                    path if "page" not in query else f"{path}?page={query['page'][0]}"
                )
            ) is not None:
                self._send_validated(sample.encode(sample.render_list(number)), sample.content_type())
            else:
                self._send(
                    404,
                    "<html><body><h1>404 页面不存在</h1></body></html>".encode(),
                    "text/html; charset=utf-8",
                )

    return Handler


@dataclass(frozen=True)
class RunningSamples:
    proxy: str  # http://127.0.0.1:PORT
    registry_path: Path
    sites: list[Site]
    article_count: int


@contextmanager
def serve_sample_sites(root: Path = SAMPLE_ROOT) -> Iterator[RunningSamples]:
    """Serve every sample site from one free port of 127.0.0.1 until the block ends."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(root / "templates"),
        autoescape=True,
        keep_trailing_newline=True,
    )
    registry_path = root / "sites.toml"
    sites = load_registry(registry_path)
    samples = {urlparse(site.homepage).hostname or "": SampleSite(site, root, env) for site in sites}
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(samples))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="sample-sites", daemon=True)
    thread.start()
    try:
        yield RunningSamples(
            proxy=f"http://127.0.0.1:{server.server_address[1]}",
            registry_path=registry_path,
            sites=sites,
            article_count=sum(len(s.articles) for s in samples.values()),
        )
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)

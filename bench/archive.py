"""A generated raw store of article pages, built from the sample sites, for benchmarks and the
parallel-processing tests.

Each page is rendered by the sample server's own templates for its site (its encoding, layout
and URL scheme), so it goes through the real parser.  Bodies are new combinations of the
sample articles' sentences with their figures changed, so two generated articles rarely share
enough text to look syndicated; ``copy_share`` of them are real copies of an earlier article of
another site (same body, the copy's own site furniture), as syndication looks in the wild.
The sentences are our own fictional sample text.
"""

from __future__ import annotations

import random
import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import jinja2

from spiders.raw_store import RawStore
from spiders.registry import load_registry
from spiders.sample_server import SAMPLE_ROOT, SampleArticle, SampleSite

_SENTENCE = re.compile(r"[^。！？]+[。！？]")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
EPOCH = datetime(2026, 1, 1, 8, 0)


@dataclass(frozen=True)
class GeneratedPage:
    site: str
    url: str
    body: bytes
    content_type: str


class ArchiveGenerator:
    """Deterministic for a seed: article ``n`` is the same page whatever the archive's size."""

    def __init__(self, seed: int = 16, copy_share: float = 0.03) -> None:
        env = jinja2.Environment(loader=jinja2.FileSystemLoader(SAMPLE_ROOT / "templates"), autoescape=True)
        registry = load_registry(SAMPLE_ROOT / "sites.toml")
        self.sites = [SampleSite(site, SAMPLE_ROOT, env) for site in registry]
        self.seed = seed
        self.copy_share = copy_share
        # Per site, so each site keeps its script (traditional Hong Kong text stays traditional).
        self.sentences: list[list[str]] = []
        self.titles: list[list[str]] = []
        for sample in self.sites:
            sentences, titles = [], []
            for path in sorted((SAMPLE_ROOT / sample.site.name / "articles").glob("*.toml")):
                data = tomllib.loads(path.read_text("utf-8"))
                titles.append(str(data["title"]))
                for paragraph in str(data.get("body", "")).split("\n\n"):
                    sentences += [s.strip() for s in _SENTENCE.findall(paragraph) if len(s.strip()) > 8]
            self.sentences.append(sentences)
            self.titles.append(titles)

    def _figures(self, text: str, rng: random.Random) -> str:
        """The text with its figures changed by up to 40 % (small ones, dates' days and months,
        kept), so amounts stay plausible and shingles differ.

        One factor for the whole text, so figures keep their order: a range ("100至200万")
        stays a range with its end above its start (a factor per figure made invalid ones)."""
        factor = rng.uniform(0.6, 1.4)

        def change(match: re.Match[str]) -> str:
            value = float(match.group())
            if value <= 31:
                return match.group()
            changed = value * factor
            return f"{changed:.1f}" if "." in match.group() else str(max(int(changed), 32))

        return _NUMBER.sub(change, text)

    def original_of(self, n: int) -> int | None:
        """The article that article ``n`` is a copy of (None: ``n`` is an original)."""
        rng = random.Random(self.seed * 1_000_003 + n)
        if n > 10 and rng.random() < self.copy_share:
            original = rng.randrange(max(n - 5000, 0), n)
            return self.original_of(original) or original
        return None

    def _article(self, n: int) -> tuple[int, dict[str, object]]:
        """(site index, article data) of article ``n``."""
        rng = random.Random(self.seed * 1_000_003 + n)
        if n > 10 and rng.random() < self.copy_share:
            rng.randrange(max(n - 5000, 0), n)  # the draw original_of makes
            site_index, data = self._article(self.original_of(n) or 0)
            site_index = (site_index + 1 + rng.randrange(len(self.sites) - 1)) % len(self.sites)
            return site_index, {**data, "slug": f"g{n:07d}-copy", "source": "转载"}
        site_index = rng.randrange(len(self.sites))
        sentences = self.sentences[site_index]
        paragraphs = [
            "".join(self._figures(rng.choice(sentences), rng) for _ in range(rng.randint(2, 4)))
            for _ in range(rng.randint(3, 6))
        ]
        published = EPOCH + timedelta(minutes=n * 7 + rng.randint(0, 6))
        return site_index, {
            "slug": f"g{n:07d}",
            "title": self._figures(rng.choice(self.titles[site_index]), rng),
            "published": published.strftime("%Y-%m-%d %H:%M"),
            "source": "本网讯",
            "author": "记者 林远",
            "body": "\n\n".join(paragraphs),
        }

    def page(self, n: int) -> GeneratedPage:
        site_index, data = self._article(n)
        sample = self.sites[site_index]
        article = SampleArticle(sample.site.name, str(data["slug"]), data)
        # The sample server's own rendering of an article page (its view of one article).
        template = sample.env.get_template(f"{sample.options['template']}_article.html")
        html = template.render(**sample._context(), a=sample._view(article), related=[])
        url = sample.site.homepage.rstrip("/") + sample.article_path(article)
        return GeneratedPage(sample.site.name, url, sample.encode(html), sample.content_type())

    def pages(self, first: int, last: int) -> Iterator[GeneratedPage]:
        for n in range(first, last):
            yield self.page(n)


def write_crawl(store: RawStore, generator: ArchiveGenerator, first: int, last: int, crawl_id: str) -> int:
    """Articles ``first``..``last`` (exclusive) stored as one crawl's fetch log; returns pages."""
    writer = store.writer(crawl_id)
    try:
        for page in generator.pages(first, last):
            writer.write(
                url=page.url,
                site=page.site,
                kind="article",
                status=200,
                headers={"content-type": page.content_type},
                body=page.body,
            )
    finally:
        writer.close()
    return last - first


def build_archive(root: Path, articles: int, *, crawls: int = 10, seed: int = 16) -> RawStore:
    """A raw store under ``root`` with ``articles`` generated pages in ``crawls`` fetch logs."""
    store = RawStore(root)
    generator = ArchiveGenerator(seed)
    step = -(-articles // crawls)
    for index, first in enumerate(range(0, articles, step)):
        write_crawl(store, generator, first, min(first + step, articles), f"bench-{index:03d}")
    return store

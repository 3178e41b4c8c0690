"""The steps between the raw store and the warehouse, and their JSON Lines staging files.

``parse_raw_pages`` turns the newest fetch of each article URL into an article (title, date,
main text, original and simplified text); ``extract_mentions`` adds amounts, organizations,
regions and a syndication fingerprint.  Each writes a JSON Lines file under the data dir so an
operator can open what a stage produced.  One bad page never stops a run: it is recorded in
the returned failures with its URL and reason.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from spiders.raw_store import RawStore
from spiders.registry import Site
from transforms.article import PageError, parse_article
from transforms.extract import extract_article
from transforms.fingerprint import content_hash, simhash
from transforms.normalize import normalize

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PageFailure:
    url: str
    site: str
    reason: str


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"cannot serialize {type(value).__name__}")


def write_jsonl(path: Path, rows: Iterable[dict[str, Any]]) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    count = 0
    with tmp.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False, default=_json_default) + "\n")
            count += 1
    tmp.replace(path)  # readers see the old file or the new one, never half of one
    return count


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            yield json.loads(line)


def parse_raw_pages(store: RawStore, sites: list[Site]) -> tuple[list[dict[str, Any]], list[PageFailure]]:
    """Articles from the newest successful fetch of every article URL of the given sites."""
    by_name = {site.name: site for site in sites}
    articles: list[dict[str, Any]] = []
    failures: list[PageFailure] = []
    for url, record in sorted(store.latest_articles().items()):
        site = by_name.get(record.site)
        if site is None:
            continue
        try:
            assert record.body_sha256 is not None
            article = parse_article(url, store.body(record.body_sha256), record.content_type, site.selectors)
        except (PageError, OSError) as exc:
            log.warning("article skipped: %s", exc)
            failures.append(PageFailure(url, site.name, str(exc)))
            continue
        normalized = normalize(article.text, site.locale)
        articles.append(
            {
                "url": url,
                "site": site.name,
                "locale": site.locale,
                "region": site.region,
                "fetched_at": record.fetched_at,
                "encoding": article.encoding,
                "replacement_chars": article.replacement_chars,
                "title": article.title,
                "published": article.published.isoformat() if article.published else None,
                "source_line": article.source_line,
                "text": article.text,
                "simplified": normalized.simplified,
                "variant": normalized.variant,
            }
        )
    return articles, failures


def extract_mentions(
    articles: Iterable[dict[str, Any]],
) -> tuple[list[dict[str, Any]], list[PageFailure]]:
    """Each article with its mentions (offsets into ``text``) and fingerprints."""
    extracted: list[dict[str, Any]] = []
    failures: list[PageFailure] = []
    for article in articles:
        try:
            hint = {"province": article["region"]} if article.get("region") else None
            result = extract_article(article["text"], article["locale"], hint)
        except Exception as exc:  # one bad article must not stop the run; it is reported
            log.exception("extraction failed for %s", article["url"])
            failures.append(PageFailure(article["url"], article["site"], f"{type(exc).__name__}: {exc}"))
            continue
        extracted.append(
            {
                **article,
                "extractor_version": result.extractor_version,
                "fingerprint": simhash(result.simplified),
                "content_hash": content_hash(result.simplified),
                "amounts": [asdict(a) for a in result.amounts],
                "organizations": [asdict(o) for o in result.organizations],
                "regions": [asdict(r) for r in result.regions],
            }
        )
    return extracted, failures

"""The raw store: every fetched response, as fetched, append-only.

Layout under ``<data dir>/raw``:
- ``bodies/ab/abcdef…``: response bodies, named by their SHA-256 (identical bodies stored once);
- ``fetches/<started>-<crawl id>.jsonl``: one line per fetch (URL, site, status, headers, fetch
  time, body hash), one file per crawl, never rewritten.

A body is written before its log line, so a crawl killed half-way leaves at worst a body that
no line points to, never a line without its body.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FetchRecord:
    url: str
    site: str
    kind: str  # "list", "sitemap", "feed" or "article"
    status: int | None
    fetched_at: str
    crawl_id: str
    headers: dict[str, str] = field(default_factory=dict)
    body_sha256: str | None = None
    body_length: int = 0
    error: str | None = None
    # Added with the crawl issue; absent (default) in older fetch logs.
    requested_url: str | None = None  # when redirected: the URL asked for (``url`` is where it ended)
    redirects: tuple[str, ...] = ()  # every URL of the redirect chain before ``url``
    canonical_url: str | None = None  # <link rel="canonical"> of the page
    encoding: str | None = None  # codec the page decoded with
    encoding_source: str | None = None  # header, bom, meta or detected
    bad_bytes: int = 0  # undecodable bytes: the page is flagged, never silently mangled
    skipped: str | None = None  # why the body was not kept (not HTML, binary…)

    def __post_init__(self) -> None:
        object.__setattr__(self, "redirects", tuple(self.redirects))

    @property
    def content_type(self) -> str | None:
        return self.headers.get("content-type")


class RawStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.bodies = root / "bodies"
        self.fetches = root / "fetches"

    def body_path(self, sha256: str) -> Path:
        return self.bodies / sha256[:2] / sha256

    def put_body(self, body: bytes) -> str:
        sha = hashlib.sha256(body).hexdigest()
        path = self.body_path(sha)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".tmp{os.getpid()}")
            tmp.write_bytes(body)
            tmp.replace(path)  # atomic: a reader never sees half a body
        return sha

    def body(self, sha256: str) -> bytes:
        return self.body_path(sha256).read_bytes()

    def writer(self, crawl_id: str) -> RawStoreWriter:
        self.fetches.mkdir(parents=True, exist_ok=True)
        started = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        return RawStoreWriter(self, self.fetches / f"{started}-{crawl_id}.jsonl", crawl_id)

    def records(self) -> Iterator[FetchRecord]:
        """Every fetch ever logged, oldest crawl first; a torn last line is skipped and logged."""
        if not self.fetches.exists():
            return
        for log_file in sorted(self.fetches.glob("*.jsonl")):
            with log_file.open(encoding="utf-8") as handle:
                for number, line in enumerate(handle, 1):
                    try:
                        yield FetchRecord(**json.loads(line))
                    except (json.JSONDecodeError, TypeError) as exc:
                        log.warning("%s line %d unreadable (%s); skipped", log_file, number, exc)

    def crawl_memory(self, site_names: set[str] | None = None) -> CrawlMemory:
        """What earlier crawls learnt: article URLs settled, and list pages' validators."""
        memory = CrawlMemory()
        for record in self.records():
            if site_names is not None and record.site not in site_names:
                continue
            if record.kind == "article":
                # Stored, gone for good, or not a web page: none is fetched again unless asked.
                if record.status in SETTLED_STATUSES:
                    memory.settled_articles.add(record.url)
                    if record.requested_url:
                        memory.settled_articles.add(record.requested_url)
            elif record.status == 200 and record.body_sha256:
                memory.listings[record.requested_url or record.url] = ListingValidators(
                    etag=record.headers.get("etag"),
                    last_modified=record.headers.get("last-modified"),
                    body_sha256=record.body_sha256,
                    content_type=record.content_type,
                )
        return memory

    def latest_articles(self) -> dict[str, FetchRecord]:
        """For each article URL, its most recent successful fetch."""
        latest: dict[str, FetchRecord] = {}
        for record in self.records():
            if record.kind == "article" and record.status == 200 and record.body_sha256:
                latest[record.url] = record
        return latest


SETTLED_STATUSES = frozenset({200, 404, 410})


@dataclass(frozen=True)
class ListingValidators:
    """A list page's last 200 response: what a conditional GET sends, and the body it kept."""

    etag: str | None
    last_modified: str | None
    body_sha256: str
    content_type: str | None


@dataclass
class CrawlMemory:
    settled_articles: set[str] = field(default_factory=set)
    listings: dict[str, ListingValidators] = field(default_factory=dict)


class RawStoreWriter:
    def __init__(self, store: RawStore, path: Path, crawl_id: str) -> None:
        self.store = store
        self.path = path
        self.crawl_id = crawl_id
        self._handle = path.open("a", encoding="utf-8")

    def write(
        self,
        *,
        url: str,
        site: str,
        kind: str,
        status: int | None,
        headers: dict[str, str],
        body: bytes | None,
        error: str | None = None,
        **details: Any,
    ) -> FetchRecord:
        """Append one fetch; ``details`` are the optional ``FetchRecord`` fields."""
        sha = self.store.put_body(body) if body is not None else None
        record = FetchRecord(
            url=url,
            site=site,
            kind=kind,
            status=status,
            fetched_at=datetime.now(UTC).isoformat(timespec="seconds"),
            crawl_id=self.crawl_id,
            headers=headers,
            body_sha256=sha,
            body_length=len(body or b""),
            error=error,
            **details,
        )
        self._handle.write(json.dumps(asdict(record), ensure_ascii=False) + "\n")
        self._handle.flush()
        return record

    def close(self) -> None:
        self._handle.close()

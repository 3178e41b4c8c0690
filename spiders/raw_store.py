"""The raw store: every fetched response, as fetched, append-only.

Layout under ``<data dir>/raw``:
- ``bodies/ab/abcdef…``: response bodies, named by their SHA-256 (identical bodies stored once);
- ``fetches/<started>-<crawl id>.jsonl``: one line per fetch (URL, site, status, headers, fetch
  time, body hash), one file per crawl, never rewritten;
- ``index/crawl-memory/<site>.json``: what the site's crawls learnt (settled article URLs, list
  pages' validators) and how far its logs were read for it, brought up to date by each crawl;
- ``index/fetch-logs.jsonl``: what each fetch log holds (its size when read, and per site the
  responses and stored articles in it, and the crawl id), so a reader finds a site's logs and
  its latest crawl without opening every log of the archive's history.  The index is built by
  readers, one line per log the first time it is seen (again if it grew): stores written before
  it existed are indexed on their first read, and the crawler does not have to know about it.

A body is written before its log line, so a crawl killed half-way leaves at worst a body that
no line points to, never a line without its body.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Iterable, Iterator, Mapping
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


@dataclass(frozen=True)
class SiteInLog:
    """One site's share of one fetch log."""

    responses: int  # fetches that got a response (any status)
    articles: int  # article pages stored (status 200 with a body)
    crawl_id: str
    # Earliest and latest fetch time of the site's lines (ISO, as logged), so a reader of one
    # week opens only the logs that overlap it.  None in index lines written before they were kept.
    first: str | None = None
    last: str | None = None


@dataclass(frozen=True)
class LogEntry:
    """The index's line for one fetch log: its size when indexed and what it holds per site."""

    log: str
    size: int
    sites: dict[str, SiteInLog]


# Where a reader stopped in each fetch log it has read: log file name → byte offset after the
# last complete line read (and at most one SETTLED entry for older logs read to their end).
# Logs only grow, so what lies before an offset is never read again.
Watermark = Mapping[str, int]
Span = tuple[str, int, int]  # a fetch log's name, and the byte range of it to read
# A watermark's key for the logs read to their end up to (and including) the log named after
# it; its value is their total size then.  Log names begin with a timestamp, never with this.
SETTLED = "<="
LISTED_LOGS = 4  # a site's newest logs a watermark names one by one (a crawl may still be writing)
_SITE_KEY = b'"site": "'  # how a fetch log line written by RawStoreWriter names its site


class RawStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.bodies = root / "bodies"
        self.fetches = root / "fetches"
        self.index_path = root / "index" / "fetch-logs.jsonl"

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

    def read_log(
        self, name: str, start: int = 0, end: int | None = None, site: str | None = None
    ) -> Iterator[tuple[FetchRecord, int]]:
        """The fetches of one log from byte offset ``start`` (to ``end``), each with the offset
        after its line; with ``site``, that site's fetches only.

        Only complete lines are read: a line a running crawl is still writing is left for the
        next reader.  An unreadable complete line is skipped and logged."""
        path = self.fetches / name
        # Logs hold every site's fetches: a line written as RawStoreWriter writes it names its
        # site as ``"site": "<name>"`` (a quote inside a value is escaped, so these bytes are
        # the key), and one that names another site is passed over without being decoded.  A
        # line without those bytes is decoded and checked like any other.
        own = b'"site": ' + json.dumps(site, ensure_ascii=False).encode() if site is not None else b""
        with path.open("rb") as handle:
            handle.seek(start)
            offset = start
            for raw in handle:
                if end is not None and offset >= end:
                    return
                if not raw.endswith(b"\n"):
                    return  # torn or still being written
                offset += len(raw)
                if site is not None and own not in raw and _SITE_KEY in raw:
                    continue
                try:
                    record = FetchRecord(**json.loads(raw))
                except (json.JSONDecodeError, UnicodeDecodeError, TypeError) as exc:
                    log.warning("%s at byte %d unreadable (%s); skipped", path, offset - len(raw), exc)
                    continue
                if site is None or record.site == site:
                    yield record, offset

    def log_index(self) -> dict[str, LogEntry]:
        """Every fetch log's index entry, oldest log first; logs new or grown since they were last
        indexed are read once and their entries appended to the index."""
        entries: dict[str, LogEntry] = {}
        if self.index_path.exists():
            with self.index_path.open(encoding="utf-8") as handle:
                for line in handle:
                    try:
                        data = json.loads(line)
                        sites = {name: SiteInLog(**info) for name, info in data["sites"].items()}
                        entries[data["log"]] = LogEntry(data["log"], int(data["size"]), sites)
                    except (json.JSONDecodeError, KeyError, TypeError, ValueError):
                        continue  # a torn line: that log is indexed again below
        if not self.fetches.exists():
            return entries
        fresh: list[LogEntry] = []
        for path in sorted(self.fetches.glob("*.jsonl")):
            known = entries.get(path.name)
            # A log whose size is the indexed one (a size at a line's end) has not grown: one
            # stat per log, no read.  Otherwise its complete part is measured and indexed again.
            if known is None or (known.size != path.stat().st_size and known.size != _complete_size(path)):
                fresh.append(self._index_log(path.name))
        if fresh:
            self.index_path.parent.mkdir(parents=True, exist_ok=True)
            with self.index_path.open("a", encoding="utf-8") as handle:
                for entry in fresh:
                    sites = {name: asdict(info) for name, info in entry.sites.items()}
                    handle.write(json.dumps({"log": entry.log, "size": entry.size, "sites": sites}) + "\n")
                    entries[entry.log] = entry
        return dict(sorted(entries.items()))

    def _index_log(self, name: str) -> LogEntry:
        responses: dict[str, int] = {}
        articles: dict[str, int] = {}
        crawl_ids: dict[str, str] = {}
        first: dict[str, str] = {}
        last: dict[str, str] = {}
        for record, _ in self.read_log(name):
            site = record.site
            crawl_ids[site] = record.crawl_id
            responses[site] = responses.get(site, 0) + (record.status is not None)
            articles[site] = articles.get(site, 0) + _is_stored_article(record)
            when = _instant(record.fetched_at)
            if when is not None:
                if site not in first or when < _instant(first[site]):  # type: ignore[operator]
                    first[site] = record.fetched_at
                if site not in last or when > _instant(last[site]):  # type: ignore[operator]
                    last[site] = record.fetched_at
        sites = {
            s: SiteInLog(responses[s], articles[s], crawl_ids[s], first.get(s), last.get(s))
            for s in crawl_ids
        }
        return LogEntry(name, _complete_size(self.fetches / name), sites)

    def _starts(self, index: Mapping[str, LogEntry], site: str, read: Watermark) -> dict[str, int]:
        """Where to start reading each fetch log holding ``site``, given the watermark ``read``."""
        logs = [name for name, entry in index.items() if site in entry.sites]
        settled = next(((k[len(SETTLED) :], v) for k, v in read.items() if k.startswith(SETTLED)), None)
        if settled is not None:
            through, total = settled
            if sum(index[name].size for name in logs if name <= through) != total:
                # A log summed into the watermark grew (or one appeared among them): which part
                # is new is unknown, so the site's archive is read again from the start.
                log.warning("%s: fetch logs up to %s changed since read; reading all again", site, through)
                return dict.fromkeys(logs, 0)
            return {name: index[name].size if name <= through else read.get(name, 0) for name in logs}
        return {name: read.get(name, 0) for name in logs}

    def pending_bytes(self, site: str, read: Watermark, index: Mapping[str, LogEntry] | None = None) -> int:
        """Bytes of the site's fetch logs that lie past ``read`` (0: nothing new for the site).

        ``index``: a ``log_index()`` the caller read already (one per pass over many sites)."""
        index = self.log_index() if index is None else index
        return sum(
            max(index[name].size - start, 0) for name, start in self._starts(index, site, read).items()
        )

    def new_articles(self, site: str, read: Watermark) -> tuple[list[Span], dict[str, int]]:
        """What to read for the site's article pages fetched since ``read``: (log, start, end)
        byte spans in log order, and the watermark after them.

        The watermark names only the site's newest ``LISTED_LOGS`` logs with their offsets;
        older ones, read to their end, are one entry (``SETTLED`` + the newest of them → their
        total size), so it stays a few lines however long the site's history."""
        index = self.log_index()
        starts = self._starts(index, site, read)
        spans: list[Span] = []
        for name, start in starts.items():
            entry = index[name]
            if entry.size > start and entry.sites[site].articles:
                spans.append((name, start, entry.size))
        after = {name: max(index[name].size, start) for name, start in starts.items()}
        names = sorted(after)
        if len(names) <= LISTED_LOGS:
            return spans, after
        older, newer = names[:-LISTED_LOGS], names[-LISTED_LOGS:]
        settled = {SETTLED + older[-1]: sum(index[name].size for name in older)}
        return spans, settled | {name: after[name] for name in newer}

    def latest_article_fetches(self, site: str, spans: list[Span]) -> Iterator[FetchRecord]:
        """The site's stored article fetches in ``spans``, the newest fetch of each URL only.

        Two passes over the spans: the first notes each URL's last position (a hash of the URL,
        so memory is a few dozen bytes per URL of these spans), the second yields that fetch."""
        last: dict[int, int] = {}
        position = 0
        for name, start, end in spans:
            for record, _ in self.read_log(name, start, end, site):
                if _is_stored_article(record):
                    last[_url_key(record.url)] = position
                    position += 1
        position = 0
        for name, start, end in spans:
            for record, _ in self.read_log(name, start, end, site):
                if _is_stored_article(record):
                    if last.get(_url_key(record.url)) == position:
                        yield record
                    position += 1

    def records_of_logs(self, names: Iterable[str]) -> Iterator[FetchRecord]:
        """Every complete line of the named fetch logs, in the order given."""
        for name in names:
            for record, _ in self.read_log(name):
                yield record

    def crawl_memory(self, site_names: set[str] | None = None, *, remember: bool = True) -> CrawlMemory:
        """What earlier crawls learnt: article URLs settled, and list pages' validators.

        Per site, kept under ``index/crawl-memory/<site>.json`` with how far each of the site's
        fetch logs was read: a crawl reads only what its sites' logs gained since the last crawl
        (not their whole history), and only the logs the index lists for ``site_names``.
        ``remember=False`` (a dry run) reads the same and writes nothing."""
        index = self.log_index()
        names = sorted({site for entry in index.values() for site in entry.sites})
        memory = CrawlMemory()
        for site in names if site_names is None else sorted(site_names):
            settled, listings = self._site_memory(index, site, remember)
            memory.settled_articles |= settled
            memory.listings.update(listings)
        return memory

    def _memory_path(self, site: str) -> Path:
        return self.index_path.parent / "crawl-memory" / f"{site}.json"

    def _site_memory(
        self, index: Mapping[str, LogEntry], site: str, remember: bool = True
    ) -> tuple[set[str], dict[str, ListingValidators]]:
        logs = [name for name, entry in index.items() if site in entry.sites]
        saved = self._load_memory(site)
        settled: set[str] = set()
        listings: dict[str, ListingValidators] = {}
        spans: list[Span] = [(name, 0, index[name].size) for name in logs]
        if saved is not None:
            read, settled, listings = saved
            # Usable when the logs it read are, in order, the first of the site's logs now, each
            # as it was but the last, which may have grown: then what follows it comes after
            # everything it holds, and reading on gives what reading everything would.
            names = [name for name, _ in read]
            if (
                names == logs[: len(names)]
                and all(index[name].size == size for name, size in read[:-1])
                and (not read or index[read[-1][0]].size >= read[-1][1])
            ):
                tail = [(read[-1][0], read[-1][1], index[read[-1][0]].size)] if read else []
                spans = tail + [(name, 0, index[name].size) for name in logs[len(names) :]]
            else:
                settled, listings = set(), {}
        spans = [span for span in spans if span[2] > span[1]]
        for name, start, end in spans:
            for record, _ in self.read_log(name, start, end, site):
                if record.kind == "article":
                    # Stored, gone for good, or not a web page: none is fetched again unless asked.
                    if record.status in SETTLED_STATUSES:
                        settled.add(record.url)
                        if record.requested_url:
                            settled.add(record.requested_url)
                elif record.status == 200 and record.body_sha256:
                    listings[record.requested_url or record.url] = ListingValidators(
                        etag=record.headers.get("etag"),
                        last_modified=record.headers.get("last-modified"),
                        body_sha256=record.body_sha256,
                        content_type=record.content_type,
                    )
        # A site with no logs yet has nothing to remember (and an empty store stays empty).
        if remember and logs and (spans or saved is None):
            self._save_memory(site, [(name, index[name].size) for name in logs], settled, listings)
        return settled, listings

    def _load_memory(
        self, site: str
    ) -> tuple[list[tuple[str, int]], set[str], dict[str, ListingValidators]] | None:
        path = self._memory_path(site)
        if not path.exists():
            return None
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            read = [(str(name), int(size)) for name, size in data["read"]]
            listings = {url: ListingValidators(**v) for url, v in data["listings"].items()}
            return read, set(data["settled"]), listings
        except (json.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError):
            log.warning("%s is unreadable; the site's fetch logs are read again", path)
            return None

    def _save_memory(
        self,
        site: str,
        read: list[tuple[str, int]],
        settled: set[str],
        listings: dict[str, ListingValidators],
    ) -> None:
        path = self._memory_path(site)
        path.parent.mkdir(parents=True, exist_ok=True)
        data = {
            "read": read,
            "settled": sorted(settled),
            "listings": {url: asdict(v) for url, v in listings.items()},
        }
        tmp = path.with_suffix(f".tmp{os.getpid()}")
        tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        tmp.replace(path)  # a reader sees the old memory or the new one

    def latest_articles(self) -> dict[str, FetchRecord]:
        """For each article URL, its most recent successful fetch."""
        latest: dict[str, FetchRecord] = {}
        for record in self.records():
            if record.kind == "article" and record.status == 200 and record.body_sha256:
                latest[record.url] = record
        return latest


SETTLED_STATUSES = frozenset({200, 404, 410})


def _instant(fetched_at: str | None) -> datetime | None:
    """A fetch time as an aware datetime (a naive one taken as UTC), None when unreadable."""
    try:
        when = datetime.fromisoformat(fetched_at or "")
    except ValueError:
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def _is_stored_article(record: FetchRecord) -> bool:
    return record.kind == "article" and record.status == 200 and record.body_sha256 is not None


def _complete_size(path: Path) -> int:
    """Bytes up to the end of the log's last complete line (a running crawl may be mid-line)."""
    size = path.stat().st_size
    if size == 0:
        return 0
    with path.open("rb") as handle:
        tail_start = max(size - 65536, 0)
        handle.seek(tail_start)
        tail = handle.read()
    newline = tail.rfind(b"\n")
    if newline >= 0:
        return tail_start + newline + 1
    return 0 if tail_start == 0 else _complete_size_slow(path)


def _complete_size_slow(path: Path) -> int:
    end = 0
    with path.open("rb") as handle:
        for line in handle:
            if line.endswith(b"\n"):
                end += len(line)
    return end


def _url_key(url: str) -> int:
    return int.from_bytes(hashlib.blake2b(url.encode(), digest_size=8).digest(), "big")


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

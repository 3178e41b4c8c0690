"""The steps between the raw store and the warehouse, their staging files, and what each site's
raw pages were last processed with.

``parse_pages`` turns article fetches into articles (title, date, main text, original and
simplified text); ``extracted_articles`` adds amounts, organizations, regions and the
syndication fingerprints (SimHash, and the MinHash signature the warehouse clusters copies by).
Both are generators: articles flow one at a time from the raw store through the staging files to
the warehouse, so no step holds more than one article (and a few counters) in memory, whatever
the archive's size.

Staging files are per site partition (``staging/<site>/articles.jsonl``, ``mentions.jsonl``)
and hold what the latest run of that partition processed, so an operator can open what a stage
produced.  ``processing/<site>.json`` records how far the site's fetch logs have been processed
and with which extractor version: a run reads only the fetches past it, and a new extractor
version starts the site over (a backfill).  One bad page never stops a run: it is counted, and
the first ones are listed with their URL and reason.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from functools import partial
from itertools import chain, pairwise
from pathlib import Path
from typing import Any

import orjson

from spiders.raw_store import FetchRecord, LogEntry, RawStore, Span
from spiders.registry import Site
from transforms.article import PageError, parse_article
from transforms.extract import EXTRACTOR_VERSION, extract_article
from transforms.fingerprint import content_hash, simhash
from transforms.normalize import MappedText, NormalizedText, normalize
from warehouse.syndication import minhash

log = logging.getLogger(__name__)

_MENTION_KINDS = ("amounts", "organizations", "regions")
FAILURES_LISTED = 50  # failures kept with their reason for the metadata; the rest are counted


@dataclass(frozen=True)
class PageFailure:
    url: str
    site: str
    reason: str


@dataclass
class Failures:
    """Failures of one step: all counted, the first ``FAILURES_LISTED`` kept for the metadata.

    ``work_seconds`` adds up the time inside the parser and the extractor themselves (the work
    proper, without reading, staging and Dagster around it), so a run shows its own overhead."""

    count: int = 0
    listed: list[PageFailure] = field(default_factory=list)
    work_seconds: float = 0.0

    def add(self, failure: PageFailure) -> None:
        self.count += 1
        if len(self.listed) < FAILURES_LISTED:
            self.listed.append(failure)


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"cannot serialize {type(value).__name__}")


_SCALARS = (str, int, float, bool, Decimal, type(None))


def plain(value: Any) -> Any:
    """``dataclasses.asdict`` without its deep copies (a mention's fields are numbers, strings,
    Decimals and nested dataclasses, never shared mutable values): the dicts a staging file's
    mentions decode to, at a fraction of ``asdict``'s cost."""
    if isinstance(value, _SCALARS):
        return value
    fields = getattr(type(value), "__dataclass_fields__", None)
    if fields is not None:
        return {
            name: item if isinstance(item := getattr(value, name), _SCALARS) else plain(item)
            for name in fields
        }
    if isinstance(value, (list, tuple)):
        return type(value)(plain(item) for item in value)
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    return value


def replace_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so readers see the old file or the new one, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".tmp{os.getpid()}")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def write_jsonl(path: Path, rows: Iterable[dict[str, Any]]) -> int:
    """Write ``rows`` as JSON lines (UTF-8, compact, key order kept), atomically.

    orjson writes a row's nested dataclasses as their fields, as ``plain`` would give them
    (so ``extracted_articles`` hands over the extractor's mentions unconverted), and Decimals
    as strings: a third of the cost of converting and encoding with the json module, which
    was most of the extraction step's time beyond the extractor itself."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".tmp{os.getpid()}")
    count = 0
    with tmp.open("wb") as handle:
        for row in rows:
            handle.write(orjson.dumps(row, default=_json_default, option=orjson.OPT_APPEND_NEWLINE))
            count += 1
    tmp.replace(path)  # readers see the old file or the new one, never half of one
    return count


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    """The rows of a staging file, one at a time; a missing file has none."""
    if not path.exists():
        return
    with path.open("rb") as handle:
        for line in handle:
            yield orjson.loads(line)


@dataclass(frozen=True)
class Rereadable:
    """Rows read again from the start each time they are iterated (``start()`` begins a
    reading): a load that must start again reads them again (warehouse.load.load_extracted)."""

    start: Callable[[], Iterator[dict[str, Any]]]

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return self.start()


def staged_records(path: Path) -> Rereadable:
    """A staging file's rows, as a load can read them twice."""
    return Rereadable(partial(read_jsonl, path))


# How a staging row starts: its URL first, as the steps write it (compact, as orjson writes;
# spaced, as files written with the json module before are).
_URL_FIRST = (b'{"url":"', b'{"url": "')


def staged_urls(path: Path) -> Iterator[str]:
    """The ``url`` of each row of a staging file, without decoding the rest of the row (a
    mentions row is ~10 KB of text and mentions; checks that compare URLs need only these).

    The steps write the URL first, so it is the JSON string after ``{"url":``; a row written
    otherwise, or a URL with an escape in it, is decoded whole.  A missing file has none."""
    if not path.exists():
        return
    with path.open("rb") as handle:
        for line in handle:
            for first in _URL_FIRST:
                if line.startswith(first):
                    start = len(first)
                    end = line.find(b'"', start)
                    if end > 0 and b"\\" not in line[start:end]:
                        yield line[start:end].decode("utf-8")
                        break
            else:
                yield orjson.loads(line)["url"]


# -- what each site was processed with --------------------------------------------------------


@dataclass(frozen=True)
class ProcessingState:
    """How far a site's fetch logs have been processed (log → byte offset), and by which
    extractor version.  Written after a load succeeds, so a failed run is simply redone."""

    extractor_version: str
    read: dict[str, int]

    @property
    def current(self) -> bool:
        return self.extractor_version == EXTRACTOR_VERSION


def state_path(data_dir: Path, site: str) -> Path:
    return data_dir / "processing" / f"{site}.json"


def load_state(data_dir: Path, site: str) -> ProcessingState | None:
    path = state_path(data_dir, site)
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return ProcessingState(str(data["extractor_version"]), {k: int(v) for k, v in data["read"].items()})
    except (json.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError):
        log.warning("%s is unreadable; the site %s is processed again from the start", path, site)
        return None


def save_state(data_dir: Path, site: str, state: ProcessingState) -> None:
    replace_atomically(state_path(data_dir, site), json.dumps(asdict(state), sort_keys=True) + "\n")


@dataclass(frozen=True)
class Batch:
    """What one run of a site partition reads: spans of fetch logs, and the state after it."""

    site: str
    spans: list[Span]
    after: ProcessingState
    full_pass: bool  # everything from the start (new site, new extractor version, or asked)
    pages: int = 0  # article pages read (parsed or skipped), once the batch has been read

    def save(self, path: Path) -> None:
        data = {
            "site": self.site,
            "spans": self.spans,
            "after": asdict(self.after),
            "full": self.full_pass,
            "pages": self.pages,
        }
        replace_atomically(path, json.dumps(data) + "\n")

    @classmethod
    def load(cls, path: Path) -> Batch:
        data = json.loads(path.read_text(encoding="utf-8"))
        after = ProcessingState(data["after"]["extractor_version"], data["after"]["read"])
        spans = [(str(name), int(start), int(end)) for name, start, end in data["spans"]]
        return cls(data["site"], spans, after, bool(data["full"]), int(data.get("pages", 0)))


def plan_batch(store: RawStore, data_dir: Path, site: str, *, everything: bool = False) -> Batch:
    """The fetches of ``site`` not yet processed with the current extractor (all of them when
    ``everything``, when the site was never processed, or when its extractor version is old)."""
    state = load_state(data_dir, site)
    full = everything or state is None or not state.current
    spans, after = store.new_articles(site, {} if full or state is None else state.read)
    return Batch(site, spans, ProcessingState(EXTRACTOR_VERSION, after), full)


def pending_reason(
    store: RawStore, data_dir: Path, site: str, index: Mapping[str, LogEntry] | None = None
) -> str | None:
    """Why the site partition needs a processing run, or None when it is up to date (``index``:
    the store's ``log_index()`` when the caller has it, as for many sites in a row)."""
    state = load_state(data_dir, site)
    if state is None:
        return "never processed"
    if not state.current:
        return f"processed with extractor {state.extractor_version}, now {EXTRACTOR_VERSION}"
    if (pending := store.pending_bytes(site, state.read, index)) > 0:
        return f"{pending:,} new bytes of fetch logs"
    return None


# -- the steps ---------------------------------------------------------------------------------

# The articles staging file carries the parse step's normalization to the extraction step, so
# the text is not normalized twice: the simplified text and its map back to the original, as
# runs [position in the simplified text, original offset] where the map stops counting up by
# one (a few runs for a converted page; None, the usual case, for the identity map).
ORIGIN_RUNS = "simplified_origin_runs"


def origin_runs(normalized: NormalizedText) -> list[list[int]] | None:
    origin = normalized.mapped.origin
    if len(origin) == len(normalized.original) and (
        isinstance(origin, range) or origin == tuple(range(len(origin)))
    ):
        return None
    runs = [[0, origin[0]]] if origin else []
    runs += [[i, o] for i, (before, o) in enumerate(pairwise(origin), 1) if o != before + 1]
    return runs


def restored_normalization(article: dict[str, Any]) -> NormalizedText | None:
    """The parse step's ``normalize(text, locale)`` of a staged article (None when it has none)."""
    if ORIGIN_RUNS not in article or article["locale"] is None:
        return None  # without a locale, extraction guesses one and normalizes with that
    text, simplified, runs = article["text"], article["simplified"], article[ORIGIN_RUNS]
    if simplified == text:
        simplified = text  # the same object, as normalize returns an unedited text
    origin: Sequence[int]
    if runs is None:
        origin = range(len(simplified))  # as normalize maps an unedited text
    else:
        ends = [start for start, _ in runs[1:]] + [len(simplified)]
        origin = tuple(
            chain.from_iterable(range(o, o + end - start) for (start, o), end in zip(runs, ends, strict=True))
        )
    mapped = MappedText(simplified, origin, len(text))
    return NormalizedText(original=text, simplified=simplified, variant=article["variant"], mapped=mapped)


def parse_pages(
    store: RawStore, site: Site, records: Iterable[FetchRecord], failures: Failures
) -> Iterator[dict[str, Any]]:
    """An article for each fetch (pages that yield none are added to ``failures``)."""
    for record in records:
        started = 0.0
        try:
            assert record.body_sha256 is not None
            body = store.body(record.body_sha256)
            started = time.perf_counter()
            article = parse_article(record.url, body, record.content_type, site.selectors)
        except (PageError, OSError) as exc:
            failures.work_seconds += time.perf_counter() - started if started else 0.0
            log.warning("article skipped: %s", exc)
            failures.add(PageFailure(record.url, site.name, str(exc)))
            continue
        normalized = normalize(article.text, site.locale)
        failures.work_seconds += time.perf_counter() - started
        yield {
            "url": record.url,
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
            ORIGIN_RUNS: origin_runs(normalized),
        }


def extracted_articles(articles: Iterable[dict[str, Any]], failures: Failures) -> Iterator[dict[str, Any]]:
    """Each article with its mentions (offsets into ``text``) and fingerprints.

    The mentions are the extractor's dataclasses, as ``write_jsonl`` writes them; a staging
    file read back (or ``extract_mentions``) has them as plain dicts."""
    for article in articles:
        started = time.perf_counter()
        try:
            normalized = restored_normalization(article)
            hint = {"province": article["region"]} if article.get("region") else None
            result = extract_article(article["text"], article["locale"], hint, normalized=normalized)
            fingerprint, digest = simhash(result.simplified), content_hash(result.simplified)
            # The syndication signature too: computed here, partitions side by side, rather
            # than in the load, which partitions take in turn (the loader reads it back).
            signature = minhash(article["simplified"]).hex()
        except Exception as exc:  # one bad article must not stop the run; it is reported
            failures.work_seconds += time.perf_counter() - started
            log.exception("extraction failed for %s", article["url"])
            failures.add(PageFailure(article["url"], article["site"], f"{type(exc).__name__}: {exc}"))
            continue
        failures.work_seconds += time.perf_counter() - started
        row = {
            **article,
            "extractor_version": result.extractor_version,
            "fingerprint": fingerprint,
            "content_hash": digest,
            "minhash": signature,  # hex; warehouse/load.py reads it as the article's signature
            "amounts": result.amounts,
            "organizations": result.organizations,
            "regions": result.regions,
        }
        row.pop(ORIGIN_RUNS, None)  # the mentions file is what it was without it
        yield row


def parse_raw_pages(store: RawStore, sites: list[Site]) -> tuple[list[dict[str, Any]], list[PageFailure]]:
    """Articles from the newest fetch of every article URL of the given sites, as lists (for
    small stores and tests; the pipeline streams with ``parse_pages``)."""
    failures = Failures()
    articles: list[dict[str, Any]] = []
    for site in sites:
        spans, _ = store.new_articles(site.name, {})
        articles += parse_pages(store, site, store.latest_article_fetches(site.name, spans), failures)
    return sorted(articles, key=lambda a: a["url"]), failures.listed


def extract_mentions(
    articles: Iterable[dict[str, Any]],
) -> tuple[list[dict[str, Any]], list[PageFailure]]:
    """``extracted_articles`` as lists, with their mentions as plain dicts as a staging file
    has them (for small inputs and tests)."""
    failures = Failures()
    extracted = [
        {**row, **{kind: [plain(mention) for mention in row[kind]] for kind in _MENTION_KINDS}}
        for row in extracted_articles(articles, failures)
    ]
    return extracted, failures.listed

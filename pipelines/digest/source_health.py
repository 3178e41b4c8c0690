"""Which sources failed in a week, read from the raw store's fetch logs of that week.

The warehouse holds only articles that were fetched and parsed; a fetch that failed is recorded
in the raw store's fetch log (``error`` set by the crawler's errback: timeouts, refused
connections, 5xx and other HTTP errors).  404 and 410 are pages gone for good, not a source in
trouble, so they are not counted.  The week is the ISO week in China time (Asia/Shanghai), the
same week the digest's articles are grouped by.  The raw store's index gives each fetch log's
first and last fetch time, so only the logs overlapping the week are read, however long the
archive's history.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from spiders.raw_store import LogEntry, RawStore
from warehouse.weekly import SourceProblem

CHINA = ZoneInfo("Asia/Shanghai")
GONE = frozenset({404, 410})


@dataclass(frozen=True)
class WeekFetches:
    """What the crawler did in the week: fetches made, sources fetched, and the failures."""

    fetches: int
    sources: int
    problems: list[SourceProblem]


def _china_date(fetched_at: str | None) -> date | None:
    try:
        when = datetime.fromisoformat(fetched_at or "")
    except ValueError:
        return None
    return (when.astimezone(CHINA) if when.tzinfo is not None else when).date()


def _may_overlap(entry: LogEntry, start: date, end: date) -> bool:
    """Whether a fetch log may hold fetches of the week, from its index entry's fetch times (a
    day of margin either side; a log whose times the index does not know is read)."""
    for site in entry.sites.values():
        first, last = _china_date(site.first), _china_date(site.last)
        if first is None or last is None:
            return True
        if first <= end + timedelta(days=1) and last >= start - timedelta(days=1):
            return True
    return False


def failed_sources(
    store: RawStore, start: date, end: date, titles: Mapping[str, str] | None = None
) -> list[SourceProblem] | None:
    """Sources with failed fetches between ``start`` and ``end`` (inclusive, China time).

    None when the store has no fetch log at all (the digest then says it cannot tell).
    """
    fetched = week_fetches(store, start, end, titles)
    return None if fetched is None else fetched.problems


def week_fetches(
    store: RawStore, start: date, end: date, titles: Mapping[str, str] | None = None
) -> WeekFetches | None:
    """The week's fetches (``start`` to ``end`` inclusive, China time), failures by source.

    None when the store has no fetch log at all; zero fetches when the log has none that week.
    """
    if not store.fetches.exists() or not any(store.fetches.glob("*.jsonl")):
        return None
    titles = titles or {}
    fetches: Counter[str] = Counter()
    failures: Counter[str] = Counter()
    example: dict[str, str] = {}
    logs = [name for name, entry in store.log_index().items() if _may_overlap(entry, start, end)]
    for record in store.records_of_logs(logs):
        try:
            fetched = datetime.fromisoformat(record.fetched_at)
        except ValueError:
            continue
        if fetched.tzinfo is not None:
            fetched = fetched.astimezone(CHINA)
        if not start <= fetched.date() <= end:
            continue
        fetches[record.site] += 1
        if record.error is not None and record.status not in GONE:
            failures[record.site] += 1
            reason = f"HTTP {record.status}" if record.status else record.error
            example.setdefault(record.site, reason[:80])
    problems = [
        SourceProblem(site, titles.get(site, site), failures[site], fetches[site], example[site])
        for site in sorted(failures, key=lambda s: (-failures[s], s))
    ]
    return WeekFetches(sum(fetches.values()), len(fetches), problems)

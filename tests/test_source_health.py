"""The digest's source health reads only the fetch logs overlapping its week."""

import json
from dataclasses import asdict
from datetime import date
from pathlib import Path

import pytest

from pipelines.digest.source_health import week_fetches
from spiders.raw_store import FetchRecord, RawStore
from tests.log_reads import watch_log_reads


def _log(store: RawStore, name: str, site: str, when: str, error: str | None) -> None:
    record = FetchRecord(
        f"http://{site}.example/", site, "list", 500 if error else 200, when, name, error=error
    )
    store.fetches.mkdir(parents=True, exist_ok=True)
    (store.fetches / f"{name}.jsonl").write_text(json.dumps(asdict(record)) + "\n", "utf-8")


def test_only_the_weeks_logs_are_opened(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = RawStore(tmp_path)
    _log(store, "20260105-old", "a", "2026-01-05T02:00:00+00:00", "500")  # months before
    _log(store, "20261117-week", "a", "2026-11-17T02:00:00+00:00", "500")
    _log(store, "20261118-week", "b", "2026-11-18T02:00:00+00:00", None)
    _log(store, "20261122-edge", "b", "2026-11-22T16:30:00+00:00", "500")  # Monday 00:30 China time
    store.log_index()
    opened = watch_log_reads(store, monkeypatch)
    fetched = week_fetches(store, date(2026, 11, 16), date(2026, 11, 22))
    assert fetched is not None and (fetched.fetches, fetched.sources) == (2, 2)
    assert [(p.name, p.failed, p.fetches) for p in fetched.problems] == [("a", 1, 1)]
    # The log of the next Monday is within the day of margin: opened, its fetch not counted.
    assert "20260105-old.jsonl" not in opened and "20261117-week.jsonl" in opened


def test_a_log_indexed_without_fetch_times_is_read(tmp_path: Path) -> None:
    store = RawStore(tmp_path)
    _log(store, "20261117-week", "a", "2026-11-17T02:00:00+00:00", "500")
    entry = {"log": "20261117-week.jsonl", "size": (store.fetches / "20261117-week.jsonl").stat().st_size}
    entry["sites"] = {"a": {"responses": 1, "articles": 0, "crawl_id": "x"}}  # an older index line
    store.index_path.parent.mkdir(parents=True)
    store.index_path.write_text(json.dumps(entry) + "\n", "utf-8")
    fetched = week_fetches(store, date(2026, 11, 16), date(2026, 11, 22))
    assert fetched is not None and fetched.fetches == 1

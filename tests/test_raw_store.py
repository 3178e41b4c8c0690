import json
from pathlib import Path

import pytest

from spiders.raw_store import RawStore
from tests.log_reads import watch_log_reads


def test_latest_successful_fetch_wins_and_bodies_are_shared(tmp_path: Path) -> None:
    store = RawStore(tmp_path)
    first = store.writer("crawl-a")
    first.write(url="http://a.example/1", site="a", kind="article", status=200, headers={}, body=b"old")
    first.close()
    second = store.writer("crawl-b")
    second.write(url="http://a.example/1", site="a", kind="article", status=200, headers={}, body=b"new")
    second.write(url="http://a.example/2", site="a", kind="article", status=404, headers={}, body=b"gone")
    second.write(
        url="http://a.example/3",
        site="a",
        kind="article",
        status=None,
        headers={},
        body=None,
        error="timeout",
    )
    second.close()
    latest = store.latest_articles()
    assert list(latest) == ["http://a.example/1"]
    assert store.body(latest["http://a.example/1"].body_sha256 or "") == b"new"
    assert len(list(store.records())) == 4  # append-only: every fetch is kept


def test_torn_last_line_is_skipped(tmp_path: Path) -> None:
    store = RawStore(tmp_path)
    writer = store.writer("crawl")
    writer.write(url="http://a.example/1", site="a", kind="article", status=200, headers={}, body=b"x")
    writer.close()
    with writer.path.open("a", encoding="utf-8") as handle:
        handle.write('{"url": "http://a.example/2", "site"')  # a crawl killed mid-write
    assert [r.url for r in store.records()] == ["http://a.example/1"]


def _article(writer, url: str, body: bytes, site: str = "a") -> None:  # type: ignore[no-untyped-def]
    writer.write(url=url, site=site, kind="article", status=200, headers={}, body=body)


def test_index_is_built_for_a_store_without_one_and_counts_per_site(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = RawStore(tmp_path)
    writer = store.writer("crawl-a")  # one crawl of two sites, as `charitynews crawl` writes it
    _article(writer, "http://a.example/1", b"1")
    _article(writer, "http://b.example/1", b"2", site="b")
    writer.write(url="http://b.example/", site="b", kind="list", status=200, headers={}, body=b"l")
    writer.write(url="http://b.example/2", site="b", kind="article", status=None, headers={}, body=None)
    writer.close()
    assert not store.index_path.exists()  # a store written before the index existed
    (entry,) = store.log_index().values()
    assert entry.sites["a"].articles == 1 and entry.sites["a"].responses == 1
    assert entry.sites["b"].articles == 1 and entry.sites["b"].responses == 2
    assert entry.size == writer.path.stat().st_size
    assert store.index_path.exists()

    # Read again, the index answers without reading the log (a log unchanged since is not re-read).
    def read_again(*args: object, **kwargs: object) -> None:
        raise AssertionError("a log unchanged since it was indexed was read again")

    monkeypatch.setattr(store, "read_log", read_again)
    assert RawStore(tmp_path).log_index() == {entry.log: entry}
    assert store.log_index() == {entry.log: entry}


def test_new_articles_are_only_those_past_the_watermark(tmp_path: Path) -> None:
    store = RawStore(tmp_path)
    first = store.writer("crawl-1")
    _article(first, "http://a.example/1", b"v1")
    _article(first, "http://a.example/2", b"x")
    first.close()
    spans, read = store.new_articles("a", {})
    assert [r.url for r in store.latest_article_fetches("a", spans)] == [
        "http://a.example/1",
        "http://a.example/2",
    ]
    assert store.pending_bytes("a", read) == 0
    assert store.new_articles("a", read)[0] == []  # nothing new
    second = store.writer("crawl-2")
    _article(second, "http://a.example/1", b"v2")  # changed: fetched again
    _article(second, "http://a.example/3", b"y")
    _article(second, "http://a.example/3", b"y2")  # twice in the new logs: the newest wins
    second.close()
    assert store.pending_bytes("a", read) > 0 and store.pending_bytes("b", read) == 0
    spans, after = store.new_articles("a", read)
    new = list(store.latest_article_fetches("a", spans))
    assert [(r.url, store.body(r.body_sha256 or "")) for r in new] == [
        ("http://a.example/1", b"v2"),
        ("http://a.example/3", b"y2"),
    ]
    assert store.new_articles("a", after)[0] == []


def test_a_line_still_being_written_is_read_next_time(tmp_path: Path) -> None:
    store = RawStore(tmp_path)
    writer = store.writer("crawl")
    _article(writer, "http://a.example/1", b"x")
    writer.close()
    with writer.path.open("a", encoding="utf-8") as handle:
        handle.write('{"url": "http://a.example/2", "site"')  # the crawler is mid-line
    spans, read = store.new_articles("a", {})
    assert [r.url for r in store.latest_article_fetches("a", spans)] == ["http://a.example/1"]
    with writer.path.open("a", encoding="utf-8") as handle:  # the crawler finishes the line
        record = {"url": "http://a.example/2", "site": "a", "kind": "article", "status": 200}
        record |= {"fetched_at": "2026-11-20T00:00:00+00:00", "crawl_id": "crawl"}
        record |= {"body_sha256": store.put_body(b"y")}
        handle.write(json.dumps(record)[len('{"url": "http://a.example/2", "site"') :] + "\n")
    spans, _ = store.new_articles("a", read)
    assert [r.url for r in store.latest_article_fetches("a", spans)] == ["http://a.example/2"]


def _crawl(store: RawStore, crawl_id: str, url: str, body: bytes, site: str = "a") -> str:
    writer = store.writer(crawl_id)
    _article(writer, url, body, site=site)
    writer.close()
    return writer.path.name


def test_a_watermark_stays_short_however_many_logs_the_site_has(tmp_path: Path) -> None:
    from spiders.raw_store import LISTED_LOGS, SETTLED

    store = RawStore(tmp_path)
    logs = [_crawl(store, f"day-{n:02d}", f"http://a.example/{n}", b"%d" % n) for n in range(9)]
    _crawl(
        store, "other-site", "http://b.example/1", b"b", site="b"
    )  # another site's log: not in a's watermark
    spans, read = store.new_articles("a", {})
    assert len(list(store.latest_article_fetches("a", spans))) == 9
    assert len(read) == LISTED_LOGS + 1 and SETTLED + logs[-LISTED_LOGS - 1] in read
    assert store.pending_bytes("a", read) == 0 and store.new_articles("a", read)[0] == []
    new_log = _crawl(store, "day-10", "http://a.example/10", b"10")
    spans, after = store.new_articles("a", read)
    assert [span[0] for span in spans] == [new_log]
    assert len(after) == LISTED_LOGS + 1
    # A log summed into the watermark grew: which part is new is unknown, so all is read again
    # (newest fetch of each URL still wins).
    with (store.fetches / logs[0]).open("a", encoding="utf-8") as handle:
        record = {"url": "http://a.example/0", "site": "a", "kind": "article", "status": 200}
        record |= {"fetched_at": "2026-11-20T00:00:00+00:00", "crawl_id": "day-00"}
        handle.write(json.dumps(record | {"body_sha256": store.put_body(b"late")}) + "\n")
    assert store.pending_bytes("a", after) > 0
    spans, _ = store.new_articles("a", after)
    again = {r.url: store.body(r.body_sha256 or "") for r in store.latest_article_fetches("a", spans)}
    assert len(again) == 10 and again["http://a.example/0"] == b"late"


def test_crawl_memory_reads_only_the_logs_of_its_sites(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = RawStore(tmp_path)
    a_log = _crawl(store, "crawl-a", "http://a.example/1", b"1")
    _crawl(store, "crawl-b", "http://b.example/1", b"2", site="b")
    store.log_index()  # the index is built once, by any reader
    opened = watch_log_reads(store, monkeypatch)
    assert store.crawl_memory({"a"}).settled_articles == {"http://a.example/1"}
    assert opened == [a_log]
    assert store.crawl_memory().settled_articles == {"http://a.example/1", "http://b.example/1"}


def _memory_from_every_log(store: RawStore, sites: set[str]) -> tuple[set[str], dict[str, object]]:
    """Crawl memory by its definition: every line of every log, in log order."""
    settled: set[str] = set()
    listings: dict[str, object] = {}
    for record in store.records():
        if record.site not in sites:
            continue
        if record.kind == "article" and record.status in (200, 404, 410):
            settled |= {record.url, *([record.requested_url] if record.requested_url else [])}
        elif record.kind != "article" and record.status == 200 and record.body_sha256:
            listings[record.requested_url or record.url] = record.headers.get("etag")
    return settled, listings


def _listing(writer, url: str, etag: str) -> None:  # type: ignore[no-untyped-def]
    writer.write(url=url, site="a", kind="list", status=200, headers={"etag": etag}, body=etag.encode())


def test_crawl_memory_reads_only_what_the_sites_logs_gained(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = RawStore(tmp_path)
    first = store.writer("crawl-1")
    _article(first, "http://a.example/1", b"1")
    _listing(first, "http://a.example/list", '"v1"')
    first.close()
    _crawl(store, "crawl-b", "http://b.example/1", b"2", site="b")
    store.log_index()  # the index is built once, by any reader
    opened = watch_log_reads(store, monkeypatch)

    def check() -> None:
        memory = store.crawl_memory({"a"})
        settled, listings = _memory_from_every_log(store, {"a"})
        assert memory.settled_articles == settled
        assert {url: v.etag for url, v in memory.listings.items()} == listings

    check()
    assert opened == [first.path.name]
    opened.clear()
    check()
    assert opened == []  # nothing new: the saved memory is the answer
    with first.path.open("a", encoding="utf-8") as handle:  # a crawl still writing its log
        handle.write(
            json.dumps(
                {
                    "url": "http://a.example/2",
                    "site": "a",
                    "kind": "article",
                    "status": 404,
                    "fetched_at": "2026-11-17T10:00:00+00:00",
                    "crawl_id": "crawl-1",
                }
            )
            + "\n"
        )
    second = store.writer("crawl-2")
    _article(second, "http://a.example/3", b"3")
    _listing(second, "http://a.example/list", '"v2"')
    second.close()
    store.log_index()
    opened.clear()
    check()
    assert opened == [first.path.name, second.path.name]  # the first from where it was read
    assert store.crawl_memory({"a"}).listings["http://a.example/list"].etag == '"v2"'
    (tmp_path / "index" / "crawl-memory" / "a.json").write_text("{torn", encoding="utf-8")
    check()  # an unreadable memory is rebuilt from the logs


def test_a_sites_reading_skips_other_sites_lines_yet_misses_none_of_its_own(tmp_path: Path) -> None:
    """Lines naming another site are passed over undecoded; a header that happens to be called
    ``site``, a site whose name starts another's, and a line written in another JSON layout are
    still judged by their decoded ``site``."""
    store = RawStore(tmp_path)
    writer = store.writer("crawl")
    writer.write(url="http://g.example/1", site="gang", kind="article", status=200, headers={}, body=b"1")
    writer.write(url="http://ga.example/1", site="gangao", kind="article", status=200, headers={}, body=b"2")
    writer.write(  # another site's fetch whose response carried a header named "site"
        url="http://o.example/1",
        site="other",
        kind="article",
        status=200,
        headers={"site": "gang"},
        body=b"3",
    )
    writer.write(
        url="http://g.example/2", site="gang", kind="article", status=200, headers={"site": "x"}, body=b"4"
    )
    writer.close()
    compact = json.loads(writer.path.read_text(encoding="utf-8").splitlines()[0])
    compact["url"] = "http://g.example/3"
    with writer.path.open("a", encoding="utf-8") as handle:  # written by another tool, no spaces
        handle.write(json.dumps(compact, separators=(",", ":"), ensure_ascii=False) + "\n")
    name = writer.path.name
    mine = [record.url for record, _ in store.read_log(name, site="gang")]
    assert mine == ["http://g.example/1", "http://g.example/2", "http://g.example/3"]
    assert [record.url for record, _ in store.read_log(name, site="gangao")] == ["http://ga.example/1"]
    assert len(list(store.read_log(name))) == 5  # no site: every line

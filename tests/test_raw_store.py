from pathlib import Path

from spiders.raw_store import RawStore


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

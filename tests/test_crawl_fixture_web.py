"""The crawler against the local fixture web (real HTTP on 127.0.0.1): discovery by pagination,
sitemaps and feeds, every encoding, redirects and errors, slow and huge responses, binary
content, robots.txt, and a second, incremental crawl of the same sites."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from crawl_support import CrawlRun, records, run_crawler

from spiders.fixture_web import EXPECTED_DECODING, FixtureConfig, FixtureWeb, registry_toml, serve_fixture_web
from spiders.raw_store import FetchRecord, RawStore


@dataclass
class TwoCrawls:
    web: FixtureWeb
    data_dir: Path
    first: CrawlRun
    first_records: list[FetchRecord]
    hits_after_first: Counter[str]
    second: CrawlRun
    second_records: list[FetchRecord]


@pytest.fixture(scope="module")
def crawls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TwoCrawls]:
    data_dir = tmp_path_factory.mktemp("crawl")
    with serve_fixture_web(FixtureConfig(articles=12, page_size=5)) as web:
        registry = data_dir / "sites.toml"
        registry.write_text(registry_toml(web), "utf-8")
        first = run_crawler(registry, data_dir)
        first_records = records(data_dir)
        hits_after_first = Counter(web.hits)
        second = run_crawler(registry, data_dir)
        second_records = records(data_dir)[len(first_records) :]
        yield TwoCrawls(web, data_dir, first, first_records, hits_after_first, second, second_records)


def _by_url(crawls: TwoCrawls) -> dict[str, FetchRecord]:
    return {r.url.removeprefix(crawls.web.url): r for r in crawls.first_records}


def test_one_bad_page_never_stops_the_crawl(crawls: TwoCrawls) -> None:
    assert crawls.first.returncode == 0, crawls.first.stderr[-3000:]
    assert crawls.first.stats["finish_reason"] == "finished"
    assert crawls.second.stats["finish_reason"] == "finished"


def test_pagination_reaches_every_article_once(crawls: TwoCrawls) -> None:
    web, hits = crawls.web, crawls.hits_after_first
    assert len(web.list_page_paths()) == 3
    for path in web.list_page_paths() + web.list_article_paths():
        assert hits[path] == 1, path
    stored = {r.url for r in crawls.first_records if r.site == "fx-list" and r.kind == "article"}
    assert stored == {web.url + p for p in web.list_article_paths()}


def test_sitemap_index_plain_and_gzipped_sitemaps(crawls: TwoCrawls) -> None:
    web, hits = crawls.web, crawls.hits_after_first
    assert hits["/sitemap_index.xml"] == hits["/sitemaps/a.xml"] == hits["/sitemaps/b.xml.gz"] == 1
    stored = {r.url for r in crawls.first_records if r.site == "fx-sitemap" and r.kind == "article"}
    assert stored == {web.url + p for p in web.sitemap_article_paths()}
    kinds = Counter(r.kind for r in crawls.first_records if r.site == "fx-sitemap")
    assert kinds["sitemap"] == 3


def test_rss_and_atom_feeds(crawls: TwoCrawls) -> None:
    web = crawls.web
    stored = {r.url for r in crawls.first_records if r.site == "fx-feeds" and r.kind == "article"}
    assert stored == {web.url + p for p in web.feed_article_paths()}
    assert any("/rss-" in u for u in stored) and any("/atom-" in u for u in stored)


def test_every_encoding_decodes_or_is_flagged(crawls: TwoCrawls) -> None:
    by_url = _by_url(crawls)
    for name, (codec, flagged) in EXPECTED_DECODING.items():
        record = by_url[f"/enc/{name}.html"]
        assert record.status == 200 and record.body_sha256, name
        assert record.encoding == codec, (name, record.encoding, record.encoding_source)
        assert (record.bad_bytes > 0) is flagged, (name, record.bad_bytes)
    assert by_url["/enc/gb2312-meta-only.html"].encoding_source == "meta"
    assert by_url["/enc/utf8-bom-undeclared.html"].encoding_source == "bom"
    assert by_url["/enc/big5-undeclared.html"].encoding_source == "detected"
    # The header claims UTF-8 but the bytes are GBK: the <meta> declaration is used instead.
    assert by_url["/enc/header-lies-utf8.html"].encoding_source == "meta"
    assert crawls.first.stat("charitynews/decoded_badly") == sum(f for _, f in EXPECTED_DECODING.values())


def test_hkscs_characters_survive(crawls: TwoCrawls) -> None:
    record = _by_url(crawls)["/enc/big5hkscs-meta-only.html"]
    body = RawStore(crawls.data_dir / "raw").body(record.body_sha256 or "")
    assert "𨋢" in body.decode(record.encoding or "")


def test_redirects_record_the_chain_and_the_canonical_url(crawls: TwoCrawls) -> None:
    web, by_url = crawls.web, _by_url(crawls)
    moved = by_url["/trouble/final-301.html"]
    assert moved.status == 200 and moved.requested_url == web.url + "/trouble/moved-301.html"
    assert moved.redirects == (web.url + "/trouble/moved-301.html",)
    found = by_url["/trouble/final-302.html?from=302"]
    assert found.requested_url == web.url + "/trouble/moved-302.html"
    assert found.canonical_url == web.url + "/trouble/final-302.html"


def test_404_and_410_are_recorded_and_not_retried(crawls: TwoCrawls) -> None:
    by_url, hits = _by_url(crawls), crawls.hits_after_first
    assert by_url["/trouble/missing-404.html"].status == 404
    assert by_url["/trouble/gone-410.html"].status == 410
    assert hits["/trouble/missing-404.html"] == hits["/trouble/gone-410.html"] == 1
    assert crawls.first.stat("charitynews/gone") == 2
    # …and not in later crawls either: a page that is gone stays settled.
    assert crawls.web.hits["/trouble/missing-404.html"] == crawls.web.hits["/trouble/gone-410.html"] == 1


def test_server_errors_and_timeouts_are_retried_with_backoff(crawls: TwoCrawls) -> None:
    by_url, hits = _by_url(crawls), crawls.hits_after_first
    assert hits["/trouble/broken-500.html"] == 3  # first try and RETRY_TIMES=2
    assert by_url["/trouble/broken-500.html"].status == 500
    assert hits["/trouble/flaky-503.html"] == 2 and by_url["/trouble/flaky-503.html"].status == 200
    timeout = by_url["/trouble/timeout.html"]
    assert timeout.status is None and timeout.error and "took longer than" in timeout.error
    assert hits["/trouble/timeout.html"] == 3
    assert crawls.first.stat("charitynews/timeouts") == 1
    # Every retry waited first: 500 ×2, 503 ×1, timeout ×2.
    assert crawls.first.stat("retry/count") == 5
    assert crawls.first.stat("charitynews/retry_backoff_waits") == 5


def test_slow_pages_inside_the_timeout_are_fetched(crawls: TwoCrawls) -> None:
    record = _by_url(crawls)["/trouble/slow.html"]
    assert record.status == 200 and record.body_length > 1000


def test_a_20_mb_page_is_abandoned_and_recorded(crawls: TwoCrawls) -> None:
    # One announces its size (Content-Length), the other only shows it while arriving.
    for path in ("/trouble/huge.html", "/trouble/huge-unannounced.html"):
        record = _by_url(crawls)[path]
        assert record.body_sha256 is None and record.error, path
        assert "max size" in record.error
    assert crawls.first.stat("charitynews/too_large") == 2
    biggest = max(p.stat().st_size for p in (crawls.data_dir / "raw" / "bodies").rglob("*") if p.is_file())
    assert biggest < 1024 * 1024


def test_binary_and_non_html_responses_are_skipped_and_counted(crawls: TwoCrawls) -> None:
    by_url = _by_url(crawls)
    binary, pdf = by_url["/trouble/binary.html"], by_url["/trouble/annual-report.html"]
    assert binary.status == 200 and binary.body_sha256 is None
    assert binary.skipped and binary.skipped.startswith("binary content served as text/html")
    assert pdf.skipped == "not HTML: Content-Type application/pdf" and pdf.body_sha256 is None
    assert crawls.first.stat("charitynews/skipped_binary") == 1
    assert crawls.first.stat("charitynews/skipped_non_html") == 1


def test_robots_txt_disallow_is_obeyed(crawls: TwoCrawls) -> None:
    assert crawls.web.hits["/private/secret.html"] == 0
    assert crawls.first.stat("robotstxt/forbidden") == 1
    assert crawls.web.hits["/robots.txt"] == 2  # once per crawl


def test_user_agent_carries_a_contact_url(crawls: TwoCrawls) -> None:
    (agent,) = crawls.web.user_agents  # one agent for every request, robots.txt included
    assert agent.startswith("charity-news/") and "+https://" in agent


def test_every_response_is_kept_with_status_headers_and_time(crawls: TwoCrawls) -> None:
    for record in crawls.first_records:
        assert record.fetched_at and record.crawl_id
        if record.status is not None:
            assert record.headers.get("server", "").startswith("FixtureCMS")


def test_second_crawl_fetches_no_stored_article_again(crawls: TwoCrawls) -> None:
    web = crawls.web
    for path in [*web.list_article_paths(), *web.sitemap_article_paths(), *web.feed_article_paths()]:
        assert web.hits[path] == 1, path
    for path in web.encoding_paths():
        assert web.hits[path] == 1, path
    assert not [
        r for r in crawls.second_records if r.kind == "article" and r.status == 200 and "/enc/" in r.url
    ]
    assert crawls.second.stat("charitynews/already_stored") >= 3 * web.config.articles + len(
        web.encoding_paths()
    )


def test_second_crawl_revalidates_list_pages_with_conditional_get(crawls: TwoCrawls) -> None:
    web = crawls.web
    for path in web.list_page_paths():
        assert web.conditional_hits[path] == 1, path  # the second crawl's request was conditional
        assert web.hits[path] == 2
    assert crawls.second.stat("charitynews/not_modified") == len(web.list_page_paths())
    statuses = Counter(r.status for r in crawls.second_records if r.kind == "list" and r.site == "fx-list")
    assert statuses == {304: len(web.list_page_paths())}


def test_the_raw_store_is_append_only(crawls: TwoCrawls) -> None:
    logs = sorted((crawls.data_dir / "raw" / "fetches").glob("*.jsonl"))
    assert len(logs) == 2
    assert len(records(crawls.data_dir)) == len(crawls.first_records) + len(crawls.second_records)

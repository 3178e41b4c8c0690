"""The site registry: every shipped registry loads, and each kind of mistake gets a clear error."""

from __future__ import annotations

from pathlib import Path

import pytest

from spiders.registry import RegistryError, load_registry, parse_registry

ROOT = Path(__file__).resolve().parent.parent

GOOD = """
[[site]]
name = "good-site"
title = "善意新闻网"
homepage = "https://news.good.example/"
start_urls = ["https://news.good.example/gyxw/"]
list_url_pattern = '/gyxw/index_\\d+\\.html$'
article_url_pattern = ['/gyxw/\\d{6}/t\\d{8}_\\d+\\.html$', '/art/\\d{4}/\\d+/\\d+/art_\\d+\\.html$']
sitemaps = ["https://news.good.example/sitemap_index.xml"]
feeds = ["https://news.good.example/rss.xml"]
locale = "tw"
selectors = { title = "h1.title", date = "span.time", body = "div.TRS_Editor", source = ".source" }
politeness = { download_delay = 2.5, concurrency = 2, timeout = 20, max_page_mb = 5 }
allowed_domains = ["news.good.example"]
verified = false
notes = "list pages only show the latest 200 articles"
"""


def test_a_complete_site_loads_with_every_field() -> None:
    (site,) = parse_registry(GOOD)
    assert site.name == "good-site" and site.locale == "tw" and not site.verified
    assert site.allowed_domains == ("news.good.example",)
    assert site.is_article("https://news.good.example/gyxw/202403/t20240315_88.html")
    assert site.is_article("https://news.good.example/art/2024/3/5/art_77.html")
    assert not site.is_article("https://news.good.example/gyxw/index_2.html")
    assert site.is_list("https://news.good.example/gyxw/index_2.html")
    assert site.sitemaps and site.feeds
    assert site.selectors.body == "div.TRS_Editor" and site.selectors.source == ".source"
    assert site.politeness.concurrency == 2 and site.politeness.max_page_bytes == 5 * 1024 * 1024


def test_a_site_found_only_by_sitemap_needs_no_list_pattern() -> None:
    (site,) = parse_registry(
        '[[site]]\nname="s"\ntitle="t"\nhomepage="http://a.example/"\n'
        'sitemaps=["http://a.example/sitemap.xml.gz"]\narticle_url_pattern="/a/"\n'
    )
    assert not site.is_list("http://a.example/anything") and site.start_urls == ()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('locale = "tw"', 'locale = "taiwan"'), "locale 'taiwan' is not one of"),
        (("verified = false", "verfied = false"), "unknown key(s) ['verfied']"),
        (('homepage = "https://news.good.example/"', 'homepage = "news.good.example"'), "homepage:"),
        (('"https://news.good.example/rss.xml"', '"ftp://news.good.example/rss.xml"'), "not an http(s) URL"),
        (('"https://news.good.example/rss.xml"', '"https://elsewhere.example/rss.xml"'), "outside allowed"),
        (('title = "h1.title"', 'title = "h1..title"'), "selectors.title 'h1..title' is not a valid CSS"),
        (('source = ".source"', 'author = ".author"'), "selectors: unknown key(s) ['author']"),
        (("list_url_pattern = '/gyxw/index_", "list_url_pattern = '/gyxw/(index_"), "not a valid regular"),
        (("concurrency = 2", "concurrency = 0"), "concurrency must be at least 1"),
        (("timeout = 20", "timeout = -1"), "politeness.timeout must be a non-negative float"),
        (("timeout = 20", "retries = 3"), "politeness: unknown key(s) ['retries']"),
        (('name = "good-site"', 'name = "Good Site"'), "must be lower-case"),
        (('title = "善意新闻网"\n', ""), "missing required key 'title'"),
        (("verified = false", 'verified = "no"'), "verified must be true or false"),
    ],
)
def test_mistakes_are_named(change: tuple[str, str], message: str) -> None:
    old, new = change
    assert old in GOOD
    with pytest.raises(RegistryError) as info:
        parse_registry(GOOD.replace(old, new, 1), "sites/mine.toml")
    assert message in str(info.value)
    assert str(info.value).startswith("sites/mine.toml site #1")


def test_a_site_without_any_discovery_method_is_refused() -> None:
    text = GOOD.replace('start_urls = ["https://news.good.example/gyxw/"]\n', "")
    text = text.replace('sitemaps = ["https://news.good.example/sitemap_index.xml"]\n', "")
    text = text.replace('feeds = ["https://news.good.example/rss.xml"]\n', "")
    with pytest.raises(RegistryError, match="no discovery method"):
        parse_registry(text)


def test_duplicate_names_and_stray_tables_are_refused() -> None:
    with pytest.raises(RegistryError, match=r"duplicate site name\(s\) \['good-site'\]"):
        parse_registry(GOOD + GOOD)
    with pytest.raises(RegistryError, match="unknown top-level key"):
        parse_registry("[sites]\nname = 'x'\n")
    with pytest.raises(RegistryError, match="not valid TOML"):
        parse_registry("[[site]\n")


def test_an_unreadable_file_names_the_path(tmp_path: Path) -> None:
    with pytest.raises(RegistryError, match="cannot read registry"):
        load_registry(tmp_path / "missing.toml")


@pytest.mark.parametrize("path", ["sample_sites/sites.toml", "sites/real.toml"])
def test_shipped_registries_load(path: str) -> None:
    sites = load_registry(ROOT / path)
    assert len({s.name for s in sites}) == len(sites) >= 3


def test_the_starting_list_is_marked_unverified_and_covers_every_locale() -> None:
    sites = load_registry(ROOT / "sites" / "real.toml")
    assert all(not s.verified for s in sites)
    assert {s.locale for s in sites} == {"mainland", "hk", "mo", "tw"}
    assert all(not s.homepage.endswith(".example/") for s in sites)
